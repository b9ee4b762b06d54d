"""Delivery of lead events to dealers' and integrations' systems, through an outbox.

`queue_for_event` runs inside the transaction that records a lead event (see
`app.services.events.record_event`), so a delivery exists exactly when the change it
announces was committed. The worker (`deliver_due_deliveries`) claims due rows with a
compare-and-set lease, sends each with no transaction open, logs the attempt and
settles the row: sent, retried with exponential backoff, or failed after
RELAY_DELIVERY_MAX_ATTEMPTS. Two channels share it:

- webhook: POST of {"id", "event", "occurred_at", "lead"} signed with the webhook's secret;
- email: an accepted lead to the dealer's mailbox (DealerDelivery), as ADF/XML or text.

The log (`delivery_log`) is what the console shows as delivery receipts.
"""

import json
import logging
from datetime import datetime

import requests
from flask import current_app
from sqlalchemy import select

from app.clock import iso, utcnow
from app.extensions import db
from app.mailer import MailError
from app.models import Dealer, Delivery, DeliveryAttempt, Lead, Webhook
from app.outbound import UnsafeTarget
from app.services import dealer_mail, outbox, webhooks
from app.services.push_delivery import retry_delay
from app.services.unit_of_work import insert_with_transaction

log = logging.getLogger(__name__)

# Lead event kinds (LeadEvent.kind) -> webhook event names.
EVENT_NAMES = {
    "received": "lead.created",
    "offered": "offer.created",
    "accepted": "offer.accepted",
    "declined": "offer.declined",
    "expired": "offer.expired",
    "unassigned": "lead.unassigned",
}
BATCH = 50
CLAIM_SECONDS = 120
DEFAULT_MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10


def event_name(kind: str, detail: dict) -> str | None:
    """The webhook event a lead event announces, if any."""
    if kind == "stage_changed":
        return "lead.won" if detail.get("stage") == "won" else None
    return EVENT_NAMES.get(kind)


def queue_for_event(
    lead: Lead, kind: str, dealer: Dealer | None, detail: dict, at: datetime
) -> None:
    """Queue the deliveries a lead event calls for (in the caller's transaction)."""
    event = event_name(kind, detail)
    if event is None:
        return
    for webhook in webhooks.subscribed_webhooks(event):
        _queue(lead, event, at, "webhook", webhook.url, dealer=dealer, webhook=webhook)
    if event == "offer.accepted" and dealer is not None:
        setting = dealer_mail.setting_for(dealer)
        if setting is not None and setting.active:
            _queue(lead, event, at, "email", setting.email, dealer=dealer)


def _queue(lead, event, at, channel, target, *, dealer=None, webhook=None) -> None:
    insert_with_transaction(
        Delivery.__table__,
        {
            "channel": channel,
            "event": event,
            "lead_id": lead.id,
            "dealer_id": dealer.id if dealer is not None else None,
            "webhook_id": webhook.id if webhook is not None else None,
            "target": target,
            "occurred_at": at,
            "next_attempt_at": at,
        },
    )


