"""ADF/XML 1.0, the automotive lead format: read a document into a lead, write a lead out.

Reading goes through defusedxml: a document that declares entities (the billion laughs,
an external entity reaching for a file or a URL) is refused before anything expands.
Real feeds differ from the specification in small ways, and reading tolerates them:
element names in any case (``<ADF>``, ``<Prospect>``), the ``<?adf version="1.0"?>``
processing instruction in any case or missing, phones of several types, names given
whole or in parts, and any optional part left out.

Mapping (ADF -> lead):
- ``customer/contact``: ``name`` (part first/last, or full), ``email``, the first
  ``phone`` that is not a fax or pager, ``address/postalcode`` and ``address/country``;
  ``customer/comments`` and ``customer/timeframe`` become the message.
- each wanted ``vehicle`` (interest buy, lease, test-drive) -> one line item:
  the SKU from ``stock`` (else ``model``), the product group from
  ``<id source="product_group">`` (LeadRelay writes it so), else the catalog's group
  for that SKU, else the configured default (RELAY_ADF_DEFAULT_PRODUCT_GROUP);
  ``status`` new/used becomes the interest category.
  Trade-in vehicles are not wanted products: they go into the message.
- ``vendor`` -> the preferred seller: its ``id`` as a dealer code, else a dealer whose
  name is the ``vendorname``; its ``contact`` name as the preferred contact.
- ``provider`` name, the prospect ``id`` and ``requestdate`` -> custom fields.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from flask import current_app
from sqlalchemy import func, select

from app.clock import iso
from app.extensions import db
from app.models import Dealer, Lead, Product, User
from app.services import intake
from app.services.errors import ValidationFailed

ADF_FIELD = "adf"
DEFAULT_COUNTRY = "US"  # ADF is a North American format; the address usually says.
DEFAULT_PRODUCT_GROUP = "vehicles"
PRODUCT_GROUP_ID_SOURCE = "product_group"
LEADRELAY_SOURCE = "LeadRelay"

# ADF vehicle interest -> our line item interest type; others are not wanted products.
_INTEREST = {"buy": "buy", "lease": "quote", "test-drive": "test_drive", "": "buy"}
_TRADE_INTERESTS = {"trade-in", "sell"}
_OUR_INTEREST = {"buy": "buy", "quote": "lease", "test_drive": "test-drive"}
_SKIPPED_PHONE_TYPES = {"fax", "pager"}
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_SPACES = re.compile(r"\s+")


class AdfError(ValidationFailed):
    """A document that does not parse or does not map to a lead (422, field ``adf``)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message, {ADF_FIELD: message, **(errors or {})})


# --- Reading ---------------------------------------------------------------------------


def parse_adf(document: bytes | str) -> dict:
    """A lead body (as POST /api/v1/leads takes it) from an ADF/XML document.

    Raises AdfError naming line and column when the XML is not well-formed, and saying
    what is missing when it does not describe a lead. Touches no database.
    """
    prospect = _single_prospect(_root(document))
    contact = _child(_child(prospect, "customer"), "contact")
    if contact is None:
        raise AdfError("the prospect has no customer contact (<customer><contact>)")
    first_name, last_name = _names(contact)
    if not first_name and not last_name:
        raise AdfError('the customer contact has no name (<name part="first">, "last" or "full")')
    address = _child(contact, "address")
    country = _text(_child(address, "country")).upper()
    postal_code = _text(_child(address, "postalcode")) or None
    wanted, traded, interest_category = _vehicles(prospect)
    if not wanted:
        raise AdfError(
            'the prospect names no vehicle the customer wants (<vehicle interest="buy">)'
        )
    vendor = _child(prospect, "vendor")
    vendor_id = _text(_child(vendor, "id"))
    vendor_contact = " ".join(part for part in _names(_child(vendor, "contact")) if part)
    custom_fields = {
        key: value
        for key, value in {
            "adf_id": _text(_child(prospect, "id")),
            "adf_request_date": _text(_child(prospect, "requestdate")),
            "adf_provider": _text(_child(_child(prospect, "provider"), "name")),
            "adf_vendor_name": _text(_child(vendor, "vendorname")),
        }.items()
        if value
    }
    return {
        "customer": {
            "first_name": first_name or last_name,
            "last_name": last_name or first_name,
            "email": _text(_child(contact, "email")) or None,
            "phone": _phone(contact),
            "company": None,
        },
        "inquiry_type": "b2c",
        "interest_category": interest_category,
        "postal_code": postal_code,
        "country": (country if _COUNTRY.match(country) else None)
        or (_default_country() if postal_code else None),
        "delivery": "pickup",
        "message": _message(prospect, traded) or None,
        "line_items": wanted,
        "preferred_seller": {
            "dealer": vendor_id if _CODE.match(vendor_id) else None,
            "contact": vendor_contact or None,
        }
        if vendor is not None
        else None,
        "custom_fields": custom_fields,
        "consent": False,  # ADF carries no consent; the sending system answers for it
    }


