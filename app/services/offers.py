"""Offer state transitions: the one module that starts and ends offers.

An offer is created pending (`create_offer`, `offer_next_dealer`) and ends exactly
once, in `end_offer`: accepted, declined, expired or withdrawn. Every ending is a
compare-and-set (`UPDATE ... WHERE status = 'pending'`) checked by row count, so two
processes never both win it; a partial unique index makes two pending offers for one
lead impossible outside a deliberate distribution.

The functions below run inside the caller's `unit_of_work()` (one transaction with
its events and queued notifications); the public actions (`accept_offer`,
`decline_offer`) open it themselves. Who calls what: requests (`accept_offer`,
`decline_offer`, app/services/dispatch.py), the worker (app/services/recycling.py:
`expire_offer`, `withdraw_for_absence`), and intake (`offer_next_dealer`).
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.enums import LeadStatus, OfferKind, OfferStatus, Role, WithdrawalReason
from app.extensions import db
from app.models import Dealer, Lead, Offer, User
from app.routing import RoutingDecision
from app.services import candidates, notify, report_facts
from app.services.deadlines import offer_deadline, reminder_due
from app.services.errors import Conflict
from app.services.events import record_event
from app.services.unit_of_work import add_new, turn_in_process, unit_of_work, write_queued
from app.services.visibility import offer_to_answer

# Offers the absence of their dealer hands on. A coordinator's assignment or
# distribution was a deliberate choice of dealer: those wait for their deadline.
ROUTED_KINDS = (OfferKind.ROUTED, OfferKind.RETURNED, OfferKind.FORWARDED)


class OfferNotPending(Conflict):
    """The offer was answered, expired or withdrawn meanwhile (409)."""


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
    that follows takes the database's single write lock, which serialises the same way,
    so nothing is read (a SELECT there would lock nothing).
    """
    if not has_row_locks():
        return True
    found = db.session.scalar(
        select(Lead.id).where(Lead.id == lead_id).with_for_update(skip_locked=skip_locked)
    )
    return found is not None


def has_row_locks() -> bool:
    """Whether the database locks rows (PostgreSQL); SQLite locks the whole database."""
    return db.session.get_bind().dialect.name == "postgresql"


def decide_next_dealer(lead: Lead, now: datetime, complete: bool = False) -> RoutingDecision:
    """Ask the routing engine where the lead goes next (nothing is stored).

    Only the best-ranked dealers are checked for capacity and load unless `complete`.
    """
    return candidates.decide(lead, now, complete=complete)


def offer_next_dealer(
    lead: Lead,
    now: datetime | None = None,
    actor: User | None = None,
    decision: RoutingDecision | None = None,
) -> Offer | None:
    """Offer the lead to the best eligible dealer, or put it in the OEM queue.

    Runs inside the caller's transaction; the caller commits. A `decision` made before
    the transaction began is the caller's to confirm (see leads.create_lead).
    """
    now = now or utcnow()
    if decision is None:
        decision = decide_next_dealer(lead, now)
    if decision.chosen is None:
        lead.status = LeadStatus.UNASSIGNED
        lead.holder_dealer_id = None
        record_event(lead, "unassigned", actor=actor, explanation=decision.explanation())
        notify.notify_unassigned(lead)
        return None
    dealer = candidates.chosen_dealer(decision.chosen.code)
    return create_offer(
        lead, dealer, now, kind=OfferKind.ROUTED, explanation=decision.explanation(), actor=actor
    )


def create_offer(
    lead: Lead,
    dealer: Dealer,
    now: datetime,
    *,
    kind: OfferKind,
    explanation: str,
    actor: User | None = None,
    return_to: Dealer | None = None,
) -> Offer:
    """Store a pending offer with its deadline, tell the dealer, note the event."""
    sla = sla_seconds()
    offer = Offer(
        lead=lead,
        dealer=dealer,
        status=OfferStatus.PENDING,
        kind=kind,
        offered_at=now,
        expires_at=offer_deadline(dealer, now, sla),
        remind_at=reminder_due(dealer, now, sla, reminder_fraction()),
        explanation=explanation,
        return_to=return_to,
    )
    add_new(offer)  # written below with what is queued, without the unit of work's cost
    lead.status = LeadStatus.OFFERED
    lead.holder_dealer_id = dealer.id if kind != OfferKind.DISTRIBUTED else None
    record_event(
        lead, "offered", actor=actor, dealer=dealer, offer_kind=kind, explanation=explanation
    )
    notify.notify_new_offer(lead, dealer)
    write_queued()  # the offer's id names its report rows
    report_facts.add_offer(offer)
    return offer


