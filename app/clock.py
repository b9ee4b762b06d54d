"""The one source of "now" for services and the worker, so tests can move time."""

from collections.abc import Callable
from datetime import UTC, datetime

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
