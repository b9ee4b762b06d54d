"""Intake: validate an inquiry, store it and route it, or preview where it would go."""

from typing import TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from app.clock import utcnow
from app.enums import InquiryType, LeadStatus, Stage
from app.geocoding import (
    PostalCodeFormatError,
    approximate_location,
    locate,
    unknown_location_note,
    validate_postal_code,
)
from app.models import Lead, LineItem, User, new_lead_id
from app.schemas import LeadIn, parse, phone_in_e164
from app.services import candidates, review_rules
from app.services.audit import record_request_action
from app.services.duplicates import contact_keys
from app.services.errors import ValidationFailed
from app.services.events import record_event
from app.services.offers import decide_next_dealer, offer_next_dealer
from app.services.unit_of_work import (
    add_new,
    insert_with_transaction,
    turn_in_process,
    unit_of_work,
    write_queued,
)

Model = TypeVar("Model")


def build_lead(data: dict, source: str = "api") -> Lead:
    """Validate an inquiry into an unsaved Lead with its line items and coordinates."""
    payload = parse(LeadIn, data)
    location = _check_lead(payload, source)
    now = utcnow()
    customer = payload.customer
    preferred = payload.preferred_seller
    email = str(customer.email) if customer.email else None
    phone = location["phone"]
    email_key, phone_key = contact_keys(email, phone, payload.country)
    lead = _built(
        Lead,
        email_key=email_key,
        phone_key=phone_key,
        status=LeadStatus.OFFERED,
        stage=Stage.NEW,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=email,
        phone=phone,
        company=customer.company or None,
        inquiry_type=payload.inquiry_type,
        interest_category=payload.interest_category or None,
        postal_code=location["postal_code"],
        country=payload.country,
        lat=location["lat"],
        lon=location["lon"],
        location_note=location["note"],
        delivery=payload.delivery,
        message=payload.message,
        volume_estimate=payload.volume_estimate,
        preferred_dealer_code=preferred.dealer if preferred else None,
        preferred_contact=preferred.contact if preferred else None,
        custom_fields=dict(payload.custom_fields),
        consent=payload.consent,
        source=source,
        created_at=now,
        updated_at=now,
    )
    set_committed_value(lead, "offers", [])  # known empty: routing need not ask the database
    # Added through the relationship's events, which tie each line item to the lead (as
    # an ORM flush needs it: a form's spam is stored that way).
    lead.line_items.extend(
        _built(
            LineItem,
            position=position,
            sku=item.sku or None,
            product_group=item.product_group,
            interest_type=item.interest_type,
            item_type=item.item_type,
            quantity=item.quantity,
        )
        for position, item in enumerate(payload.line_items)
    )
    return lead


def _built(model: type[Model], **values: object) -> Model:
    """A new, unsaved object with these column values, made without its constructor.

    The constructor sets each value through the attribute's instrumentation, which
    keeps a history of changes per attribute; nothing reads that of a new object (it is
    written whole, from its values: unit_of_work.add_new, or an ORM flush). Building a
    dense lead's Lead and line items took about a third of build_lead that way.
    """
    mapper = inspect(model)
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    # What the model's validators make of a value still happens (Lead's sets campaign).
    for key, (validator, _options) in mapper.validators.items():
        if key in values:
            instance.__dict__[key] = validator(instance, key, values[key])
    return instance


def create_lead(
    data: dict,
    source: str = "api",
    actor: User | None = None,
    review_reason: str | None = None,
    audit_status: int | None = None,
) -> Lead:
    """Validate an inquiry, store it and offer it to the best dealer, in one transaction.

    With a `review_reason` (pre-qualification) the lead waits in `review` for a
    coordinator to approve or reject it instead of being routed. With `audit_status`
    (what the request answers once the lead is stored) a coordinator's request is
    audited in the same transaction (services/audit.record_request_action).
    """
    lead = build_lead(data, source)
    return admit_lead(lead, actor=actor, review_reason=review_reason, audit_status=audit_status)


