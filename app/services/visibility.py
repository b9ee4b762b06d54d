"""Who may see and act on what: the one home of the access rules.

Every page and API endpoint asks here. A dealer user acts for its own dealership and,
at a distributor, for its sub-dealers (`acting_dealer_ids`). It sees a lead while one
of those dealers has a pending offer on it or owns it (`visible_to`); anything else is
a 404, exactly as if the lead did not exist. Inside a dealership a salesperson sees
the owned leads assigned to them and the unassigned ones, not a colleague's. A
coordinator limited to regions (countries, or country and postal-code prefix) sees the
leads there and hands them only to the dealers there; an unrestricted coordinator sees
everything.

Views declare which of these relations they need (app/auth.py, app/services/relations.py).
"""

from sqlalchemy import Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from app.enums import LeadStatus, OfferStatus, Role, Tier
from app.extensions import db
from app.models import Dealer, Lead, Offer, Question, User, could_be_lead_id
from app.services.errors import Conflict, NotFound


def acting_dealer_ids(user: User) -> set[int]:
    """Dealers a user may act for: its own, and a distributor's sub-dealers."""
    if user.dealer is None:
        return set()
    ids = {user.dealer.id}
    if user.dealer.tier == Tier.DISTRIBUTOR:
        ids.update(child.id for child in user.dealer.children)
    return ids


def _region_parts(region: str) -> tuple[str, str]:
    """A region's country and postal-code prefix: "DE-80" is ("DE", "80"), "AT" ("AT", "")."""
    country, _, prefix = region.partition("-")
    return country, prefix


def _located_in(country_column, postal_column, regions: list[str]):
    """SQL condition: a place (a lead's or a dealer's) lies in one of the regions ("AT", or
    "DE-80": country and postal-code prefix)."""
    conditions = []
    for country, prefix in map(_region_parts, regions):
        condition = country_column == country
        if prefix:
            condition = and_(condition, postal_column.startswith(prefix, autoescape=True))
        conditions.append(condition)
    return or_(*conditions) if conditions else false()


def _place_in_regions(country: str | None, postal_code: str | None, regions: list[str]) -> bool:
    """`_located_in`, asked of one place in memory."""
    return any(
        country == wanted and (postal_code or "").startswith(prefix)
        for wanted, prefix in map(_region_parts, regions)
    )


def in_regions(regions: list[str]):
    """SQL condition: the lead lies in one of the regions."""
    return _located_in(Lead.country, Lead.postal_code, regions)


def dealers_within_reach(user: User):
    """SQL condition: the dealers a coordinator may hand leads to (a regional one: the
    dealers in its regions; an unrestricted one: all)."""
    if user.regions:
        return _located_in(Dealer.country, Dealer.postal_code, user.regions)
    return true()


def dealer_within_reach(user: User, dealer: Dealer) -> bool:
    """`dealers_within_reach`, asked of one dealer in memory."""
    return not user.regions or _place_in_regions(dealer.country, dealer.postal_code, user.regions)


def visible_to(user: User):
    """SQL condition: the leads this user may see (a dealer: pending offer or owned;
    a regional coordinator: its regions; a coordinator: all)."""
    if user.is_coordinator:
        return in_regions(user.regions) if user.regions else true()
    return held_by(user, acting_dealer_ids(user))


def held_by(user: User, dealer_ids: set[int]):
    """SQL condition: a pending offer to one of these dealers, or owned by one (for a
    salesperson: owned and theirs or unassigned)."""
    if not dealer_ids:
        return false()
    pending_here = exists().where(
        Offer.lead_id == Lead.id,
        Offer.dealer_id.in_(dealer_ids),
        Offer.status == OfferStatus.PENDING,
    )
    owned = Lead.owner_dealer_id.in_(dealer_ids)
    if user.role == Role.SALESPERSON:
        # Inside a dealership: their own leads and the unassigned ones, not a colleague's.
        owned = and_(owned, or_(Lead.assignee_user_id.is_(None), Lead.assignee_user_id == user.id))
    return or_(owned, pending_here)


def lead_with_details() -> Select:
    """A query for leads with what pages and the API show of them loaded up front."""
    return select(Lead).options(
        selectinload(Lead.line_items),
        selectinload(Lead.offers).selectinload(Offer.dealer),
        selectinload(Lead.holder),
        selectinload(Lead.assignee),
    )


def may_see(user: User, lead: Lead) -> bool:
    """`visible_to`, asked of one lead in memory (no query: a lead being created may not
    be flushed yet). tests/access/test_matrix.py checks the two agree for every user."""
    if user.is_coordinator:
        return not user.regions or _place_in_regions(lead.country, lead.postal_code, user.regions)
    dealer_ids = acting_dealer_ids(user)
    pending_here = any(
        offer.status == OfferStatus.PENDING and offer.dealer_id in dealer_ids
        for offer in lead.offers
    )
    owned = lead.owner_dealer_id in dealer_ids
    if user.role == Role.SALESPERSON:
        owned = owned and lead.assignee_user_id in (None, user.id)
    return owned or pending_here


