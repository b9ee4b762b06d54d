"""Offers: route a lead to the next dealer, accept, decline, expire, hand on.

Every transition is a compare-and-set (`UPDATE ... WHERE status = 'pending'`)
checked by row count, inside one short transaction with its events, so two
processes can never both win the same transition. A partial unique index makes
two pending offers for one lead impossible outside a deliberate distribution.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Lead, Offer, User
from app.routing import RoutingDecision, rank_dealers
from app.services import notify
from app.services.candidates import (
    candidate_dealers,
    codes_already_offered,
    dealer_profiles,
    interest_routes,
    lead_request,
)
from app.services.deadlines import offer_deadline
from app.services.errors import Conflict, NotFound
from app.services.events import record_event


def sla_seconds() -> int:
    """How long a dealer has to answer when no rule says otherwise."""
    return int(current_app.config.get("RELAY_OFFER_SLA_SECONDS", 3600))


def decide_next_dealer(lead: Lead, now: datetime) -> RoutingDecision:
    """Ask the routing engine where the lead goes next (nothing is stored)."""
    request = lead_request(lead, codes_already_offered(lead))
    profiles = dealer_profiles(candidate_dealers(request), now)
    return rank_dealers(request, profiles, interest_routes())


def offer_next_dealer(
    lead: Lead, now: datetime | None = None, actor: User | None = None
) -> Offer | None:
    """Offer the lead to the best eligible dealer, or put it in the OEM queue.

    Runs inside the caller's transaction; the caller commits.
    """
    now = now or utcnow()
    decision = decide_next_dealer(lead, now)
    if decision.chosen is None:
        lead.status = "unassigned"
        lead.holder_dealer_id = None
        record_event(lead, "unassigned", actor=actor, explanation=decision.explanation())
        notify.notify_unassigned(lead)
        return None
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == decision.chosen.code))
    return create_offer(
        lead, dealer, now, kind="routed", explanation=decision.explanation(), actor=actor
    )


def create_offer(
    lead: Lead,
    dealer: Dealer,
    now: datetime,
    *,
    kind: str,
    explanation: str,
    actor: User | None = None,
    return_to: Dealer | None = None,
) -> Offer:
    """Store a pending offer with its deadline, tell the dealer, note the event."""
    offer = Offer(
        lead=lead,
        dealer=dealer,
        status="pending",
        kind=kind,
        offered_at=now,
        expires_at=offer_deadline(dealer, now, sla_seconds()),
        explanation=explanation,
        return_to=return_to,
    )
    db.session.add(offer)
    lead.status = "offered"
    lead.holder_dealer_id = dealer.id if kind != "distributed" else None
    record_event(
        lead, "offered", actor=actor, dealer=dealer, offer_kind=kind, explanation=explanation
    )
    notify.notify_new_offer(lead, dealer)
    db.session.flush()
    return offer


def acting_dealer_ids(user: User) -> set[int]:
    """Dealers a user may act for: its own, and a distributor's sub-dealers."""
    if user.dealer is None:
        return set()
    ids = {user.dealer.id}
    if user.dealer.tier == "distributor":
        ids.update(child.id for child in user.dealer.children)
    return ids


def _offer_for_action(lead_id: str, user: User) -> Offer:
    """The user's pending offer on the lead: 404 if never offered to it, 409 if ended."""
    dealer_ids = acting_dealer_ids(user)
    offers = list(
        db.session.scalars(
            select(Offer)
            .where(Offer.lead_id == lead_id, Offer.dealer_id.in_(dealer_ids))
            .order_by(Offer.id.desc())
        )
    )
    if not offers:
        raise NotFound("no such lead", {"id": "no such lead"})
    for offer in offers:
        if offer.status == "pending":
            return offer
    raise Conflict("this offer is no longer open", {"status": f"the offer is {offers[0].status}"})


