"""Webhooks: integrations register a URL and the lead events they want, signed with a secret.

The URL is held to the same rule as web-push endpoints (`app.outbound.check_outbound_url`,
the one outbound-address check): public https only, unless the test-only
RELAY_ALLOW_PRIVATE_TARGETS lets a local receiver through. It is checked when the
webhook is registered and again before every delivery, since DNS answers change.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Webhook
from app.outbound import UnsafeTarget, check_outbound_url
from app.services.errors import NotFound, ValidationFailed
from app.services.push_subscriptions import allow_private_endpoints
from app.services.versioned_cache import VersionedCache

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


@dataclass(frozen=True)
class LiveWebhook:
    """A live webhook as plain values, as each process keeps them (see LIVE_WEBHOOKS)."""

    id: int
    url: str
    events: frozenset[str]


def subscribed_webhooks(event: str) -> list[LiveWebhook]:
    """The live webhooks that want this event (from the process's copy)."""
    return [webhook for webhook in LIVE_WEBHOOKS.get() if event in webhook.events]


def _read_live_webhooks() -> tuple[LiveWebhook, ...]:
    """The webhooks not deleted, oldest first."""
    hooks = Webhook.__table__.c
    rows = db.session.execute(
        select(hooks.id, hooks.url, hooks.events)
        .where(hooks.deleted_at.is_(None))
        .order_by(hooks.id)
    )
    return tuple(LiveWebhook(row.id, row.url, frozenset(row.events or ())) for row in rows)


# Each new lead's events ask ("received", "offered"); webhooks change when an
# integration registers or deletes one.
LIVE_WEBHOOKS = VersionedCache("webhooks", _read_live_webhooks, {"webhooks": None})


def signature(secret: str, body: bytes, at: datetime) -> str:
    """The X-LeadRelay-Signature value: t=UNIX_SECONDS,v1=hex HMAC-SHA256 of "{t}.{body}"."""
    timestamp = int(at.timestamp())
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"
