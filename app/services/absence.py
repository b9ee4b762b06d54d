"""A dealer's availability: absences (holidays) and opening hours.

While absent, a dealer is skipped by routing (app/routing filters it) and the worker
takes back its pending routed offers and hands those leads on. Opening hours decide
when an offer's answer is due (app/services/deadlines.py); they do not change who is
offered a lead.
"""

from datetime import date, datetime

from app.clock import start_of_day, utcnow
from app.extensions import db
from app.models import Dealer, User
from app.services import recycling
from app.services.errors import ValidationFailed
from app.services.unit_of_work import unit_of_work


def _check_absence(starts: datetime | None, ends: datetime | None, now: datetime) -> None:
    errors = {}
    for field, value in (("absent_from", starts), ("absent_until", ends)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            errors[field] = "give a date and time with its time zone"
    if not errors and ends is not None:
        if ends <= (starts or now):
            errors["absent_until"] = "the absence must end after it starts"
    if errors:
        raise ValidationFailed("invalid absence", errors)


def set_absence(dealer: Dealer, starts: datetime | None, ends: datetime | None) -> Dealer:
    """Mark the dealer away from `starts` (None: now) until `ends` (None: until cleared).

    An absence that has begun takes the dealer's pending routed offers back at once,
    each lead going to the next eligible dealer.
    """
    now = utcnow()
    _check_absence(starts, ends, now)
    with unit_of_work():
        dealer.absent_from = starts or now
        dealer.absent_until = ends
    if dealer.is_absent(utcnow()):
        # Only this dealer's offers, each in its own transaction like the worker's.
        recycling.hand_on_offers_of_absent_dealers(dealer=dealer)
        db.session.refresh(dealer)
    return dealer


def set_absence_days(
    away: Dealer | User, first_day: date | None, back_on: date | None
) -> Dealer | User:
    """The dealer (or a salesperson) is away from `first_day` (None, today or earlier:
    from now) until the morning of `back_on`, both read in the dealership's time zone."""
    if back_on is None:
        raise ValidationFailed("no end", {"absent_until": "give the day you are back"})
    dealership = away if isinstance(away, Dealer) else away.dealer
    timezone = dealership.timezone if dealership is not None else None
    starts = start_of_day(first_day, timezone) if first_day is not None else None
    if starts is not None and starts < utcnow():
        starts = None  # a start date of today or earlier means "from now"
    set_it = set_absence if isinstance(away, Dealer) else set_user_absence
    return set_it(away, starts, start_of_day(back_on, timezone))


def clear_absence(away: Dealer | User) -> Dealer | User:
    """The dealer (or salesperson) is back: leads reach them again from now on."""
    with unit_of_work():
        away.absent_from = None
        away.absent_until = None
    return away


def set_user_absence(user: User, starts: datetime | None, ends: datetime | None) -> User:
    """A salesperson's own absence: no pushes about new leads, and nobody assigns them
    leads meanwhile (app/services/assignment.py); the dealership stays open."""
    now = utcnow()
    _check_absence(starts, ends, now)
    with unit_of_work():
        user.absent_from = starts or now
        user.absent_until = ends
    return user