def _root(document: bytes | str) -> Element:
    if isinstance(document, str):
        document = document.encode("utf-8")
    if not document.strip():
        raise AdfError("the document is empty")
    try:
        root = SafeElementTree.fromstring(document)
    except DefusedXmlException as refused:
        raise AdfError(f"the document was refused: {_refusal(refused)}") from None
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = str(error).split(":", 1)[0]
        raise AdfError(
            f"the XML is not well-formed at line {line}, column {column + 1}: {reason}"
        ) from None
    if _name(root) != "adf":
        raise AdfError(f"the root element is <{root.tag}>, not <adf>")
    return root


def _refusal(refused: DefusedXmlException) -> str:
    kind = type(refused).__name__
    if kind == "EntitiesForbidden":
        return "it declares entities, which ADF does not need (entity expansion is not allowed)"
    if kind in {"ExternalReferenceForbidden", "DTDForbidden"}:
        return "it refers to an external resource, which is not allowed"
    return "it uses an XML feature that is not allowed"


def _single_prospect(root: Element) -> Element:
    prospects = _children(root, "prospect")
    if not prospects:
        raise AdfError("the document has no <prospect>")
    if len(prospects) > 1:
        raise AdfError(f"the document has {len(prospects)} prospects; send one per request")
    return prospects[0]


