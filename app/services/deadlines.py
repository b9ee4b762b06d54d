"""When an offer's answer is due: the SLA counted in the dealer's opening hours.

Opening hours are stored on the dealer as JSON, in the dealer's own time zone:

    {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [["09:00", "13:00"]]}

A day that is missing (or has an empty list) is closed; "24:00" closes at midnight.
Null means always open. An interval never crosses midnight: write a night shift as
two intervals on two days. Time is counted in real elapsed seconds, so the short
and the long day of a daylight-saving change are counted as they really are.

Everything here is a pure function of its arguments (no database, no clock).
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from app.clock import zone as time_zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
# A week with at least one open minute is validated, so a deadline is always found
# within SLA / (open seconds a week) weeks; this bound only guards against bugs.
_MAX_DAYS = 366 * 20


class OpeningHoursError(ValueError):
    """Opening hours that cannot be used; `field` is the dotted path of the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def validate_opening_hours(hours: object) -> dict[str, list[list[str]]] | None:
    """Check opening hours and return them normalised (sorted, closed days left out).

    Raises OpeningHoursError naming the field (`opening_hours.mon.0`) on bad input.
    """
    if hours is None:
        return None
    if not isinstance(hours, dict):
        raise OpeningHoursError(
            "opening_hours", 'give an object such as {"mon": [["08:00", "18:00"]]}'
        )
    normalised: dict[str, list[list[str]]] = {}
    for day, intervals in hours.items():
        field = f"opening_hours.{day}"
        if day not in WEEKDAYS:
            raise OpeningHoursError(field, f"unknown day; use {', '.join(WEEKDAYS)}")
        if not isinstance(intervals, list):
            raise OpeningHoursError(field, "give a list of [opens, closes] pairs")
        parsed = []
        for index, interval in enumerate(intervals):
            where = f"{field}.{index}"
            if (
                not isinstance(interval, list | tuple)
                or len(interval) != 2
                or not all(isinstance(value, str) for value in interval)
            ):
                raise OpeningHoursError(where, 'give a pair such as ["08:00", "18:00"]')
            opens, closes = interval
            if not _TIME.match(opens) or opens == "24:00":
                raise OpeningHoursError(where, f"{opens!r} is not a time from 00:00 to 23:59")
            if not _TIME.match(closes):
                raise OpeningHoursError(where, f"{closes!r} is not a time from 00:01 to 24:00")
            if _minutes(closes) <= _minutes(opens):
                raise OpeningHoursError(where, "closes before it opens; split a night in two days")
            parsed.append((opens, closes))
        parsed.sort()
        for (_, closes), (opens, _) in zip(parsed, parsed[1:], strict=False):
            if _minutes(opens) < _minutes(closes):
                raise OpeningHoursError(field, "intervals overlap")
        if parsed:
            normalised[day] = [list(pair) for pair in parsed]
    if not normalised:
        raise OpeningHoursError(
            "opening_hours", "open at least one day, or give null (always open)"
        )
    return {day: normalised[day] for day in WEEKDAYS if day in normalised}


def offer_deadline(dealer, offered_at: datetime, sla_seconds: float) -> datetime:
    """The instant the dealer's answer is due: `sla_seconds` of its open hours after `offered_at`.

    `dealer` needs `opening_hours` and `timezone` (a Dealer row or anything alike).
    Always-open dealers get the plain SLA.
    """
    return open_time_after(dealer.opening_hours, dealer.timezone, offered_at, sla_seconds)


def reminder_due(
    dealer, offered_at: datetime, sla_seconds: float, fraction: float
) -> datetime | None:
    """When to remind the dealer: after `fraction` of the SLA in open hours; None: never."""
    if not 0 < fraction < 1:
        return None
    return offer_deadline(dealer, offered_at, sla_seconds * fraction)


def open_time_after(
    hours: dict | None, timezone: str | None, start: datetime, seconds: float
) -> datetime:
    """The instant at which `seconds` of open time have passed since `start`."""
    if start.tzinfo is None:
        raise ValueError("give an aware datetime")
    remaining = timedelta(seconds=seconds)
    if not hours:
        return start + remaining
    zone = time_zone(timezone)
    cursor = start.astimezone(UTC)
    day = cursor.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        for opens, closes in _open_intervals(hours, zone, day):
            if closes <= cursor:
                continue
            begin = max(opens, cursor)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
            cursor = closes
        day += timedelta(days=1)
    raise ValueError("opening hours never open")


def _open_intervals(hours: dict, zone: ZoneInfo, day: date) -> list[tuple[datetime, datetime]]:
    """The day's open intervals as aware UTC instants."""
    result = []
    for opens, closes in hours.get(WEEKDAYS[day.weekday()], ()):
        start = _local_instant(day, opens, zone)
        end = _local_instant(day, closes, zone)
        if end > start:
            result.append((start, end))
    return result


def _local_instant(day: date, clock: str, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a local day as an aware instant; "24:00" is the next midnight.

    A wall time skipped by a spring-forward change maps to the instant just after the
    gap (zoneinfo's fold=0 rule); a repeated one in autumn to its first occurrence.
    """
    if clock == "24:00":
        local = datetime.combine(day + timedelta(days=1), time(0, 0), zone)
    else:
        hour, minute = (int(part) for part in clock.split(":"))
        local = datetime.combine(day, time(hour, minute), zone)
    # In UTC: arithmetic on aware datetimes sharing one zone is wall-clock arithmetic,
    # which would count a daylight-saving day as 24 hours.
    return local.astimezone(UTC)


def _minutes(clock: str) -> int:
    hour, minute = (int(part) for part in clock.split(":"))
    return hour * 60 + minute


_TIMEZONES = frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    """True for an IANA time zone name this machine knows (Europe/Berlin, UTC, ...)."""
    return name in _TIMEZONES
