"""Embedded inquiry forms: their settings, public keys and allowed host sites.

A form is what a brand site embeds (`/embed.js` or an iframe of `/f/KEY`). Its public key
is no secret: it names the form, and the form's allowed origins decide which sites may
frame it or call the JSON API from a browser. Submissions go through `receive_submission`:
spam filter, duplicate check, then the ordinary lead intake.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy import select

from app.extensions import db
from app.geocoding import PostalCodeFormatError, approximate_location, locate, validate_postal_code
from app.models import Dealer, FormKey, Lead
from app.routing.geo import bounding_box, distance_km
from app.schemas import FormIn, FormPatchIn, parse
from app.services import confirmation, duplicates, intake, spam
from app.services.errors import NotFound, ValidationFailed
from app.services.events import record_event
from app.services.versioned_cache import VersionedCache, column_attributes, instance_in_session

KEY_PREFIX = "pk_"


def new_public_key() -> str:
    """A fresh public form key (pk_ + 24 URL-safe characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(18)


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case, or None when it is not a web origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _checked_settings(values: dict) -> dict:
    """Origins normalised and rate limits understood, or ValidationFailed naming the field."""
    errors: dict[str, str] = {}
    if values.get("allowed_origins") is not None:
        origins = []
        for index, raw in enumerate(values["allowed_origins"]):
            origin = normalise_origin(raw)
            if origin is None:
                errors[f"allowed_origins.{index}"] = (
                    "must be an origin such as https://brand.example (no path)"
                )
            elif origin not in origins:
                origins.append(origin)
        values["allowed_origins"] = origins
    for field in ("rate_limit", "form_rate_limit"):
        if values.get(field) is not None:
            try:
                parse_many(values[field])
            except ValueError:
                errors[field] = "must be a limit such as 30/minute;300/hour"
    if values.get("product_groups") is not None:
        values["product_groups"] = list(dict.fromkeys(values["product_groups"]))
    if errors:
        raise ValidationFailed("invalid form", errors)
    return values


def create_form(data: dict) -> FormKey:
    """A new form with a fresh public key."""
    values = _checked_settings(parse(FormIn, data).model_dump())
    form = FormKey(public_key=new_public_key(), **values)
    db.session.add(form)
    db.session.commit()
    return form


def update_form(form_id: int, data: dict) -> FormKey:
    """Change the settings that are sent; the rest stays."""
    form = get_form(form_id)
    payload = parse(FormPatchIn, data)
    values = _checked_settings(payload.model_dump(exclude_unset=True))
    for field, value in values.items():
        if value is None and field not in ("default_interest_category",):
            raise ValidationFailed("invalid form", {field: "may not be null"})
        setattr(form, field, value)
    db.session.commit()
    return form


def rotate_key(form_id: int) -> FormKey:
    """Give the form a new public key; the old one stops working at once."""
    form = get_form(form_id)
    form.public_key = new_public_key()
    db.session.commit()
    return form


def get_form(form_id: object) -> FormKey:
    """The form with this id, or NotFound."""
    form = db.session.get(FormKey, form_id) if isinstance(form_id, int) else None
    if form is None:
        raise NotFound("no such form", {"id": "no such form"})
    return form


def list_forms() -> list[FormKey]:
    """Every form, newest first."""
    return list(db.session.scalars(select(FormKey).order_by(FormKey.id.desc())))


def active_form(public_key: str | None) -> FormKey | None:
    """The active form with this public key, if any (made from the process's copy)."""
    if not public_key or len(public_key) > 64:
        return None
    values = ACTIVE_FORMS.get().get(public_key)
    return None if values is None else instance_in_session(FormKey, values)


def _read_active_forms() -> dict[str, dict[str, object]]:
    """Every active form's values, by public key."""
    columns = column_attributes(FormKey)
    rows = db.session.execute(select(*columns.values()).where(FormKey.active.is_(True)))
    return {row.public_key: dict(zip(columns, row, strict=True)) for row in rows}


# Every form page and form submission asks; forms change when a coordinator edits one.
ACTIVE_FORMS = VersionedCache("forms", _read_active_forms, {"form_keys": None})


def origin_allowed(form: FormKey, origin: str | None) -> bool:
    """True when a browser page of this origin may frame the form or call the API with it."""
    normalised = normalise_origin(origin) if origin else None
    return normalised is not None and normalised in (form.allowed_origins or [])


def origin_allowed_by_any_form(origin: str | None) -> bool:
    """CORS preflights carry no form key: they pass for an origin some active form allows."""
    normalised = normalise_origin(origin) if origin else None
    if normalised is None:
        return False
    return any(
        normalised in (form["allowed_origins"] or []) for form in ACTIVE_FORMS.get().values()
    )


def submission_errors(data: dict) -> dict[str, str]:
    """Every problem the intake would find in this body, by field; nothing is stored."""
    try:
        intake.build_lead(data, source="form")
    except ValidationFailed as error:
        return dict(error.errors)
    return {}


@dataclass
class Submission:
    """What became of a submission: the lead that holds it, and how it got there."""

    lead: Lead
    outcome: str  # "received" | "merged" | "spam"

    @property
    def merged_into(self) -> str | None:
        return self.lead.id if self.outcome == "merged" else None


def receive_submission(
    form: FormKey,
    data: dict,
    signals: spam.Signals | None = None,
    consent_text: str | None = None,
    language: str | None = None,
) -> Submission:
    """A customer's inquiry through a form: spam is kept aside, a duplicate joins the open
    lead, anything else is stored and routed like every lead."""
    if form.default_interest_category and not data.get("interest_category"):
        data = {**data, "interest_category": form.default_interest_category}
    lead = intake.build_lead(data, source="form")
    lead.form_id = form.id
    lead.consent_version = form.consent_version if lead.consent else None
    lead.consent_text = consent_text if lead.consent else None
    verdict = spam.assess(lead, signals or spam.Signals())
    lead.spam_score, lead.spam_reasons = verdict.score, list(verdict.reasons)
    if verdict.is_spam:
        return Submission(_store_spam(lead, verdict), "spam")
    existing = duplicates.find_open_duplicate(lead)
    if existing is not None:
        return Submission(duplicates.merge_into(existing, lead), "merged")
    admitted = intake.admit_lead(lead)
    confirmation.send_confirmation(admitted, language or form.default_language)
    return Submission(admitted, "received")


def _store_spam(lead: Lead, verdict: "spam.Verdict") -> Lead:
    """Keep spam with its score and reasons, rejected and never routed."""
    lead.status = "rejected"
    db.session.add(lead)
    db.session.flush()
    record_event(lead, "received", source=lead.source, consent=lead.consent)
    record_event(lead, "spam", score=verdict.score, reasons=list(verdict.reasons))
    db.session.commit()
    return lead


NEARBY_KM = 150
NEARBY_LIMIT = 12


def nearby_dealers(
    postal_code: str | None,
    country: str | None,
    lat: float | None = None,
    lon: float | None = None,
    name_contains: str | None = None,
) -> list[dict]:
    """Dealers a customer may name as preferred: names and towns only, nearest first."""
    if lat is None or lon is None:
        found = _locate_quietly(postal_code, country)
        if found is None:
            return []
        lat, lon = found.lat, found.lon
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, NEARBY_KM)
    query = select(
        Dealer.code, Dealer.name, Dealer.postal_code, Dealer.country, Dealer.lat, Dealer.lon
    ).where(
        Dealer.active.is_(True),
        Dealer.lat.between(min_lat, max_lat),
        Dealer.lon.between(min_lon, max_lon),
    )
    needle = (name_contains or "").strip().lower()[:60]
    rows = [
        (distance_km(lat, lon, row.lat, row.lon), row)
        for row in db.session.execute(query)
        if not needle or needle in row.name.lower()
    ]
    rows = sorted((pair for pair in rows if pair[0] <= NEARBY_KM), key=lambda pair: pair[0])
    return [
        {"code": row.code, "name": row.name, "town": _town(row.postal_code, row.country)}
        for _, row in rows[:NEARBY_LIMIT]
    ]


def _locate_quietly(postal_code: str | None, country: str | None):
    if not postal_code or not country:
        return None
    try:
        canonical = validate_postal_code(postal_code, country)
    except PostalCodeFormatError:
        return None
    return locate(canonical, country) or approximate_location(canonical, country)


def _town(postal_code: str | None, country: str | None) -> str:
    """'1010 Wien, Innere Stadt' where the postal data names the place, else the code."""
    if not postal_code:
        return country or ""
    found = locate(postal_code, country or "DE")
    place = found.place if found is not None and found.place else None
    return f"{postal_code} {place}" if place else f"{postal_code} ({country})"