def _name(element: Element) -> str:
    """An element's local name in lower case: real feeds vary the case, some add namespaces."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _children(parent: Element | None, name: str) -> list[Element]:
    if parent is None:
        return []
    return [child for child in parent if _name(child) == name]


def _child(parent: Element | None, name: str) -> Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _attribute(element: Element, name: str) -> str:
    for key, value in element.attrib.items():
        if key.lower() == name:
            return value.strip().lower()
    return ""


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return _SPACES.sub(" ", "".join(element.itertext())).strip()


def _names(contact: Element | None) -> tuple[str, str]:
    """(first, last) from <name part="first|last|full">; a name without part is full."""
    first = last = full = ""
    for name in _children(contact, "name"):
        part, value = _attribute(name, "part"), _text(name)
        if part == "first":
            first = first or value
        elif part == "last":
            last = last or value
        elif part in {"full", ""} and value:
            full = full or value
    if full and not (first or last):
        if "," in full:  # "Doe, John"
            last, _, first = (piece.strip() for piece in full.partition(","))
        else:
            first, _, last = full.rpartition(" ")
            if not first:
                first = last
    return first[:100], last[:100]


def _phone(contact: Element) -> str | None:
    """The first phone a person answers: voice or cell before anything untyped."""
    phones = [
        (_attribute(phone, "type"), _text(phone))
        for phone in _children(contact, "phone")
        if _text(phone)
    ]
    wanted = [number for kind, number in phones if kind not in _SKIPPED_PHONE_TYPES]
    return wanted[0][:40] if wanted else None


def _vehicles(prospect: Element) -> tuple[list[dict], list[str], str | None]:
    """(line items of wanted vehicles, descriptions of trade-ins, interest category)."""
    wanted: list[dict] = []
    traded: list[str] = []
    category = None
    for vehicle in _children(prospect, "vehicle"):
        interest = _attribute(vehicle, "interest")
        description = _vehicle_description(vehicle)
        if interest in _TRADE_INTERESTS:
            traded.append(description or "a vehicle")
            continue
        status = _attribute(vehicle, "status")
        if category is None and status in {"new", "used"}:
            category = status
        sku = _text(_child(vehicle, "stock")) or _text(_child(vehicle, "model")) or None
        group = next(
            (
                _text(identifier).lower()
                for identifier in _children(vehicle, "id")
                if _attribute(identifier, "source") == PRODUCT_GROUP_ID_SOURCE and _text(identifier)
            ),
            None,
        )
        wanted.append(
            {
                "sku": sku[:80] if sku else None,
                "product_group": group,
                "interest_type": _INTEREST.get(interest, "buy"),
                "item_type": "vehicle",
                "quantity": 1,
            }
        )
    return wanted, traded, category


def _vehicle_description(vehicle: Element) -> str:
    parts = [_text(_child(vehicle, name)) for name in ("year", "make", "model", "trim")]
    described = " ".join(part for part in parts if part)
    vin = _text(_child(vehicle, "vin"))
    return f"{described} (VIN {vin})" if vin else described


def _message(prospect: Element, traded: list[str]) -> str:
    customer = _child(prospect, "customer")
    lines = [_text(_child(customer, "comments"))]
    for vehicle in _children(prospect, "vehicle"):
        if _attribute(vehicle, "interest") not in _TRADE_INTERESTS:
            described = _vehicle_description(vehicle)
            lines.append(f"Vehicle: {described}" if described else "")
            lines.append(_text(_child(vehicle, "comments")))
    timeframe = _child(customer, "timeframe")
    if timeframe is not None:
        when = _text(_child(timeframe, "description")) or " to ".join(
            part
            for part in (
                _text(_child(timeframe, "earliestdate")),
                _text(_child(timeframe, "latestdate")),
            )
            if part
        )
        if when:
            lines.append(f"Timeframe: {when}")
    lines += [f"Trade-in: {description}" for description in traded]
    return "\n".join(line for line in lines if line)[:5000]


def _default_country() -> str:
    return str(current_app.config.get("RELAY_ADF_DEFAULT_COUNTRY", DEFAULT_COUNTRY))


# --- Taking a document in ---------------------------------------------------------------


def create_lead_from_adf(document: bytes, source: str = "adf", actor: User | None = None) -> Lead:
    """Read an ADF document, complete it from our data, then store and route it as any lead.

    Every error answers under ``adf`` (with the lead field it concerns beside it).
    """
    body = resolve_adf_body(parse_adf(document))
    try:
        return intake.create_lead(body, source=source, actor=actor)
    except AdfError:
        raise
    except ValidationFailed as error:
        problems = "; ".join(f"{path}: {message}" for path, message in error.errors.items())
        raise AdfError(
            f"the document does not make a valid lead ({problems})", error.errors
        ) from None


def resolve_adf_body(body: dict) -> dict:
    """Fill what the document left to us: product groups, and the vendor as a dealer."""
    default_group = str(
        current_app.config.get("RELAY_ADF_DEFAULT_PRODUCT_GROUP", DEFAULT_PRODUCT_GROUP)
    )
    line_items = []
    for item in body["line_items"]:
        item = dict(item)
        if not item.get("product_group"):
            item["product_group"] = _catalog_group(item.get("sku")) or default_group
        line_items.append(item)
    preferred = body.get("preferred_seller")
    vendor_name = body["custom_fields"].get("adf_vendor_name")
    if preferred is not None and not _known_dealer(preferred.get("dealer")) and vendor_name:
        by_name = db.session.scalar(
            select(Dealer.code).where(func.lower(Dealer.name) == vendor_name.lower()).limit(1)
        )
        if by_name:
            preferred = {**preferred, "dealer": by_name}
    return {**body, "line_items": line_items, "preferred_seller": preferred}


def _known_dealer(code: str | None) -> bool:
    return (
        bool(code) and db.session.scalar(select(Dealer.id).where(Dealer.code == code)) is not None
    )


def _catalog_group(sku: str | None) -> str | None:
    """The product group the catalog gives this SKU (stock number or model), if listed."""
    if not sku:
        return None
    return db.session.scalar(
        select(Product.product_group).where(func.lower(Product.sku) == sku.lower()).limit(1)
    )


# --- Writing ----------------------------------------------------------------------------


def lead_to_adf(lead: Lead, *, hide_contact: bool = False) -> str:
    """The lead as an ADF/XML 1.0 document (UTF-8 text), e.g. for a dealer's CRM by e-mail.

    ``hide_contact`` leaves out e-mail, phone and last name (a dealer whose offer is
    still pending sees no more than that). Product groups travel as
    ``<id source="product_group">`` so that parse_adf reads the same lead back.
    """
    adf = Element("adf")
    prospect = _sub(adf, "prospect", status="new")
    _sub(prospect, "id", lead.id, sequence="1", source=LEADRELAY_SOURCE)
    _sub(prospect, "requestdate", iso(lead.created_at))
    for item in lead.line_items:
        vehicle = _sub(
            prospect,
            "vehicle",
            interest=_OUR_INTEREST.get(item.interest_type, "buy"),
            status=lead.interest_category if lead.interest_category in {"new", "used"} else "new",
        )
        _sub(vehicle, "id", item.product_group, source=PRODUCT_GROUP_ID_SOURCE)
        if item.sku:
            _sub(vehicle, "model", item.sku)
            _sub(vehicle, "stock", item.sku)
        if item.quantity != 1 or item.item_type != "vehicle":
            _sub(vehicle, "comments", f"{item.quantity} x {item.item_type}")
    customer = _sub(prospect, "customer")
    contact = _sub(customer, "contact", primarycontact="1")
    _sub(contact, "name", lead.first_name, part="first")
    if not hide_contact:
        _sub(contact, "name", lead.last_name, part="last")
        if lead.email:
            _sub(contact, "email", lead.email)
        if lead.phone:
            _sub(contact, "phone", lead.phone, type="voice")
    if lead.postal_code or lead.country:
        address = _sub(contact, "address")
        if lead.postal_code:
            _sub(address, "postalcode", lead.postal_code)
        if lead.country:
            _sub(address, "country", lead.country)
    if lead.message:
        _sub(customer, "comments", lead.message)
    dealer = lead.holder or lead.owner
    if dealer is not None or lead.preferred_dealer_code:
        vendor = _sub(prospect, "vendor")
        _sub(
            vendor,
            "id",
            dealer.code if dealer else lead.preferred_dealer_code,
            source=LEADRELAY_SOURCE,
        )
        _sub(vendor, "vendorname", dealer.name if dealer else lead.preferred_dealer_code)
        if lead.preferred_contact:
            _sub(_sub(vendor, "contact"), "name", lead.preferred_contact, part="full")
    provider = _sub(prospect, "provider")
    _sub(provider, "name", LEADRELAY_SOURCE, part="full")
    _sub(provider, "service", lead.source)
    body = ElementTree.tostring(adf, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n{body}\n'


def _sub(parent: Element, tag: str, text: str | None = None, **attributes: str) -> Element:
    element = ElementTree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element
