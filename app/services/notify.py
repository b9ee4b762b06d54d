"""Queue notifications (web push) in the outbox; the worker delivers them.

Queueing happens inside the caller's transaction, so a push exists exactly when the
change it announces was committed. Delivery (`deliver_due_notifications`) runs in the
worker, never in a request: each due row is claimed with a compare-and-set lease,
sent to each of the user's devices with no transaction open, then settled (sent,
retried with backoff, or failed after RELAY_PUSH_MAX_ATTEMPTS). A device the push
service reports gone (404 / 410) is forgotten.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Lead, Notification, PushSubscription, Question, User
from app.services.push_subscriptions import allow_private_endpoints, subscription_info, vapid_keys
from app.webpush import PushOutcome, PushResult, send_push

log = logging.getLogger(__name__)


def queue_for_users(
    users: list[User],
    kind: str,
    lead: Lead | None,
    title: str,
    body: str,
    url: str | None = None,
) -> None:
    """Add one outbox row per user; sent later so no request waits on a push service."""
    now = utcnow()
    for user in users:
        db.session.add(
            Notification(
                user_id=user.id,
                lead_id=lead.id if lead is not None else None,
                kind=kind,
                payload={
                    "title": title[:80],
                    "body": body[:240],
                    "url": url or lead_url_for(user, lead),
                    "tag": _tag(kind, lead),
                },
                created_at=now,
                next_attempt_at=now,
            )
        )


def lead_url_for(user: User, lead: Lead | None) -> str:
    """Where a notification about this lead opens, for this user."""
    home = "/console" if user.is_coordinator else "/inbox"
    return f"{home}/leads/{lead.id}" if lead is not None else home


def _tag(kind: str, lead: Lead | None) -> str:
    return f"lead-{lead.id}" if lead is not None else kind


def dealer_users(dealer: Dealer) -> list[User]:
    """The active users of a dealer who should hear about its leads (not those away)."""
    now = utcnow()
    return [
        user
        for user in db.session.scalars(
            select(User).where(User.dealer_id == dealer.id, User.active.is_(True))
        )
        if not user.is_absent(now)
    ]


def coordinators() -> list[User]:
    """The OEM's active coordinators."""
    return list(
        db.session.scalars(select(User).where(User.role == "coordinator", User.active.is_(True)))
    )


def notify_new_offer(lead: Lead, dealer: Dealer) -> None:
    """Tell a dealer's people that a lead waits for their answer.

    Pushes to a dealer name the customer by first name only: until it accepts, the
    dealer may not read the surname or contact details (app/services/privacy.py).
    """
    where = f" near {lead.postal_code}" if lead.postal_code else ""
    queue_for_users(
        dealer_users(dealer),
        "new_offer",
        lead,
        f"New lead: {lead.title}",
        f"{lead.first_name}{where}. Accept or decline in LeadRelay.",
    )


def notify_unassigned(lead: Lead) -> None:
    """Tell the coordinators that a lead has no dealer left and sits in the OEM queue."""
    queue_for_users(
        coordinators(),
        "unassigned",
        lead,
        f"Lead needs a dealer: {lead.title}",
        f"{lead.customer_name}: no matching dealer is left. It waits in the OEM queue.",
    )


def notify_withdrawn(lead: Lead, dealer: Dealer) -> None:
    """Tell a dealer's people that a lead offered to them was taken back."""
    queue_for_users(
        dealer_users(dealer),
        "withdrawn",
        lead,
        f"Lead taken back: {lead.title}",
        f"{lead.first_name}: the manufacturer gave this lead to another dealer. "
        "Nothing more to do.",
        url="/inbox",
    )


def notify_assigned(lead: Lead, salesperson: User, by: User) -> None:
    """Tell a salesperson that a lead of the dealership is now theirs to work."""
    queue_for_users(
        [salesperson],
        "assigned",
        lead,
        f"Your lead: {lead.title}",
        f"{by.email} gave you {lead.customer_name}'s inquiry. Contact them soon.",
    )


def notify_customer_wrote_again(lead: Lead) -> None:
    """Tell the dealer holding a lead (or each one offered it) that the customer wrote again."""
    dealers = {offer.dealer_id: offer.dealer for offer in lead.offers if offer.status == "pending"}
    if lead.owner is not None:
        dealers[lead.owner.id] = lead.owner
    for dealer in dealers.values():
        queue_for_users(
            dealer_users(dealer),
            "customer_again",
            lead,
            f"Customer wrote again: {lead.title}",
            "The customer sent the inquiry again; the new message is on the lead.",
        )


def notify_question(question: Question, lead: Lead) -> None:
    """Tell the coordinators that a dealer asked about a lead."""
    dealer_name = question.dealer.name if question.dealer else "A dealer"
    queue_for_users(
        coordinators(),
        "question",
        lead,
        f"Question from {dealer_name}",
        f"{lead.title}: {question.body}",
        url=f"/console/questions#question-{question.id}",
    )


def notify_answer(question: Question, lead: Lead) -> None:
    """Tell the asking dealer's people that the OEM answered their question."""
    users = dealer_users(question.dealer) if question.dealer else []
    for user in users:
        queue_for_users(
            [user],
            "answer",
            lead,
            f"Answer on {lead.title}",
            question.answer or "",
            url=f"{lead_url_for(user, lead)}#questions",
        )


