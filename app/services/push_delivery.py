"""Deliver queued notifications (web push): the worker's side of the outbox.

`deliver_due_notifications` runs in the worker, never in a request: each due row is
claimed with a compare-and-set lease, sent to each of the user's devices that wants its
kind (app/services/push_preferences.py) with no transaction open, then settled (sent,
retried with backoff, or failed after RELAY_PUSH_MAX_ATTEMPTS). A device the push service
reports gone (404 / 410) is forgotten. Rows are queued by app/services/notify.py.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Notification, PushSubscription
from app.services import outbox
from app.services.push_preferences import devices_wanting
from app.services.push_subscriptions import (
    allow_private_endpoints,
    has_push_device,
    subscription_info,
    vapid_keys,
)
from app.webpush import PushOutcome, PushResult, send_push

log = logging.getLogger(__name__)

DELIVERY_BATCH = 100
# A claimed row is someone's for this long; a sender that died mid-way frees it then.
CLAIM_SECONDS = 120
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
DEFAULT_MAX_ATTEMPTS = 5
# A push older than this is noise: a day-old "new lead" is not news.
MAX_AGE = timedelta(hours=24)
URGENT_KINDS = ("new_offer", "reminder")
# Why a row failed when its user has no device at all; app/services/notify.py writes such
# rows already settled with it, so the worker meets it only for rows queued without
# knowing (an assignment) or for a device forgotten since.
NO_DEVICE = "the user has no device subscribed to push"


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
    return outbox.due_ids(Notification, now, limit)


def _claim(notification_id: int, now: datetime) -> bool:
    """Lease one due row to this sender (compare-and-set), counting the attempt."""
    return outbox.claim(Notification, notification_id, now, CLAIM_SECONDS)


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
        # Only the user's devices that want this kind (new lead, reminder, ...).
        targets = [
            (subscription.id, subscription_info(subscription))
            for subscription in db.session.scalars(
                devices_wanting(notification.user_id, notification.kind)
            )
        ]
        if not targets and _has_devices(notification.user_id):
            _settle(notification, now, failed="every device of the user turned this kind off")
            continue
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


def _has_devices(user_id: int) -> bool:
    """Whether the user has any device subscribed to push at all."""
    return bool(db.session.scalar(select(has_push_device(user_id))))


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
        _settle(notification, now, failed=NO_DEVICE)
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
