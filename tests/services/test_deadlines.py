"""Deadlines counted in opening hours: a pure function of hours, time zone and SLA."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.clock import zone as _zone
from app.services.deadlines import (
    WEEKDAYS,
    OpeningHoursError,
    _open_intervals,
    offer_deadline,
    open_time_after,
    reminder_due,
    validate_opening_hours,
)
from tests.hypothesis_profiles import examples


def is_open(hours: dict | None, timezone: str | None, at: datetime) -> bool:
    """The test's oracle: is the dealer open at the instant `at`?"""
    if not hours:
        return True
    zone = _zone(timezone)
    return any(
        opens <= at < closes
        for opens, closes in _open_intervals(hours, zone, at.astimezone(zone).date())
    )


BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_8_TO_18 = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOUR = 3600


def dealer(hours=None, timezone="Europe/Berlin"):
    return SimpleNamespace(opening_hours=hours, timezone=timezone)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_always_open_dealer_gets_the_plain_sla():
    start = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    assert offer_deadline(dealer(None), start, HOUR) == start + timedelta(hours=1)


def test_lead_at_night_starts_the_clock_at_next_opening():
    # Monday 22:00 in Berlin: the hour counts from Tuesday 08:00.
    assert offer_deadline(dealer(WEEKDAYS_8_TO_18), berlin(2026, 11, 23, 22, 0), HOUR) == berlin(
        2026, 11, 24, 9, 0
    )


def test_lead_before_opening_starts_at_opening():
    start = berlin(2026, 11, 24, 6, 30)
    assert offer_deadline(dealer(WEEKDAYS_8_TO_18), start, HOUR) == berlin(2026, 11, 24, 9, 0)


def test_lead_during_opening_hours_counts_from_arrival():
    start = berlin(2026, 11, 24, 10, 15)
    assert offer_deadline(dealer(WEEKDAYS_8_TO_18), start, HOUR) == berlin(2026, 11, 24, 11, 15)


def test_the_sla_carries_over_closing_time_into_the_next_open_day():
    # Friday 17:30 with two hours: 30 minutes on Friday, 90 on Monday.
    start = berlin(2026, 11, 27, 17, 30)
    assert offer_deadline(dealer(WEEKDAYS_8_TO_18), start, 2 * HOUR) == berlin(2026, 11, 30, 9, 30)


def test_a_lunch_break_does_not_count():
    hours = {"tue": [["08:00", "12:00"], ["13:00", "17:00"]]}
    start = berlin(2026, 11, 24, 11, 30)
    assert offer_deadline(dealer(hours), start, HOUR) == berlin(2026, 11, 24, 13, 30)


def test_an_sla_longer_than_a_week_of_hours_spans_weeks():
    hours = {"mon": [["09:00", "10:00"]]}
    start = berlin(2026, 11, 23, 9, 0)
    assert offer_deadline(dealer(hours), start, 3 * HOUR) == berlin(2026, 12, 7, 10, 0)


def test_hours_are_read_in_the_dealers_time_zone():
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 07:00 in New York
    result = offer_deadline(dealer(WEEKDAYS_8_TO_18, "America/New_York"), start, HOUR)
    assert result == datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("America/New_York"))


def test_midnight_closing_is_written_24_00():
    hours = {"sat": [["20:00", "24:00"]], "sun": [["00:00", "02:00"]]}
    start = berlin(2026, 11, 28, 23, 0)
    assert offer_deadline(dealer(hours), start, 2 * HOUR) == berlin(2026, 11, 29, 1, 0)


def test_spring_forward_day_has_23_hours_of_open_time():
    # Europe/Berlin skips 02:00-03:00 on Sunday 29 March 2026.
    all_day = {day: [["00:00", "24:00"]] for day in WEEKDAYS}
    start = berlin(2026, 3, 29, 0, 0)
    deadline = offer_deadline(dealer(all_day), start, 24 * HOUR)
    assert deadline - start == timedelta(hours=24)  # real elapsed time
    assert deadline == berlin(2026, 3, 30, 1, 0)  # 1 o'clock the next day on the wall clock


def test_fall_back_day_counts_the_repeated_hour():
    # Europe/Berlin repeats 02:00-03:00 on Sunday 25 October 2026.
    hours = {"sun": [["00:00", "06:00"]]}
    start = berlin(2026, 10, 25, 0, 0)
    deadline = offer_deadline(dealer(hours), start, 6 * HOUR)
    assert deadline == berlin(2026, 10, 25, 5, 0)  # six real hours end at 05:00 local
    assert deadline.astimezone(UTC) == datetime(2026, 10, 25, 4, 0, tzinfo=UTC)