# --- delivery (the worker's side) ---------------------------------------------------

DELIVERY_BATCH = 100
# A claimed row is someone's for this long; a sender that died mid-way frees it then.
CLAIM_SECONDS = 120
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
DEFAULT_MAX_ATTEMPTS = 5
# A push older than this is noise: a day-old "new lead" is not news.
MAX_AGE = timedelta(hours=24)
URGENT_KINDS = ("new_offer", "reminder")


def max_attempts() -> int:
    """How many times one notification is tried before it is marked failed."""
    return int(current_app.config.get("RELAY_PUSH_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def retry_delay(attempts: int, retry_after: str | None = None) -> timedelta:
    """Exponential backoff (30 s, 60 s, 120 s, ... up to an hour), or the service's Retry-After."""
    if retry_after and retry_after.strip().isdigit():
        return timedelta(seconds=min(int(retry_after.strip()), RETRY_MAX_SECONDS))
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def due_notification_ids(now: datetime, limit: int = DELIVERY_BATCH) -> list[int]:
    """Outbox rows waiting to be sent whose time has come (uses the due index)."""
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.sent_at.is_(None),
                Notification.failed_at.is_(None),
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
        )
    )


def _claim(notification_id: int, now: datetime) -> bool:
    """Lease one due row to this sender (compare-and-set), counting the attempt."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.sent_at.is_(None),
            Notification.failed_at.is_(None),
            Notification.next_attempt_at <= now,
        )
        .values(
            next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS),
            attempts=Notification.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due_notifications(now: datetime | None = None) -> int:
    """Send every due outbox row to its user's devices; returns how many were delivered."""
    now = now or utcnow()
    ids = due_notification_ids(now)
    db.session.rollback()
    if not ids:
        return 0
    keys = vapid_keys()
    allow_private = allow_private_endpoints()
    delivered = 0
    for notification_id in ids:
        if not _claim(notification_id, now):
            continue  # another process took it
        notification = db.session.get(Notification, notification_id)
        age = now - notification.created_at
        if age > MAX_AGE:
            _settle(notification, now, failed="too old to be worth sending")
            continue
        targets = [
            (subscription.id, subscription_info(subscription))
            for subscription in db.session.scalars(
                select(PushSubscription).where(PushSubscription.user_id == notification.user_id)
            )
        ]
        payload = dict(notification.payload or {})
        urgency = "high" if notification.kind in URGENT_KINDS else "normal"
        ttl = max(60, int((MAX_AGE - age).total_seconds()))
        attempts = notification.attempts
        # No transaction stays open while we wait on push services.
        db.session.commit()
        results: list[tuple[int, PushResult]] = [
            (
                subscription_id,
                send_push(
                    info, payload, keys, allow_private=allow_private, ttl=ttl, urgency=urgency
                ),
            )
            for subscription_id, info in targets
        ]
        if _record_outcome(notification_id, results, attempts, now):
            delivered += 1
    return delivered


def _record_outcome(
    notification_id: int, results: list[tuple[int, PushResult]], attempts: int, now: datetime
) -> bool:
    """Settle one row after sending: sent, retry later, or failed; forget gone devices."""
    gone = [subscription_id for subscription_id, result in results if result.gone]
    if gone:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    reached = [sid for sid, result in results if result.outcome is PushOutcome.DELIVERED]
    if reached:
        db.session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(reached))
            .values(last_success_at=now)
            .execution_options(synchronize_session=False)
        )
    notification = db.session.get(Notification, notification_id)
    errors = "; ".join(result.error for _, result in results if result.error)
    if reached:
        _settle(notification, now, sent=True)
        return True
    if not results:
        _settle(notification, now, failed="the user has no device subscribed to push")
        return False
    retryable = [result for _, result in results if result.retryable]
    if retryable and attempts < max_attempts():
        notification.next_attempt_at = now + retry_delay(attempts, retryable[0].retry_after)
        notification.last_error = errors[:300] or None
        db.session.commit()
        log.info("push %s will be retried: %s", notification_id, errors)
        return False
    _settle(notification, now, failed=errors or "no device accepted the push")
    return False


def _settle(
    notification: Notification, now: datetime, *, sent: bool = False, failed: str | None = None
) -> None:
    if sent:
        notification.sent_at = now
        notification.last_error = None
    else:
        notification.failed_at = now
        notification.last_error = (failed or "")[:300] or None
    db.session.commit()


def notify_reminder(lead: Lead, dealer: Dealer, due: datetime | None = None) -> None:
    """Remind a dealer's people that a lead still waits for their answer (once per offer)."""
    when = ""
    if due is not None:
        local = due.astimezone(ZoneInfo(dealer.timezone or "UTC"))
        when = f" by {local:%a %H:%M}"
    queue_for_users(
        dealer_users(dealer),
        "reminder",
        lead,
        f"Still waiting: {lead.title}",
        f"{lead.first_name} waits for your answer. Accept or decline{when}, "
        "or it goes to another dealer.",
    )
