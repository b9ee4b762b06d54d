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
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Offer
from app.services import notify
from app.services.events import record_event
from app.services.offers import hand_on, lock_lead

log = logging.getLogger(__name__)

BATCH = 1000
"""At most this many transitions of one kind per pass; the next pass takes the rest."""

# Offers the absence of their dealer hands on. A coordinator's assignment or
# distribution was a deliberate choice of dealer: those wait for their deadline.
_ROUTED_KINDS = ("routed", "returned", "forwarded")


def overdue_offers(now: datetime) -> Select:
    """Pending offers past their deadline, oldest first (reads the status + expiry index)."""
    return (
        select(Offer)
        .where(Offer.status == "pending", Offer.expires_at <= now)
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
    if not lock_lead(offer.lead_id, skip_locked=True):
        db.session.rollback()
        return False
    ended = _end_pending_offer(offer, now, "expired", Offer.expires_at <= now, event="expired")
    return ended and _commit()


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
        Offer.status == "pending",
        Offer.kind.in_(_ROUTED_KINDS),
    )


def withdraw_for_absence(offer: Offer, now: datetime) -> bool:
    """Take an offer back from a dealer who is away and hand the lead on, in one transaction."""
    if not lock_lead(offer.lead_id, skip_locked=True):
        db.session.rollback()
        return False
    ended = _end_pending_offer(
        offer, now, "withdrawn", Offer.kind.in_(_ROUTED_KINDS), event="withdrawn", note="absent"
    )
    return ended and _commit()


def hand_on_offers_of_absent_dealers(now: datetime | None = None, limit: int = BATCH) -> int:
    """Withdraw the pending offers of dealers now absent and route those leads on."""
    now = now or utcnow()
    return _run_transitions(offers_of_absent_dealers(now), withdraw_for_absence, now, limit)


def reminders_due(now: datetime) -> Select:
    """Pending offers whose reminder is due (reads the status + remind_at index)."""
    return (
        select(Offer)
        .where(Offer.status == "pending", Offer.remind_at <= now)
        .order_by(Offer.remind_at)
    )


def remind_dealer(offer: Offer, now: datetime) -> bool:
    """Queue the one reminder of a pending offer, in one transaction; False if not due."""
    result = db.session.execute(
        update(Offer)
        .where(
            Offer.id == offer.id,
            Offer.status == "pending",
            Offer.remind_at.is_not(None),
            Offer.remind_at <= now,
        )
        .values(remind_at=None, reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(offer)
    if offer.expires_at > now:  # an overdue offer is expired, not nagged about
        record_event(offer.lead, "reminded", dealer=offer.dealer, offer_id=offer.id)
        notify.notify_reminder(offer.lead, offer.dealer, offer.expires_at)
    return _commit()


def send_due_reminders(now: datetime | None = None, limit: int = BATCH) -> int:
    """Remind each dealer whose offer has used its reminder share of the SLA; returns the count."""
    now = now or utcnow()
    return _run_transitions(reminders_due(now), remind_dealer, now, limit)


def _end_pending_offer(
    offer: Offer, now: datetime, status: str, condition, *, event: str, note: str | None = None
) -> bool:
    """Compare-and-set a pending offer to `status`, record it and hand the lead on."""
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status == "pending", condition)
        .values(status=status, responded_at=now, remind_at=None, note=note)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.expire_all()  # read the offer, its lead and the lead's offers as they are now
    lead = offer.lead
    record_event(lead, event, dealer=offer.dealer, offer_id=offer.id, reason=note)
    if status == "withdrawn":
        notify.queue_for_users(
            notify.dealer_users(offer.dealer),
            "withdrawn",
            None,  # the lead is no longer this dealer's to open
            f"Lead taken back: {lead.title}",
            "You are marked as away, so this lead went to another dealer.",
        )
    hand_on(lead, offer, now)
    return True


def _commit() -> bool:
    """Commit the transition; a second pending offer refused by the database undoes it."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.warning("transition refused by the one-pending-offer index; retried next pass")
        return False
    return True


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
    if _has_row_locks():
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


def _has_row_locks() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"