def admit_lead(
    lead: Lead,
    actor: User | None = None,
    review_reason: str | None = None,
    audit_status: int | None = None,
) -> Lead:
    """Store a built lead and route it (or hold it for review), in one transaction.

    Routing only reads, and runs before anything is written: the transaction (on
    SQLite, the database's one write lock) then covers just the lead, its offer, their
    events and notifications, written together when the offer is made: one Core INSERT
    each for the lead, the offer and the audit row (unit_of_work.add_new), then one
    executemany per table for the rows nothing reads back
    (unit_of_work.insert_with_transaction). Inside it the
    decision is confirmed (the network unchanged, the dealer still within its capacity
    with this offer); if another process got in between, it is undone and the lead
    routed again inside the lock.
    """
    rule = None if review_reason else review_rules.first_matching_rule(lead)
    audited = audit_status if actor is not None and actor.is_coordinator else None
    if review_reason or rule is not None:
        return _store_lead(lead, actor, review_reason, rule, audited)
    with turn_in_process():  # ranking and writing, no other thread's ranking between
        return _route_and_store(lead, actor, audited)


def _route_and_store(lead: Lead, actor: User | None, audited: int | None) -> Lead:
    prepared = candidates.prepare(lead, lead.created_at)
    try:
        with unit_of_work(keep_loaded=True):  # the answer is made from these rows
            # Everything is queued and written together by create_offer (the first write
            # takes SQLite's lock, so the reads before it are outside the lock).
            if audited:
                record_request_action(audited)
            _add_new_lead(lead)
            record_event(lead, "received", actor=actor, source=lead.source, consent=lead.consent)
            offer = offer_next_dealer(
                lead, lead.created_at, actor=actor, decision=prepared.decision
            )
            write_queued()  # (nothing left unless no offer was made)
            if not candidates.confirm(prepared, offer, lead.created_at):
                raise candidates.DecisionStale  # unit_of_work rolls back
    except candidates.DecisionStale:
        return _store_lead(_unsaved_copy(lead), actor, audited=audited)
    return lead


def _store_lead(
    lead: Lead,
    actor: User | None,
    review_reason: str | None = None,
    rule=None,
    audited: int | None = None,
) -> Lead:
    """Insert the lead, then hold it for review or route it inside the transaction."""
    source = lead.source
    with unit_of_work():
        if audited:
            record_request_action(audited)
        _add_new_lead(lead)
        write_queued()
        record_event(lead, "received", actor=actor, source=source, consent=lead.consent)
        if review_reason or rule is not None:
            review_reason = review_reason or review_rules.held_reason(rule)
            lead.status = LeadStatus.REVIEW
            record_event(
                lead,
                review_rules.HELD_EVENT,
                actor=actor,
                reason=review_reason,
                rule_id=rule.id if rule else None,
            )
        else:
            offer_next_dealer(lead, lead.created_at, actor=actor)
    return lead


# What a new line item's row is written from (its id is the database's; lead_id the lead's).
_LINE_ITEM_VALUES = {
    column.key for column in inspect(LineItem).column_attrs if column.key not in ("id", "lead_id")
}


def _add_new_lead(lead: Lead) -> None:
    """Queue a built lead's row, then its line items' rows (one executemany).

    The lead is written with one Core INSERT and kept in the session as loaded
    (unit_of_work.add_new). As ORM objects each line item would be its own INSERT ...
    RETURNING id (SQLite cannot batch those) for an id nothing reads; so they stay out
    of the session, in the lead's collection as already loaded.
    """
    lead.id = lead.id or new_lead_id()  # the line items name it
    add_new(lead)
    for item in lead.line_items:
        insert_with_transaction(
            LineItem.__table__,
            # The values given, as the ORM would write them (a column left out gets its default).
            {key: value for key, value in vars(item).items() if key in _LINE_ITEM_VALUES}
            | {"lead_id": lead.id},
        )


def _unsaved_copy(lead: Lead) -> Lead:
    """The lead as built, before routing touched it (a rolled-back one keeps its values)."""
    values = {column.key: getattr(lead, column.key) for column in inspect(Lead).column_attrs}
    values.update(status=LeadStatus.OFFERED, holder_dealer_id=None, owner_dealer_id=None)
    items = [
        LineItem(**{key: getattr(item, key) for key in _LINE_ITEM_VALUES})
        for item in lead.line_items
    ]
    return Lead(**values, offers=[], line_items=items)


