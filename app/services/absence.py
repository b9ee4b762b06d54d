"""A dealer's availability: absences (holidays) and opening hours.

While absent, a dealer is skipped by routing (app/routing filters it) and the worker
takes back its pending routed offers and hands those leads on. Opening hours decide
when an offer's answer is due (app/services/deadlines.py); they do not change who is
offered a lead.
"""

from datetime import datetime

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, User
from app.services import recycling
from app.services.deadlines import OpeningHoursError, is_timezone, validate_opening_hours
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



def set_opening_hours(dealer: Dealer, hours: dict | None, timezone: str | None = None) -> Dealer:
    """Store the dealer's opening hours (null: always open) and optionally its time zone.

    Raises ValidationFailed naming the field (`opening_hours.mon.0`, `timezone`).
    Offers already made keep their deadlines; new offers count the new hours.
    """
    errors = {}
    try:
        normalised = validate_opening_hours(hours)
    except OpeningHoursError as error:
        errors[error.field] = error.message
    if timezone is not None and not is_timezone(timezone):
        errors["timezone"] = "must be an IANA time zone such as Europe/Berlin"
    if errors:
        raise ValidationFailed("invalid opening hours", errors)
    dealer.opening_hours = normalised
    if timezone is not None:
        dealer.timezone = timezone
    db.session.commit()
    return dealer