# What end_offer reads afresh: a lead's and an offer's own columns, and a lead's offers.
_LEAD_STATE = [*(column.key for column in inspect(Lead).column_attrs), "offers"]
_OFFER_STATE = [column.key for column in inspect(Offer).column_attrs]


def end_offer(offer: Offer, status: OfferStatus, now: datetime, *conditions, **values) -> None:
    """End a pending offer: compare-and-set it to `status`; Conflict if it is no longer pending.

    `conditions` narrow the compare-and-set further (the worker's "still overdue").
    Afterwards every loaded lead and offer is read afresh, so the caller sees the offer,
    its lead and the lead's other offers as they now are.
    """
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status == OfferStatus.PENDING, *conditions)
        .values(status=status, responded_at=now, remind_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise OfferNotPending(
            "this offer is no longer open", {"status": "the offer was already answered"}
        )
    lead_id = offer.lead_id
    report_facts.refresh_offer(offer.id, lead_id)
    # The UPDATEs above and the caller's own bypassed the session: read the leads and
    # offers afresh. Dealers, users and line items are left loaded (no need to read
    # them all again, 8 statements of a decline's 41).
    session = db.session()
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Lead):
            session.expire(loaded, _LEAD_STATE)
        elif isinstance(loaded, Offer):
            session.expire(loaded, _OFFER_STATE)
    # Every caller reads this offer's lead and its offers next: one statement for both
    # instead of a lazy load of each.
    session.scalars(
        select(Lead).where(Lead.id == lead_id).options(joinedload(Lead.offers))
    ).unique().one()


def withdraw_offer(
    offer: Offer,
    now: datetime,
    reason: WithdrawalReason,
    *conditions,
    note: str | None = None,
) -> None:
    """Take a pending offer back from its dealer, record it, and tell that dealer."""
    end_offer(offer, OfferStatus.WITHDRAWN, now, *conditions, note=note)
    lead = offer.lead
    record_event(
        lead, "withdrawn", dealer=offer.dealer, offer_id=offer.id, reason=reason, note=note
    )
    notify.notify_withdrawn(lead, offer.dealer, reason)


def withdraw_pending_offers(lead: Lead, now: datetime, reason: WithdrawalReason, **kw) -> None:
    """Withdraw every pending offer on the lead (before the coordinator re-steers it)."""
    for offer in [offer for offer in lead.offers if offer.status == OfferStatus.PENDING]:
        withdraw_offer(offer, now, reason, **kw)


