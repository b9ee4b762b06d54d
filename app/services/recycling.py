"""Recycling: what the clock does to offers. Expire, hand on, remind.

The worker calls these once a pass. They keep no state: each pass reads the
database and every transition (an offer ends, the lead goes to the next dealer or
to the OEM queue, with its events and notifications) is one short transaction, so a
crash at any instant leaves either the state before it or the state after it.

Several processes may run passes at once. On PostgreSQL each transition first claims
its offer and its lead with `FOR UPDATE SKIP LOCKED`, so processes split the work and
never wait on one another. SQLite has no row locks: there every transition is a
compare-and-set (`UPDATE ... WHERE status = 'pending'`, checked by row count) whose
UPDATE is the first statement of its transaction and so takes the write lock on
fresh data; the loser of a race sees zero rows and moves on. Either way the partial
unique index `uq_offers_one_pending_per_lead` refuses a second pending offer.
"""

import logging
import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.clock import utcnow
from app.enums import OfferStatus
from app.extensions import db
from app.models import Dealer, Offer
from app.services import notify, offers
from app.services.candidates import DecisionStale
from app.services.errors import Conflict
from app.services.events import record_event
from app.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

BATCH = 1000
"""At most this many transitions of one kind per pass; the next pass takes the rest."""


class _Skipped(Exception):
    """Another process holds this lead; the transition is left to it."""


def overdue_offers(now: datetime) -> Select:
    """Pending offers past their deadline, oldest first (reads the status + expiry index)."""
    return (
        select(Offer)
        .where(Offer.status == OfferStatus.PENDING, Offer.expires_at <= now)
        .order_by(Offer.expires_at)  # the index's own order: LIMIT stops early
    )


def overdue_offer_ids(now: datetime, limit: int = BATCH) -> list[int]:
    """The ids of up to `limit` overdue pending offers."""
    return list(db.session.scalars(overdue_offers(now).with_only_columns(Offer.id).limit(limit)))


def expire_offer(offer: Offer, now: datetime) -> bool:
    """Expire an overdue offer and hand its lead on, in one transaction.

    Returns False, changing nothing, when the offer was answered, expired or
    claimed by another process meanwhile.
    """
    return _locked_transition(offers.expire_offer, offer, now)


def expire_overdue_offers(now: datetime | None = None, limit: int = BATCH) -> int:
    """Expire every overdue offer (up to `limit`) and hand each lead on; returns the count."""
    now = now or utcnow()
    return _run_transitions(overdue_offers(now), expire_offer, now, limit)


def offers_of_absent_dealers(now: datetime) -> Select:
    """Pending routed offers whose dealer is absent (on holiday) right now."""
    absent = and_(
        or_(Dealer.absent_from.is_not(None), Dealer.absent_until.is_not(None)),
        or_(Dealer.absent_from.is_(None), Dealer.absent_from <= now),
        or_(Dealer.absent_until.is_(None), Dealer.absent_until > now),
    )
    absent_ids = select(Dealer.id).where(absent)
    return select(Offer).where(
        Offer.dealer_id.in_(absent_ids),
        Offer.status == OfferStatus.PENDING,
        Offer.kind.in_(offers.ROUTED_KINDS),
    )


def withdraw_for_absence(offer: Offer, now: datetime) -> bool:
    """Take an offer back from a dealer who is away and hand the lead on, in one transaction."""
    return _locked_transition(offers.withdraw_for_absence, offer, now)


def _locked_transition(transition, offer: Offer, now: datetime) -> bool:
    """Lock the offer's lead (skipping it when another process holds it), then run
    `transition` as one unit of work; False when it did not happen.

    The lead's next dealer is ranked before the unit of work begins (on SQLite no write
    lock is held while ranking, so a pass does not stall intake); when what that rested
    on changed meanwhile, the transition is rolled back and made again, ranking inside.
    """
    try:
        return _locked_once(transition, offer, now, offers.prepare_hand_on(offer, now))
    except DecisionStale:
        return _locked_once(transition, offer, now, None)