def visible_leads(user: User) -> Select:
    """The leads this user may see, details loaded; callers add order and filters."""
    return lead_with_details().where(visible_to(user))


def _lead_by_id(lead_id: str) -> Lead | None:
    """The lead by its id (from the session when loaded), or None."""
    return db.session.get(Lead, lead_id) if could_be_lead_id(lead_id) else None


def _not_found() -> NotFound:
    return NotFound("no such lead", {"id": "no such lead"})


def get_visible_lead(lead_id: str, user: User) -> Lead:
    """The lead if this user may see it; otherwise NotFound, as if it did not exist."""
    if not could_be_lead_id(lead_id):
        raise _not_found()
    lead = db.session.scalar(visible_leads(user).where(Lead.id == lead_id))
    if lead is None:
        raise _not_found()
    return lead


def lead_to_answer(lead_id: str, user: User) -> Lead:
    """The lead if this user may see it, with what answering an offer reads (its line
    items, offers and their dealers) loaded in one statement; NotFound otherwise.

    Read by primary key and checked in memory (`may_see`, which tests hold equal to
    `visible_to`): cheaper than building the visibility query and its five loads.
    """
    if not could_be_lead_id(lead_id):
        raise _not_found()
    lead = (
        db.session.execute(
            select(Lead)
            .where(Lead.id == lead_id)
            .options(joinedload(Lead.line_items), joinedload(Lead.offers).joinedload(Offer.dealer))
        )
        .unique()
        .scalar_one_or_none()
    )
    if lead is None or not may_see(user, lead):
        raise _not_found()
    return lead


def pending_offer_for(lead: Lead, user: User) -> Offer | None:
    """The pending offer on this lead the user could answer, if any."""
    mine = acting_dealer_ids(user)
    return next(
        (
            offer
            for offer in lead.offers
            if offer.status == OfferStatus.PENDING and offer.dealer_id in mine
        ),
        None,
    )


def offers_shown_to(lead: Lead, viewer: User | None) -> list[Offer]:
    """The lead's offers a viewer may read: a dealer only its own, a coordinator all."""
    if viewer is None or viewer.is_coordinator:
        return list(lead.offers)
    mine = acting_dealer_ids(viewer)
    return [offer for offer in lead.offers if offer.dealer_id in mine]


def explanation_shown_to(offer: Offer, viewer: User | None) -> str:
    """The routing explanation of an offer: dealers get only the line about themselves."""
    explanation = offer.explanation or ""
    if viewer is not None and not viewer.is_coordinator:
        return explanation.split("\n", 1)[0]
    return explanation


def offer_to_answer(lead_id: str, user: User) -> Offer:
    """The user's pending offer on the lead: 404 if never offered to it, 409 if ended.

    Read through the lead's offers: the request's access check has usually loaded the
    lead with them (app/auth.py keeps it), and the caller goes on to use both.
    """
    dealer_ids = acting_dealer_ids(user)
    lead = _lead_by_id(lead_id)
    offers = sorted(
        (offer for offer in lead.offers if offer.dealer_id in dealer_ids) if lead else (),
        key=lambda offer: offer.id,
        reverse=True,
    )
    if not offers:
        raise _not_found()
    for offer in offers:
        if offer.status == OfferStatus.PENDING:
            return offer
    raise Conflict("this offer is no longer open", {"status": f"the offer is {offers[0].status}"})


def owned_lead_for(lead_id: str, user: User) -> Lead:
    """The lead if the user's dealer owns it; 409 while only offered, else 404."""
    dealer_ids = acting_dealer_ids(user)
    lead = _lead_by_id(lead_id)
    if lead is None or not dealer_ids:
        raise _not_found()
    if lead.owner_dealer_id in dealer_ids and lead.status == LeadStatus.ACCEPTED:
        return lead
    pending_here = db.session.scalar(
        select(Offer.id).where(
            Offer.lead_id == lead.id,
            Offer.dealer_id.in_(dealer_ids),
            Offer.status == OfferStatus.PENDING,
        )
    )
    if pending_here is not None:
        raise Conflict(
            "accept the lead first", {"status": "the offer is still pending: accept it first"}
        )
    raise _not_found()


def questions_visible_to(user: User):
    """SQL condition: the questions a user may read (a dealer: its own dealerships')."""
    if user.is_coordinator:
        return true()
    return Question.dealer_id.in_(acting_dealer_ids(user))