def test_opening_inside_the_spring_gap_opens_after_it():
    hours = {"sun": [["02:30", "10:00"]]}
    start = berlin(2026, 3, 29, 0, 0)
    assert offer_deadline(dealer(hours), start, HOUR) == berlin(2026, 3, 29, 4, 30)


def test_deadline_across_daylight_saving_with_office_hours():
    # Saturday 17:00 (CET) with two hours: one on Saturday, one on Sunday (CEST).
    hours = {day: [["08:00", "18:00"]] for day in WEEKDAYS}
    deadline = offer_deadline(dealer(hours), berlin(2026, 3, 28, 17, 0), 2 * HOUR)
    assert deadline == berlin(2026, 3, 29, 9, 0)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_reminder_comes_at_its_share_of_the_open_time():
    start = berlin(2026, 11, 27, 17, 0)  # Friday: one hour today, one on Monday
    assert reminder_due(dealer(WEEKDAYS_8_TO_18), start, 2 * HOUR, 0.75) == berlin(
        2026, 11, 30, 8, 30
    )
    assert reminder_due(dealer(WEEKDAYS_8_TO_18), start, 2 * HOUR, 0) is None
    assert reminder_due(dealer(WEEKDAYS_8_TO_18), start, 2 * HOUR, 1) is None


def test_validate_normalises_and_drops_closed_days():
    hours = {
        "tue": [["13:00", "17:00"], ["08:00", "12:00"]],
        "mon": [],
        "sun": [["09:00", "24:00"]],
    }
    assert validate_opening_hours(hours) == {
        "tue": [["08:00", "12:00"], ["13:00", "17:00"]],
        "sun": [["09:00", "24:00"]],
    }
    assert validate_opening_hours(None) is None


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ([["08:00", "18:00"]], "opening_hours"),
        ({"monday": [["08:00", "18:00"]]}, "opening_hours.monday"),
        ({"mon": "08:00-18:00"}, "opening_hours.mon"),
        ({"mon": [["08:00"]]}, "opening_hours.mon.0"),
        ({"mon": [[8, 18]]}, "opening_hours.mon.0"),
        ({"mon": [["8:00", "18:00"]]}, "opening_hours.mon.0"),
        ({"mon": [["08:00", "18:60"]]}, "opening_hours.mon.0"),
        ({"mon": [["24:00", "24:00"]]}, "opening_hours.mon.0"),
        ({"mon": [["22:00", "02:00"]]}, "opening_hours.mon.0"),
        ({"mon": [["08:00", "08:00"]]}, "opening_hours.mon.0"),
        ({"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}, "opening_hours.mon"),
        ({}, "opening_hours"),
        ({"mon": []}, "opening_hours"),
    ],
)
def test_validate_names_the_bad_field(hours, field):
    with pytest.raises(OpeningHoursError) as raised:
        validate_opening_hours(hours)
    assert raised.value.field == field


@st.composite
def opening_hours(draw):
    """Random valid opening hours: up to three intervals a day on random days."""
    hours = {}
    for day in WEEKDAYS:
        cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
        pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if b > a]
        if pairs:
            hours[day] = [[_clock(a), _clock(b)] for a, b in pairs]
    if not hours:
        hours["wed"] = [["09:00", "17:00"]]
    return hours


def _clock(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


def _open_seconds_between(hours, zone, start, end) -> float:
    """Open time in [start, end), measured by walking minute by minute (a slow oracle)."""
    step = timedelta(minutes=1)
    total, cursor = 0.0, start
    while cursor < end:
        if is_open(hours, zone, cursor):
            total += min(step, end - cursor).total_seconds()
        cursor += step
    return total


@settings(max_examples=examples(60), deadline=None)
@given(
    hours=opening_hours(),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]),
    start_minutes=st.integers(0, 60 * 24 * 400),
    sla_minutes=st.integers(1, 60 * 30),
)
def test_deadline_gives_exactly_the_sla_in_open_time(hours, zone, start_minutes, sla_minutes):
    hours = validate_opening_hours(hours)
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=start_minutes)
    deadline = open_time_after(hours, zone, start, sla_minutes * 60)
    assert deadline >= start + timedelta(minutes=sla_minutes)
    assert is_open(hours, zone, deadline - timedelta(seconds=1))
    if deadline - start <= timedelta(days=3):  # keep the minute-by-minute oracle quick
        assert _open_seconds_between(hours, zone, start, deadline) == sla_minutes * 60
