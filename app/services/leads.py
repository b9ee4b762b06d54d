"""Leads: take one in, route it, show it to whom may see it, list and page them."""

import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from app.clock import iso, utcnow
from app.extensions import db
from app.geocoding import (
    PostalCodeFormatError,
    approximate_location,
    locate,
    unknown_location_note,
    validate_postal_code,
)
from app.inputs import parse_utc_datetime, strict_loads
from app.models import STAGES, Dealer, Lead, LeadEvent, LineItem, Offer, User
from app.schemas import LeadIn, parse, phone_in_e164
from app.services import review_rules
from app.services.duplicates import contact_keys
from app.services.errors import NotFound, ValidationFailed
from app.services.events import record_event
from app.services.offers import (
    acting_dealer_ids,
    commit_transition,
    decide_next_dealer,
    offer_next_dealer,
)
from app.services.privacy import customer_for

MAX_PAGE = 200
MAX_CURSOR_LENGTH = 200
DEFAULT_PAGE = 50


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
    return Lead(
        email_key=email_key,
        phone_key=phone_key,
        status="offered",
        stage="new",
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
        offers=[],  # known empty: routing need not ask the database
        line_items=[
            LineItem(
                position=position,
                sku=item.sku or None,
                product_group=item.product_group,
                interest_type=item.interest_type,
                item_type=item.item_type,
                quantity=item.quantity,
            )
            for position, item in enumerate(payload.line_items)
        ],
    )


def create_lead(
    data: dict,
    source: str = "api",
    actor: User | None = None,
    review_reason: str | None = None,
) -> Lead:
    """Validate an inquiry, store it and offer it to the best dealer, in one transaction.

    With a `review_reason` (pre-qualification) the lead waits in `review` for a
    coordinator to approve or reject it instead of being routed.
    """
    return admit_lead(build_lead(data, source), actor=actor, review_reason=review_reason)


def admit_lead(lead: Lead, actor: User | None = None, review_reason: str | None = None) -> Lead:
    """Store a built lead and route it (or hold it for review), in one transaction."""
    source = lead.source
    db.session.add(lead)
    db.session.flush()
    record_event(lead, "received", actor=actor, source=source, consent=lead.consent)
    rule = None if review_reason else review_rules.first_matching_rule(lead)
    if rule is not None:
        review_reason = review_rules.held_reason(rule)
    if review_reason:
        lead.status = "review"
        record_event(
            lead,
            review_rules.HELD_EVENT,
            actor=actor,
            reason=review_reason,
            rule_id=rule.id if rule else None,
        )
    else:
        offer_next_dealer(lead, lead.created_at, actor=actor)
    # What was just written is what the caller shows: keep it instead of reloading it.
    session = db.session()
    session.expire_on_commit = False
    try:
        commit_transition()
    finally:
        session.expire_on_commit = True
    return lead


def preview_routing(data: dict) -> dict:
    """Where a lead with this body would go, and why; nothing is stored."""
    lead = build_lead(data, "preview")
    decision = decide_next_dealer(lead, utcnow())
    return {**decision.to_dict(), "explanation": decision.explanation()}


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
    if payload.inquiry_type == "b2b":
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


def lead_place(lead: Lead) -> str | None:
    """The town of the lead's postal code where our postal-code data names it."""
    if not lead.postal_code or not lead.country:
        return None
    try:
        found = locate(lead.postal_code, lead.country)
    except PostalCodeFormatError:
        return None
    return found.place if found is not None else None


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


def _lead_query():
    return select(Lead).options(
        selectinload(Lead.line_items),
        selectinload(Lead.offers).selectinload(Offer.dealer),
        selectinload(Lead.holder),
        selectinload(Lead.assignee),
    )


def in_regions(regions: list[str]):
    """SQL condition: the lead lies in one of the regions ("AT", or "DE-80": country and
    postal-code prefix)."""
    conditions = []
    for region in regions:
        country, _, prefix = region.partition("-")
        condition = Lead.country == country
        if prefix:
            condition = and_(condition, Lead.postal_code.startswith(prefix, autoescape=True))
        conditions.append(condition)
    return or_(*conditions) if conditions else false()


