"""Webhooks: integrations register a URL and the lead events they want, signed with a secret.

The URL is held to the same rule as web-push endpoints (`app.outbound.check_outbound_url`,
the one outbound-address check): public https only, unless the test-only
RELAY_ALLOW_PRIVATE_TARGETS lets a local receiver through. It is checked when the
webhook is registered and again before every delivery, since DNS answers change.
"""

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Webhook
from app.outbound import UnsafeTarget, check_outbound_url
from app.services.errors import NotFound, ValidationFailed
from app.services.push_subscriptions import allow_private_endpoints

SIGNATURE_HEADER = "X-LeadRelay-Signature"


def check_target_url(url: str) -> None:
    """Raise UnsafeTarget unless `url` may receive our requests (see module doc)."""
    check_outbound_url(url, allow_private=allow_private_endpoints())


def create_webhook(url: str, events: list[str], secret: str) -> Webhook:
    """Register a webhook (shape already validated); 422 `url` for a target we may not call."""
    try:
        check_target_url(url)
    except UnsafeTarget as error:  # also a host that does not resolve
        raise ValidationFailed("bad webhook", {"url": str(error)}) from None
    webhook = Webhook(url=url, events=list(dict.fromkeys(events)), secret=secret)
    db.session.add(webhook)
    db.session.commit()
    return webhook


def list_webhooks() -> list[Webhook]:
    """The registered webhooks, oldest first."""
    return list(
        db.session.scalars(select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id))
    )


def delete_webhook(webhook_id: int) -> None:
    """Stop a webhook; its past deliveries stay in the log, queued ones are not sent."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or webhook.deleted_at is not None:
        raise NotFound("no such webhook")
    webhook.deleted_at = utcnow()
    db.session.commit()


def subscribed_webhooks(event: str) -> list[Webhook]:
    """The live webhooks that want this event."""
    return [webhook for webhook in _live_webhooks() if event in (webhook.events or [])]


_LIVE = "live_webhooks"


def _live_webhooks() -> list[Webhook]:
    """The live webhooks, read once per transaction: a new lead's events ("received",
    "offered") each ask, and within one transaction the answer cannot change but by
    this transaction itself, which only commits when it registers or deletes one."""
    session = db.session()
    transaction = session.get_transaction()
    known = session.info.get(_LIVE)
    if transaction is not None and known is not None and known[0] is transaction:
        return known[1]
    live = list_webhooks()
    session.info[_LIVE] = (session.get_transaction(), live)
    return live


def signature(secret: str, body: bytes, at: datetime) -> str:
    """The X-LeadRelay-Signature value: t=UNIX_SECONDS,v1=hex HMAC-SHA256 of "{t}.{body}"."""
    timestamp = int(at.timestamp())
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"