def max_attempts() -> int:
    """How many times one delivery is tried before it is marked failed."""
    return int(current_app.config.get("RELAY_DELIVERY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def due_delivery_ids(now: datetime, limit: int = BATCH) -> list[int]:
    """Outbox rows whose time has come (by the due index)."""
    return outbox.due_ids(Delivery, now, limit)


class _Outcome:
    """What one attempt gave: ok, a status code, an error, and whether to try again."""

    def __init__(self, ok=False, status=None, error=None, retry=True, retry_after=None):
        self.ok, self.status, self.error = ok, status, error
        self.retry, self.retry_after = retry, retry_after


def deliver_due_deliveries(now: datetime | None = None) -> int:
    """Send every due delivery; returns how many went through."""
    now = now or utcnow()
    ids = due_delivery_ids(now)
    db.session.rollback()
    sent = 0
    for delivery_id in ids:
        if not outbox.claim(Delivery, delivery_id, now, CLAIM_SECONDS):
            continue  # another process took it
        delivery = db.session.get(Delivery, delivery_id)
        try:
            prepared = _prepare(delivery, now)
        except Exception as error:  # noqa: BLE001 - a bad row must not stop the outbox
            log.exception("delivery %s could not be prepared", delivery_id)
            outcome = _Outcome(error=f"could not prepare: {error}", retry=False)
        else:
            # No transaction stays open while we wait on someone else's server.
            db.session.commit()
            outcome = _send(prepared, now)
        if _settle(delivery_id, outcome, now):
            sent += 1
    return sent


def _prepare(delivery: Delivery, now: datetime) -> tuple:
    """Freeze the body at the first attempt; return what sending needs, plain values only."""
    lead = db.session.get(Lead, delivery.lead_id)
    if delivery.channel == "webhook":
        webhook = db.session.get(Webhook, delivery.webhook_id)
        if delivery.body is None:
            delivery.body = webhook_body(delivery, lead)
        if webhook is None or webhook.deleted_at is not None:
            return ("skip", "the webhook was deleted")
        return ("webhook", delivery.target, delivery.body, webhook.secret)
    if delivery.body is None:
        delivery.body = dealer_mail.compose(lead, delivery.dealer, delivery.target).as_string()
    return ("email", delivery.target, delivery.body, None)


def webhook_body(delivery: Delivery, lead: Lead) -> str:
    """The JSON document a webhook receives (the lead as a coordinator's API sees it)."""
    from app.services.serialisation import lead_out  # it imports what imports us

    return json.dumps(
        {
            "id": f"dlv_{delivery.id}",
            "event": delivery.event,
            "occurred_at": iso(delivery.occurred_at),
            "lead": lead_out(lead, None).model_dump(mode="json", exclude_unset=True),
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def _send(prepared: tuple, now: datetime) -> _Outcome:
    channel = prepared[0]
    if channel == "skip":
        return _Outcome(error=prepared[1], retry=False)
    if channel == "webhook":
        return post_webhook(*prepared[1:], now)
    try:
        dealer_mail.send(prepared[2])
    except dealer_mail.MailNotConfigured as error:
        return _Outcome(error=str(error), retry=False)
    except MailError as error:  # the server is down or refused: worth a retry
        return _Outcome(error=f"mail not sent: {error}")
    return _Outcome(ok=True)


def post_webhook(url: str, body: str, secret: str, now: datetime) -> _Outcome:
    """POST one signed webhook body; only a 2xx counts as delivered."""
    try:
        webhooks.check_target_url(url)
    except UnsafeTarget as error:
        return _Outcome(error=str(error), retry=False)
    raw = body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LeadRelay-Webhooks/1",
        webhooks.SIGNATURE_HEADER: webhooks.signature(secret, raw, now),
    }
    try:
        response = requests.post(
            url, data=raw, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        return _Outcome(error=f"{type(error).__name__}: {error}")
    if 200 <= response.status_code < 300:
        return _Outcome(ok=True, status=response.status_code)
    return _Outcome(
        status=response.status_code,
        error=f"answered {response.status_code}",
        retry_after=response.headers.get("Retry-After"),
    )


def _settle(delivery_id: int, outcome: _Outcome, now: datetime) -> bool:
    """Log the attempt and mark the row sent, due again later, or failed."""
    delivery = db.session.get(Delivery, delivery_id)
    db.session.add(
        DeliveryAttempt(
            delivery_id=delivery_id,
            at=now,
            ok=outcome.ok,
            status_code=outcome.status,
            error=(outcome.error or "")[:300] or None,
        )
    )
    if outcome.ok:
        delivery.sent_at = now
        delivery.last_error = None
    elif outcome.retry and delivery.attempts < max_attempts():
        delivery.next_attempt_at = now + retry_delay(delivery.attempts, outcome.retry_after)
        delivery.last_error = (outcome.error or "")[:300] or None
        log.info("delivery %s will be retried: %s", delivery_id, outcome.error)
    else:
        delivery.failed_at = now
        delivery.last_error = (outcome.error or "")[:300] or None
    db.session.commit()
    return outcome.ok


# --- the log ---------------------------------------------------------------------------


def lead_deliveries(lead_id: str) -> list[Delivery]:
    """A lead's deliveries, newest first, with their attempts."""
    return list(
        db.session.scalars(
            select(Delivery).where(Delivery.lead_id == lead_id).order_by(Delivery.id.desc())
        )
    )


def dealer_deliveries(dealer: Dealer | None, limit: int = 200) -> list[Delivery]:
    """The latest deliveries about a dealer's leads (e-mails to it, webhooks on its events),
    or about every lead when no dealer is given; newest first."""
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if dealer is not None:
        query = query.where(Delivery.dealer_id == dealer.id)
    return list(db.session.scalars(query))