def _claim(offer: Offer, new_status: str, now: datetime, **values) -> None:
    """Compare-and-set a pending offer to `new_status`; 409 when someone else got there first."""
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status == "pending")
        .values(status=new_status, responded_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict("this offer is no longer open", {"status": "the offer was already answered"})
    db.session.refresh(offer)


def accept_offer(lead_id: str, user: User, now: datetime | None = None) -> Lead:
    """The dealer takes the lead; a distributed opportunity's other offers are withdrawn."""
    now = now or utcnow()
    offer = _offer_for_action(lead_id, user)
    # Claim the lead row first: of two dealers accepting a distributed opportunity
    # at once, exactly one wins, and no two transactions lock offers in opposite order.
    won = db.session.execute(
        update(Lead)
        .where(Lead.id == offer.lead_id, Lead.status == "offered")
        .values(
            status="accepted",
            owner_dealer_id=offer.dealer_id,
            holder_dealer_id=offer.dealer_id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        db.session.rollback()
        raise Conflict("this offer is no longer open", {"status": "the lead was already taken"})
    _claim(offer, "accepted", now, responded_by_id=user.id)
    lead = offer.lead
    db.session.refresh(lead)
    for other in lead.offers:
        if other.id != offer.id and other.status == "pending":
            _claim(other, "withdrawn", now)
            record_event(lead, "withdrawn", dealer=other.dealer)
    record_event(lead, "accepted", actor=user, dealer=offer.dealer)
    db.session.commit()
    return lead


def decline_offer(
    lead_id: str, user: User, reason: str, note: str | None = None, now: datetime | None = None
) -> Lead:
    """The dealer declines with a reason; the lead goes on to the next dealer at once."""
    now = now or utcnow()
    offer = _offer_for_action(lead_id, user)
    _claim(offer, "declined", now, responded_by_id=user.id, reason=reason, note=note)
    lead = offer.lead
    record_event(lead, "declined", actor=user, dealer=offer.dealer, reason=reason, note=note)
    hand_on(lead, offer, now)
    commit_transition()
    return lead


def hand_on(lead: Lead, ended: Offer, now: datetime) -> None:
    """After an offer ends without acceptance: return a forwarded lead, or route on."""
    if any(other.status == "pending" for other in lead.offers if other.id != ended.id):
        return  # a distributed opportunity still has open offers
    if ended.return_to is not None:
        create_offer(
            lead,
            ended.return_to,
            now,
            kind="returned",
            explanation=f"Returned to {ended.return_to.name}: the sub-dealer "
            f"{ended.dealer.name} did not take it.",
        )
        return
    offer_next_dealer(lead, now)


def commit_transition() -> None:
    """Commit; a second pending offer refused by the database becomes a 409."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "the lead changed meanwhile", {"status": "the lead changed meanwhile; reload it"}
        ) from None


def expire_offer(offer: Offer, now: datetime) -> bool:
    """Expire an overdue offer and hand the lead on, in one transaction; False if changed."""
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status == "pending", Offer.expires_at <= now)
        .values(status="expired", responded_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(offer)
    lead = offer.lead
    record_event(lead, "expired", dealer=offer.dealer)
    hand_on(lead, offer, now)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def overdue_offer_ids(now: datetime, limit: int = 500) -> list[int]:
    """Pending offers past their deadline (uses the status + expiry index)."""
    return list(
        db.session.scalars(
            select(Offer.id)
            .where(Offer.status == "pending", Offer.expires_at <= now)
            .order_by(Offer.expires_at)
            .limit(limit)
        )
    )


def expire_overdue_offers(now: datetime | None = None) -> int:
    """One worker pass over overdue offers; returns how many it expired."""
    now = now or utcnow()
    ids = overdue_offer_ids(now)
    db.session.rollback()
    expired = 0
    for offer_id in ids:
        offer = db.session.get(Offer, offer_id)
        if offer is not None and expire_offer(offer, now):
            expired += 1
    return expired
