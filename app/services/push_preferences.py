"""Which kinds of push each device wants: new lead, reminder, answer, taken back.

A preference belongs to a push subscription (one browser on one device), so a
salesperson can keep new leads on the phone and silence them on the office PC. A new
device wants everything. Kinds outside the four (a coordinator's question, the customer
writing again, a lead in the OEM queue) always go out: nobody asked to switch those off.
The sender (app/services/push_delivery.py) asks `devices_wanting` for every row it sends.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, select, true
from ua_parser import parse as parse_user_agent

from app.extensions import db
from app.models import PushSubscription, User
from app.services.errors import NotFound, ValidationFailed

# The four switches, in the order the settings page shows them.
PREFERENCES = ("new_lead", "reminder", "answer", "taken_back")

# Outbox kind (app/services/notify.py) -> the switch that governs it.
PREFERENCE_OF_KIND = {
    "new_offer": "new_lead",
    "assigned": "new_lead",  # a lead a colleague hands you is a new lead for you
    "reminder": "reminder",
    "answer": "answer",
    "withdrawn": "taken_back",
}

_COLUMNS = {
    "new_lead": PushSubscription.wants_new_lead,
    "reminder": PushSubscription.wants_reminder,
    "answer": PushSubscription.wants_answer,
    "taken_back": PushSubscription.wants_taken_back,
}


def _wanting(kind: str) -> ColumnElement[bool]:
    """The condition a device meets when it wants pushes of this outbox kind."""
    preference = PREFERENCE_OF_KIND.get(kind)
    return _COLUMNS[preference].is_(True) if preference else true()


def devices_wanting(user_id: int, kind: str) -> Select:
    """The user's push subscriptions that want a push of this outbox kind."""
    return select(PushSubscription).where(PushSubscription.user_id == user_id, _wanting(kind))


@dataclass(frozen=True)
class Device:
    """One of a user's devices as the settings page lists it."""

    id: int
    name: str
    registered_at: datetime
    this_device: bool
    wants: dict[str, bool]


@lru_cache(maxsize=256)
def device_name(user_agent: str | None) -> str:
    """A short name a person recognises ("Chrome Mobile · Android", "Mobile Safari ·
    iPhone") from a User-Agent header, by ua-parser's maintained rules: the browser, and
    the phone model when the rules know it, else the system. Cached: the first parse in
    a process compiles the rules."""
    if not user_agent:
        return ""
    parsed = parse_user_agent(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent else None
    system = parsed.device.family if parsed.device else None
    if system in (None, "Other", "Generic Smartphone", "Generic Tablet", "K", "Spider"):
        system = parsed.os.family if parsed.os else None
    names = [name for name in (browser, system) if name and name != "Other"]
    return " · ".join(names) if browser else ""


def _wants(subscription: PushSubscription) -> dict[str, bool]:
    return {name: bool(getattr(subscription, column.key)) for name, column in _COLUMNS.items()}


def devices_of(user: User, this_device_id: int | None = None) -> list[Device]:
    """The user's devices, newest first; `this_device_id` is the one the request came from."""
    subscriptions = db.session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user.id)
        .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
    )
    return [
        Device(
            id=subscription.id,
            name=device_name(subscription.user_agent),
            registered_at=subscription.created_at,
            this_device=subscription.id == this_device_id,
            wants=_wants(subscription),
        )
        for subscription in subscriptions
    ]


def save_preferences(user: User, device: object, wanted: list[str]) -> int:
    """Switch on exactly the kinds in `wanted` for one of the user's devices (the others
    off) and return its id; 422 naming the field for a bad id or an unknown kind, 404 for
    a device that is not the user's, and nothing changed either way."""
    device_id = str(device or "").strip()
    if not device_id.isdigit() or len(device_id) > 18:
        raise ValidationFailed("device: not a device", {"device": "must be a device's id"})
    unknown = sorted(set(wanted) - set(PREFERENCES))
    if unknown:
        raise ValidationFailed(
            "wants: unknown kind of notification",
            {"wants": f"must be among {', '.join(PREFERENCES)}"},
        )
    subscription = db.session.get(PushSubscription, int(device_id))
    if subscription is None or subscription.user_id != user.id:
        raise NotFound("no such device", {"device": "no such device"})
    for name, column in _COLUMNS.items():
        setattr(subscription, column.key, name in wanted)
    db.session.commit()
    return subscription.id