def visible_to(user: User):
    """SQL condition: the leads this user may see (a dealer: pending offer or owned;
    a regional coordinator: its regions; a coordinator: all)."""
    if user.is_coordinator:
        return in_regions(user.regions) if user.regions else true()
    return _held_by(user, acting_dealer_ids(user))


def _held_by(user: User, dealer_ids: set[int]):
    """SQL condition: a pending offer to one of these dealers, or owned by one (for a
    salesperson: owned and theirs or unassigned)."""
    if not dealer_ids:
        return false()
    pending_here = exists().where(
        Offer.lead_id == Lead.id, Offer.dealer_id.in_(dealer_ids), Offer.status == "pending"
    )
    owned = Lead.owner_dealer_id.in_(dealer_ids)
    if user.role == "salesperson":
        # Inside a dealership: their own leads and the unassigned ones, not a colleague's.
        owned = and_(owned, or_(Lead.assignee_user_id.is_(None), Lead.assignee_user_id == user.id))
    return or_(owned, pending_here)


def get_visible_lead(lead_id: str, user: User) -> Lead:
    """The lead if this user may see it; otherwise NotFound, as if it did not exist."""
    if not isinstance(lead_id, str) or len(lead_id) > 32:
        raise NotFound("no such lead", {"id": "no such lead"})
    lead = db.session.scalar(_lead_query().where(Lead.id == lead_id, visible_to(user)))
    if lead is None:
        raise NotFound("no such lead", {"id": "no such lead"})
    return lead


def lead_to_dict(lead: Lead, viewer: User | None = None) -> dict:
    """The API's view of a lead; a dealer sees only its own offers, and the customer's
    contact details only once its dealer owns the lead (app/services/privacy.py)."""
    offers = lead.offers
    if viewer is not None and not viewer.is_coordinator:
        mine = acting_dealer_ids(viewer)
        offers = [offer for offer in offers if offer.dealer_id in mine]
    return {
        "id": lead.id,
        "status": lead.status,
        "stage": lead.stage,
        "dealer": lead.holder.code if lead.holder else None,
        "offers": [offer_to_dict(offer, viewer) for offer in offers],
        "customer": customer_for(lead, viewer).to_dict(),
        "inquiry_type": lead.inquiry_type,
        "interest_category": lead.interest_category,
        "postal_code": lead.postal_code,
        "country": lead.country,
        "lat": lead.lat,
        "lon": lead.lon,
        "location_note": lead.location_note,
        "delivery": lead.delivery,
        "message": lead.message,
        "volume_estimate": lead.volume_estimate,
        "line_items": [
            {
                "sku": item.sku,
                "product_group": item.product_group,
                "interest_type": item.interest_type,
                "item_type": item.item_type,
                "quantity": item.quantity,
            }
            for item in lead.line_items
        ],
        "preferred_seller": {
            "dealer": lead.preferred_dealer_code,
            "contact": lead.preferred_contact,
        }
        if lead.preferred_dealer_code or lead.preferred_contact
        else None,
        "custom_fields": dict(lead.custom_fields or {}),
        "consent": lead.consent,
        "source": lead.source,
        "order_value": float(lead.order_value) if lead.order_value is not None else None,
        "assignee": lead.assignee.email if lead.assignee_user_id and lead.assignee else None,
        "created_at": iso(lead.created_at),
        "updated_at": iso(lead.updated_at),
    }


def offer_to_dict(offer: Offer, viewer: User | None = None) -> dict:
    """The API's view of an offer; dealers get only the line about themselves."""
    explanation = offer.explanation or ""
    if viewer is not None and not viewer.is_coordinator:
        explanation = explanation.split("\n", 1)[0]
    return {
        "dealer": offer.dealer.code,
        "status": offer.status,
        "kind": offer.kind,
        "offered_at": iso(offer.offered_at),
        "expires_at": iso(offer.expires_at),
        "responded_at": iso(offer.responded_at),
        "reason": offer.reason,
        "note": offer.note,
        "explanation": explanation,
    }


