"""The one source of "now" for services and the worker, so tests can move time."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return _now()


def set_clock(now: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the wall clock."""
    global _now
    _now = now or (lambda: datetime.now(UTC))


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with an explicit Z, or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def zone(name: str | None) -> ZoneInfo:
    """The time zone of this IANA name; UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def start_of_day(day: date, zone_name: str | None) -> datetime:
    """Midnight at the start of `day` in that zone, as aware UTC."""
    return datetime.combine(day, time.min, tzinfo=zone(zone_name)).astimezone(UTC)
