"""Offers: route a lead to the next dealer, accept, decline, expire, hand on.

Every transition is a compare-and-set (`UPDATE ... WHERE status = 'pending'`)
checked by row count, inside one short transaction with its events, so two
processes can never both win the same transition. A partial unique index makes
two pending offers for one lead impossible outside a deliberate distribution.
Expiry, reminders and absences are the worker's: see app/services/recycling.py.
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
from app.services.deadlines import offer_deadline, reminder_due
from app.services.errors import Conflict, NotFound
from app.services.events import record_event


def sla_seconds() -> int:
    """How long a dealer has to answer when no rule says otherwise."""
    return int(current_app.config.get("RELAY_OFFER_SLA_SECONDS", 3600))


def reminder_fraction() -> float:
    """After which share of the SLA (in open hours) the dealer is reminded; 0 = never."""
    return float(current_app.config.get("RELAY_REMINDER_FRACTION", 0.5))


def lock_lead(lead_id: str, skip_locked: bool = False) -> bool:
    """Lock the lead's row for this transaction (PostgreSQL); False if skipped as locked.

    Every transition of a lead locks it first, so two of them never interleave (a
    decline and an expiry of a distributed lead's offers would each see the other's
    offer still pending). SQLite has no row locks: there the compare-and-set UPDATE
    that follows takes the database's single write lock, which serialises the same way.
    """
    found = db.session.scalar(
        select(Lead.id).where(Lead.id == lead_id).with_for_update(skip_locked=skip_locked)
    )
    return found is not None


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
    sla = sla_seconds()
    offer = Offer(
        lead=lead,
        dealer=dealer,
        status="pending",
        kind=kind,
        offered_at=now,
        expires_at=offer_deadline(dealer, now, sla),
        remind_at=reminder_due(dealer, now, sla, reminder_fraction()),
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


def end_offer(offer: Offer, new_status: str, now: datetime, **values) -> None:
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
            # A salesperson who accepts works the lead; a manager's accept leaves it open.
            assignee_user_id=user.id
            if user.role == "salesperson" and user.dealer_id == offer.dealer_id
            else None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        db.session.rollback()
        raise Conflict("this offer is no longer open", {"status": "the lead was already taken"})
    end_offer(offer, "accepted", now, responded_by_id=user.id)
    lead = offer.lead
    db.session.refresh(lead)
    for other in lead.offers:
        if other.id != offer.id and other.status == "pending":
            end_offer(other, "withdrawn", now)
            record_event(lead, "withdrawn", dealer=other.dealer)
            notify.notify_withdrawn(lead, other.dealer)
    record_event(lead, "accepted", actor=user, dealer=offer.dealer)
    db.session.commit()
    return lead


def decline_offer(
    lead_id: str, user: User, reason: str, note: str | None = None, now: datetime | None = None
) -> Lead:
    """The dealer declines with a reason; the lead goes on to the next dealer at once."""
    now = now or utcnow()
    offer = _offer_for_action(lead_id, user)
    lock_lead(offer.lead_id)
    end_offer(offer, "declined", now, responded_by_id=user.id, reason=reason, note=note)
    lead = offer.lead
    record_event(lead, "declined", actor=user, dealer=offer.dealer, reason=reason, note=note)
    hand_on(lead, offer, now)
    commit_transition()
    return lead


def hand_on(lead: Lead, ended: Offer, now: datetime) -> None:
    """After an offer ends without acceptance: return a forwarded lead, or route on.

    The caller holds the lead's lock (`lock_lead`) and commits.
    """
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