def list_leads(
    viewer: User,
    *,
    status: str | None = None,
    dealer_code: str | None = None,
    updated_since: datetime | None = None,
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
) -> tuple[list[Lead], str | None]:
    """A page of the leads this user may see, and the cursor of the next page (keyset)."""
    query = _lead_query().where(visible_to(viewer))
    if status:
        query = query.where(Lead.status == status)
    if dealer_code:
        query = query.where(
            Lead.holder_dealer_id.in_(select(Dealer.id).where(Dealer.code == dealer_code))
        )
    if updated_since is not None:
        query = query.where(Lead.updated_at >= updated_since)
    # Changes feed order: oldest change first, so a client can resume from a cursor.
    if cursor:
        after_time, after_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Lead.updated_at > after_time,
                and_(Lead.updated_at == after_time, Lead.id > after_id),
            )
        )
    rows = list(db.session.scalars(query.order_by(Lead.updated_at, Lead.id).limit(limit + 1)))
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1]) if more and page else None
    return page, next_cursor


def encode_cursor(lead: Lead) -> str:
    """An opaque cursor pointing just after this lead."""
    raw = json.dumps([iso(lead.updated_at), lead.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Read a cursor back; a malformed one is a 400-class error naming `cursor`."""
    invalid = ValidationFailed("bad cursor", {"cursor": "is not a cursor this API gave"})
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = strict_loads(base64.urlsafe_b64decode(padded.encode()))
        when, lead_id = decoded
        if not isinstance(when, str) or not isinstance(lead_id, str) or len(lead_id) > 32:
            raise invalid
        return parse_utc_datetime(when, "cursor"), lead_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, ValidationFailed):
        raise invalid from None


INBOX_SCOPES = ("own", "sub_dealers")


def inbox_leads(user: User, scope: str | None = None) -> list[Lead]:
    """Leads with a pending offer to the user's dealer(s), or owned by them; newest first.

    A distributor's users narrow it with `scope`: "own" (the distributor's own leads) or
    "sub_dealers" (those its sub-dealers hold or own).
    """
    dealer_ids = acting_dealer_ids(user)
    if scope == "own":
        dealer_ids &= {user.dealer_id}
    elif scope == "sub_dealers":
        dealer_ids -= {user.dealer_id}
    condition = _held_by(user, dealer_ids) if not user.is_coordinator else visible_to(user)
    return list(
        db.session.scalars(
            _lead_query().where(condition).order_by(Lead.updated_at.desc()).limit(500)
        )
    )


def dealer_inbox(
    user: User, scope: str | None = None
) -> tuple[list[tuple[Lead, Offer]], list[Lead]]:
    """The dealer's inbox: (pending offers, soonest deadline first; owned leads by stage,
    then latest change first)."""
    pairs = [(lead, pending_offer_for(lead, user)) for lead in inbox_leads(user, scope)]
    waiting = sorted(
        [(lead, offer) for lead, offer in pairs if offer is not None],
        key=lambda pair: pair[1].expires_at,
    )
    order = {stage: index for index, stage in enumerate(STAGES)}
    owned = sorted(
        [lead for lead, offer in pairs if offer is None],
        key=lambda lead: (order.get(lead.stage, len(order)), -lead.updated_at.timestamp()),
    )
    return waiting, owned


def pending_offer_for(lead: Lead, user: User) -> Offer | None:
    """The pending offer on this lead the user could answer, if any."""
    mine = acting_dealer_ids(user)
    return next(
        (offer for offer in lead.offers if offer.status == "pending" and offer.dealer_id in mine),
        None,
    )


BOARD_COLUMNS = ("review", "offered", "unassigned", "accepted", "rejected")


def lead_board(viewer: User, per_column: int = 50) -> dict[str, tuple[int, list[Lead]]]:
    """For each lead status: how many, and the most recently changed ones (of those the
    viewer may see: a regional coordinator its regions)."""
    counts = dict(
        db.session.execute(
            select(Lead.status, func.count()).where(visible_to(viewer)).group_by(Lead.status)
        ).all()
    )
    return {
        status: (
            counts.get(status, 0),
            list(
                db.session.scalars(
                    _lead_query()
                    .where(Lead.status == status, visible_to(viewer))
                    .order_by(Lead.updated_at.desc())
                    .limit(per_column)
                )
            ),
        )
        for status in BOARD_COLUMNS
    }


def lead_events(lead: Lead) -> list[LeadEvent]:
    """The lead's history, oldest first."""
    return list(
        db.session.scalars(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead.id)
            .options(selectinload(LeadEvent.dealer), selectinload(LeadEvent.actor))
            .order_by(LeadEvent.id)
        )
    )