def preview_routing(data: dict) -> dict:
    """Where a lead with this body would go, and why; nothing is stored."""
    lead = build_lead(data, "preview")
    decision = decide_next_dealer(lead, utcnow(), complete=True)
    return {**decision.to_dict(), "explanation": decision.explanation()}


def preview_routing_for(
    *,
    postal_code: str,
    country: str,
    product_group: str,
    sku: str | None,
    interest_category: str | None,
    inquiry_type: str,
    delivery: str,
) -> dict:
    """Where a typical lead with these traits would go right now (the route editor's
    preview): an invented customer, with what a b2b inquiry needs; nothing is stored."""
    body = {
        "customer": {"first_name": "Preview", "last_name": "Customer", "email": "p@example.com"},
        "inquiry_type": inquiry_type,
        "interest_category": interest_category,
        "postal_code": postal_code,
        "country": (country or "").upper(),
        "delivery": delivery,
        "line_items": [{"product_group": product_group, "sku": sku}],
    }
    if inquiry_type == InquiryType.B2B:
        body["customer"]["company"] = "Preview GmbH"
        body["volume_estimate"] = 1
    return preview_routing(body)


def _check_lead(payload: LeadIn, source: str = "api") -> dict:
    """Cross-field rules, the phone as E.164, and the lead's coordinates.

    Explicit lat/lon win over the postal code. A form lead needs the customer's consent.
    """
    errors: dict[str, str] = {}
    customer = payload.customer
    phone = customer.phone or None
    if not customer.email and not phone:
        errors["customer.email"] = "give an email address or a phone number"
    if phone:
        try:
            phone = phone_in_e164(phone, payload.country)
        except ValueError as error:
            errors["customer.phone"] = str(error)
    if source == "form" and not payload.consent:
        errors["consent"] = "the customer must agree to be contacted"
    if payload.inquiry_type == InquiryType.B2B:
        if not customer.company:
            errors["customer.company"] = "a b2b inquiry needs the company"
        if payload.volume_estimate is None:
            errors["volume_estimate"] = "a b2b inquiry needs a positive volume estimate"
    if (payload.lat is None) != (payload.lon is None):
        errors["lat" if payload.lat is None else "lon"] = "give both lat and lon, or neither"
    postal_code = payload.postal_code or None
    if postal_code and not payload.country:
        errors["country"] = "a postal code needs its country (ISO code such as DE)"
    elif postal_code:
        try:
            postal_code = validate_postal_code(postal_code, payload.country)
        except PostalCodeFormatError as error:
            errors["postal_code"] = str(error)
    if not postal_code and payload.lat is None and "lat" not in errors and "lon" not in errors:
        errors["postal_code"] = "give a postal code and country, or lat and lon"
    if errors:
        raise ValidationFailed("invalid lead", errors)

    lat, lon, note = payload.lat, payload.lon, None
    if lat is None:
        lat, lon, note = _place_postal_code(postal_code, payload.country)
    return {"postal_code": postal_code, "lat": lat, "lon": lon, "note": note, "phone": phone}


def _place_postal_code(
    postal_code: str, country: str
) -> tuple[float | None, float | None, str | None]:
    """(lat, lon, note) of a valid postal code; the note says when it was a guess or unknown.

    A well-formed code missing from the data is placed at the centre of the known codes
    sharing its prefix; failing that it stays unlocated, and routing keeps to the lead's
    country (it never sends the lead across a border).
    """
    found = locate(postal_code, country)
    if found is not None:
        return found.lat, found.lon, None
    unknown = unknown_location_note(postal_code, country)
    near = approximate_location(postal_code, country)
    if near is not None:
        prefix = (near.place or "").removeprefix("area of postal codes ").rstrip("…")
        return (
            near.lat,
            near.lon,
            f"{unknown[0].upper()}{unknown[1:]}; placed at the centre of the known codes "
            f"starting {prefix}",
        )
    return None, None, f"{unknown[0].upper()}{unknown[1:]}"