def _locked_once(transition, offer: Offer, now: datetime, prepared) -> bool:
    try:
        with unit_of_work():
            if not offers.lock_lead(offer.lead_id, skip_locked=True):
                raise _Skipped
            transition(offer, now, prepared)
    except (_Skipped, offers.OfferNotPending):
        return False
    except Conflict:
        log.warning("transition refused by the one-pending-offer index; retried next pass")
        return False
    return True


def hand_on_offers_of_absent_dealers(
    now: datetime | None = None, limit: int = BATCH, dealer: Dealer | None = None
) -> int:
    """Withdraw the pending offers of dealers now absent and route those leads on.

    With `dealer`, only that dealer's offers (saving an absence hands on its own
    offers at once, not the whole network's).
    """
    now = now or utcnow()
    candidates = offers_of_absent_dealers(now)
    if dealer is not None:
        candidates = candidates.where(Offer.dealer_id == dealer.id)
    return _run_transitions(candidates, withdraw_for_absence, now, limit)


def reminders_due(now: datetime) -> Select:
    """Pending offers whose reminder is due (reads the status + remind_at index)."""
    return (
        select(Offer)
        .where(Offer.status == OfferStatus.PENDING, Offer.remind_at <= now)
        .order_by(Offer.remind_at)
    )


def remind_dealer(offer: Offer, now: datetime) -> bool:
    """Queue the one reminder of a pending offer, in one transaction; False if not due."""
    with unit_of_work():
        result = db.session.execute(
            update(Offer)
            .where(
                Offer.id == offer.id,
                Offer.status == OfferStatus.PENDING,
                Offer.remind_at.is_not(None),
                Offer.remind_at <= now,
            )
            .values(remind_at=None, reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        db.session.refresh(offer)
        if offer.expires_at > now:  # an overdue offer is expired, not nagged about
            record_event(offer.lead, "reminded", dealer=offer.dealer, offer_id=offer.id)
            notify.notify_reminder(offer.lead, offer.dealer, offer.expires_at)
    return True


def send_due_reminders(now: datetime | None = None, limit: int = BATCH) -> int:
    """Remind each dealer whose offer has used its reminder share of the SLA; returns the count."""
    now = now or utcnow()
    return _run_transitions(reminders_due(now), remind_dealer, now, limit)


def _run_transitions(
    candidates: Select,
    transition: Callable[[Offer, datetime], bool],
    now: datetime,
    limit: int,
) -> int:
    """Apply `transition` to the offers `candidates` selects, each in its own transaction.

    On PostgreSQL the next offer is claimed with `FOR UPDATE SKIP LOCKED`, so several
    processes running this at once take different offers. Elsewhere the ids are read
    first, without a transaction, and each transition's compare-and-set referees.
    A database error fails only its own transition; the next pass retries it.
    """
    done = 0
    db.session.rollback()
    if offers.has_row_locks():
        passed: list[int] = []
        for _ in range(limit):
            query = candidates.where(Offer.id.not_in(passed)) if passed else candidates
            offer = db.session.scalar(
                query.limit(1)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
            if offer is None:
                db.session.rollback()
                break
            if _attempt(transition, offer, now):
                done += 1
            else:
                passed.append(offer.id)
        return done
    ids = list(db.session.scalars(candidates.with_only_columns(Offer.id).limit(limit)))
    db.session.rollback()
    if len(ids) > 1:
        # Processes sharing one SQLite file read the same list: each starts at its own
        # random place in it, so they rarely queue for the write lock over the same offer.
        start = random.randrange(len(ids))
        ids = ids[start:] + ids[:start]
    for offer_id in ids:
        offer = db.session.get(Offer, offer_id)
        if offer is not None and _attempt(transition, offer, now):
            done += 1
    return done


def _attempt(transition, offer: Offer, now: datetime) -> bool:
    try:
        return transition(offer, now)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("transition of offer %s failed; retried next pass", offer.id)
        return False