def accept_offer(lead_id: str, user: User, now: datetime | None = None) -> Lead:
    """The dealer takes the lead; a distributed opportunity's other offers are withdrawn."""
    now = now or utcnow()
    with unit_of_work():
        offer = offer_to_answer(lead_id, user)
        # Claim the lead row first: of two dealers accepting a distributed opportunity
        # at once, exactly one wins, and no two transactions lock offers in opposite order.
        won = db.session.execute(
            update(Lead)
            .where(Lead.id == offer.lead_id, Lead.status == LeadStatus.OFFERED)
            .values(
                status=LeadStatus.ACCEPTED,
                owner_dealer_id=offer.dealer_id,
                holder_dealer_id=offer.dealer_id,
                # A salesperson who accepts works the lead; a manager's accept leaves it open.
                assignee_user_id=user.id
                if user.role == Role.SALESPERSON and user.dealer_id == offer.dealer_id
                else None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:
            raise Conflict("this offer is no longer open", {"status": "the lead was already taken"})
        end_offer(offer, OfferStatus.ACCEPTED, now, responded_by_id=user.id)
        lead = offer.lead
        others = [o for o in lead.offers if o.id != offer.id and o.status == OfferStatus.PENDING]
        for other in others:
            withdraw_offer(other, now, WithdrawalReason.ACCEPTED_ELSEWHERE)
        record_event(lead, "accepted", actor=user, dealer=offer.dealer)
    return lead


def decline_offer(
    lead_id: str, user: User, reason: str, note: str | None = None, now: datetime | None = None
) -> Lead:
    """The dealer declines with a reason; the lead goes on to the next dealer at once."""
    now = now or utcnow()
    with turn_in_process():  # ranking and writing, no other thread's ranking between
        try:
            return _decline(lead_id, user, reason, note, now, route_first=True)
        except candidates.DecisionStale:  # rolled back: decline again, routing in the lock
            return _decline(lead_id, user, reason, note, now, route_first=False)


def _decline(
    lead_id: str, user: User, reason: str, note: str | None, now: datetime, route_first: bool
) -> Lead:
    """decline_offer's transaction. With `route_first` the next dealer is chosen before
    anything is written (on SQLite no write lock is held while ranking) and confirmed
    after the new offer is written, as intake does (app/services/intake.py).

    What it loaded stays loaded after the commit (`keep_loaded`): it is what it wrote,
    and the request's audit reads the user's role afterwards, which would otherwise be
    read back (on PostgreSQL a pooled connection checked out and pinged, a transaction
    begun and rolled back, for one row)."""
    with unit_of_work(keep_loaded=True):
        offer = offer_to_answer(lead_id, user)
        prepared = prepare_hand_on(offer, now) if route_first else None
        lock_lead(offer.lead_id)
        end_offer(
            offer, OfferStatus.DECLINED, now, responded_by_id=user.id, reason=reason, note=note
        )
        lead = offer.lead
        # What is queued below reaches the database in create_offer's write (or the
        # commit), not piecemeal before each read: nothing read here depends on it.
        with db.session.no_autoflush:
            record_event(
                lead, "declined", actor=user, dealer=offer.dealer, reason=reason, note=note
            )
            hand_on(lead, offer, now, prepared)
    return lead


def prepare_hand_on(offer: Offer, now: datetime) -> candidates.Prepared | None:
    """The routing decision hand_on will need once this pending offer has ended, made
    before the caller's write transaction; None when hand_on will not route."""
    if (
        offer.status != OfferStatus.PENDING
        or offer.return_to_dealer_id is not None
        or _others_still_open(offer.lead, offer)
    ):
        return None
    return candidates.prepare(offer.lead, now)


def _others_still_open(lead: Lead, ended: Offer) -> bool:
    """Whether a distributed opportunity still has open offers besides `ended`."""
    return any(other.status == OfferStatus.PENDING for other in lead.offers if other.id != ended.id)


def expire_offer(offer: Offer, now: datetime, prepared: candidates.Prepared | None = None) -> None:
    """An overdue offer expires and its lead goes on (the worker; caller holds the lock)."""
    end_offer(offer, OfferStatus.EXPIRED, now, Offer.expires_at <= now)
    record_event(offer.lead, "expired", dealer=offer.dealer, offer_id=offer.id)
    hand_on(offer.lead, offer, now, prepared)


def withdraw_for_absence(
    offer: Offer, now: datetime, prepared: candidates.Prepared | None = None
) -> None:
    """Take a routed offer back from a dealer who is away; the lead goes on."""
    withdraw_offer(offer, now, WithdrawalReason.ABSENT, Offer.kind.in_(ROUTED_KINDS), note="absent")
    hand_on(offer.lead, offer, now, prepared)


def hand_on(
    lead: Lead, ended: Offer, now: datetime, prepared: candidates.Prepared | None = None
) -> None:
    """After an offer ends without acceptance: return a forwarded lead, or route on.

    The caller holds the lead's lock (`lock_lead`) inside its unit of work. A decision
    `prepared` before the lock is used when it was made for the lead as it now is, and
    confirmed once the offer is written; DecisionStale (the caller rolls back) if not.
    """
    if _others_still_open(lead, ended):
        return
    if ended.return_to is not None:
        create_offer(
            lead,
            ended.return_to,
            now,
            kind=OfferKind.RETURNED,
            explanation=f"Returned to {ended.return_to.name}: the sub-dealer "
            f"{ended.dealer.name} did not take it.",
        )
        return
    if prepared is None or not candidates.fits(prepared, lead):
        offer_next_dealer(lead, now)
        return
    offer = offer_next_dealer(lead, now, decision=prepared.decision)
    if not candidates.confirm(prepared, offer, now):
        raise candidates.DecisionStale
