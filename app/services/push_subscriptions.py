"""Web push subscriptions (one per user and device) and the server's VAPID identity."""

import binascii
import functools
import os

from flask import current_app
from py_vapid.utils import b64urldecode
from sqlalchemy import ColumnElement, Exists, delete, exists, select

from app.clock import utcnow
from app.extensions import db
from app.models import PushSubscription, User
from app.services.errors import ValidationFailed
from app.webpush import (
    UnsafePushEndpoint,
    VapidKeys,
    check_push_endpoint,
    load_or_create_vapid_keys,
)

MAX_SUBSCRIPTIONS_PER_USER = 10


def has_push_device(user_id: int | ColumnElement[int]) -> Exists:
    """SQL: whether the user (an id, or a users.id column to correlate with) has any device
    subscribed to push."""
    return exists().where(PushSubscription.user_id == user_id)


def allow_private_endpoints() -> bool:
    """True only when a test's local push receiver must be reachable."""
    return bool(current_app.config.get("RELAY_ALLOW_PRIVATE_ENDPOINTS"))


def vapid_keys() -> VapidKeys:
    """The VAPID keys: config or environment first, else instance/vapid_private.pem (made once)."""
    config, env = current_app.config, os.environ

    def setting(name: str) -> str:
        return str(config.get(name) or env.get(name) or "")

    return _load_keys(
        current_app.instance_path,
        setting("VAPID_PRIVATE_KEY"),
        setting("VAPID_PUBLIC_KEY"),
        setting("VAPID_SUBJECT"),
    )


@functools.lru_cache(maxsize=8)
def _load_keys(instance_path: str, private_key: str, public_key: str, subject: str) -> VapidKeys:
    # Cached per process: reading and parsing the PEM on every push would be waste.
    given = {
        "VAPID_PRIVATE_KEY": private_key,
        "VAPID_PUBLIC_KEY": public_key,
        "VAPID_SUBJECT": subject,
    }
    return load_or_create_vapid_keys(instance_path, {k: v for k, v in given.items() if v})


def _key_field(keys: dict, name: str, size: int | None) -> str:
    value = keys.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ValidationFailed("bad subscription", {f"keys.{name}": "is required"})
    try:
        raw = b64urldecode(value.strip().encode())
    except (binascii.Error, ValueError):
        raise ValidationFailed("bad subscription", {f"keys.{name}": "must be base64url"}) from None
    if size is not None and len(raw) != size:
        raise ValidationFailed("bad subscription", {f"keys.{name}": f"must be {size} bytes"})
    return value.strip().rstrip("=")


def save_subscription(user: User, data: object, user_agent: str | None = None) -> PushSubscription:
    """Store the browser's PushSubscription JSON for this user (a device moves to its new user)."""
    if not isinstance(data, dict):
        raise ValidationFailed("bad subscription", {"body": "must be a JSON object"})
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 2000:
        raise ValidationFailed("bad subscription", {"endpoint": "is required"})
    try:
        check_push_endpoint(endpoint, allow_private=allow_private_endpoints())
    except UnsafePushEndpoint as error:
        raise ValidationFailed("bad subscription", {"endpoint": str(error)}) from None
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise ValidationFailed("bad subscription", {"keys": "is required"})
    p256dh = _key_field(keys, "p256dh", 65)
    auth = _key_field(keys, "auth", 16)

    subscription = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    values = {
        "user_id": user.id,
        "p256dh": p256dh,
        "auth": auth,
        "user_agent": (user_agent or "")[:300] or None,
    }
    if subscription is None:
        subscription = PushSubscription(endpoint=endpoint, created_at=utcnow(), **values)
        db.session.add(subscription)
    else:
        for name, value in values.items():
            setattr(subscription, name, value)
    db.session.flush()
    _keep_newest(user)
    db.session.commit()
    return subscription


def _keep_newest(user: User) -> None:
    """Forget a user's oldest devices beyond the limit: a reinstalled app leaves stale ones."""
    stale = list(
        db.session.scalars(
            select(PushSubscription.id)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
            .offset(MAX_SUBSCRIPTIONS_PER_USER)
        )
    )
    if stale:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(stale)))


def delete_subscription(user: User, endpoint: object) -> bool:
    """Forget this user's subscription with that endpoint; True when there was one."""
    if not isinstance(endpoint, str) or not endpoint:
        raise ValidationFailed("bad subscription", {"endpoint": "is required"})
    result = db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint
        )
    )
    db.session.commit()
    return bool(result.rowcount)


def subscription_info(subscription: PushSubscription) -> dict:
    """The PushSubscription JSON that app.webpush.send_push takes."""
    return {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
