"""Dealers: create or replace, look up, list, and what the API shows of them."""

import re
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.clock import start_of_day
from app.enums import Tier
from app.extensions import db
from app.geocoding import PostalCodeFormatError, locate, validate_postal_code
from app.i18n import default_currency, known_currency
from app.models import Dealer, DealerTag
from app.schemas import DealerIn, parse
from app.services.absence import clear_absence, set_absence
from app.services.deadlines import OpeningHoursError, is_timezone, validate_opening_hours
from app.services.errors import NotFound, ValidationFailed
from app.services.text_search import contains, starts_with


def check_dealer(
    code: str, data: dict, extra_distributors: frozenset[str] | set[str] = frozenset()
):
    """Validate an API body for dealer `code` without storing anything.

    Returns the checked values; raises ValidationFailed naming each bad field. A parent
    may be one of `extra_distributors` (distributors created in the same CSV import).
    """
    payload = parse(DealerIn, data)
    errors: dict[str, str] = {}
    parent = None
    if payload.parent:
        parent = get_dealer_or_none(payload.parent)
        if payload.parent == code:
            errors["parent"] = "a dealer cannot be its own parent"
        elif parent is None and payload.parent not in extra_distributors:
            errors["parent"] = f"no dealer with code {payload.parent}"
        elif parent is not None and parent.tier != Tier.DISTRIBUTOR:
            errors["parent"] = "the parent must be a distributor"
    opening_hours = None
    try:
        opening_hours = validate_opening_hours(payload.opening_hours)
    except OpeningHoursError as error:
        errors[error.field] = error.message
    if payload.currency is not None and not known_currency(payload.currency):
        errors["currency"] = "must be an ISO 4217 currency code such as EUR, CHF or USD"
    if not is_timezone(payload.timezone):
        errors["timezone"] = "must be an IANA time zone such as Europe/Berlin"
    lat, lon = payload.lat, payload.lon
    postal_code = payload.postal_code
    if (lat is None) != (lon is None):
        errors["lat" if lat is None else "lon"] = "give both lat and lon, or neither"
    if postal_code:
        try:
            postal_code = validate_postal_code(postal_code, payload.country)
        except PostalCodeFormatError as error:
            errors["postal_code"] = str(error)
    existing = get_dealer_or_none(code)
    if (
        existing is not None
        and payload.tier == "dealer"
        and any(child.code != code for child in existing.children)
    ):
        errors["tier"] = "this distributor still has sub-dealers"
    if errors:
        raise ValidationFailed("invalid dealer", errors)
    if lat is None and postal_code:
        found = locate(postal_code, payload.country)
        if found is not None:
            lat, lon = found.lat, found.lon
    return payload, parent, postal_code, lat, lon, opening_hours


def save_dealer(code: str, data: dict) -> tuple[Dealer, bool]:
    """Create or replace the dealer `code` from an API body; returns (dealer, created)."""
    payload, parent, postal_code, lat, lon, opening_hours = check_dealer(code, data)
    dealer = get_dealer_or_none(code)
    created = dealer is None
    if created:
        dealer = Dealer(code=code)
        db.session.add(dealer)
    dealer.name = payload.name
    dealer.tier = payload.tier
    dealer.parent = parent if parent is not None else get_dealer_or_none(payload.parent or "")
    dealer.email = payload.email
    dealer.phone = payload.phone
    dealer.postal_code = postal_code
    dealer.town = payload.town
    dealer.country = payload.country
    dealer.currency = payload.currency or default_currency(payload.country)
    dealer.lat, dealer.lon = lat, lon
    dealer.service_radius_km = payload.service_radius_km
    dealer.tags = sorted(set(payload.tags))
    dealer.inventory = list(dict.fromkeys(payload.inventory))
    dealer.daily_capacity = payload.daily_capacity
    dealer.active = payload.active
    dealer.timezone = payload.timezone
    dealer.opening_hours = opening_hours
    _sync_tag_rows(dealer)
    db.session.commit()
    return dealer, created


def save_dealer_with_absence(
    code: str, data: dict, away_from: date | None, away_until: date | None
) -> Dealer:
    """The console's save: the API body, then the absence (days in the dealer's zone).

    Both are checked before anything is stored; an absence needs its days in order.
    """
    if away_from and away_until and away_until <= away_from:
        raise ValidationFailed("bad absence", {"absent_until": "must be after the first day away"})
    dealer, _ = save_dealer(code, data)
    if away_from is None and away_until is None:
        if dealer.absent_from or dealer.absent_until:
            clear_absence(dealer)
        return dealer
    starts = start_of_day(away_from, dealer.timezone) if away_from else None
    ends = start_of_day(away_until, dealer.timezone) if away_until else None
    set_absence(dealer, starts, ends)
    return dealer


def _sync_tag_rows(dealer: Dealer) -> None:
    wanted = set(dealer.tags)
    dealer.tag_rows = [row for row in dealer.tag_rows if row.tag in wanted]
    have = {row.tag for row in dealer.tag_rows}
    dealer.tag_rows.extend(DealerTag(tag=tag) for tag in sorted(wanted - have))


def get_dealer_or_none(code: str) -> Dealer | None:
    """The dealer with this code, if any."""
    return db.session.scalar(select(Dealer).where(Dealer.code == code))


def get_dealer(code: str) -> Dealer:
    """The dealer with this code, or NotFound."""
    dealer = get_dealer_or_none(code)
    if dealer is None:
        raise NotFound("no such dealer", {"code": f"no dealer with code {code}"})
    return dealer


def list_dealers() -> list[Dealer]:
    """All dealers, by code."""
    return list(db.session.scalars(select(Dealer).order_by(Dealer.code)))


def dealer_matches(text: str):
    """SQL condition: code or postal code starts with, or name or town contains, the text
    (any case)."""
    needle = text.strip().lower()
    return or_(
        starts_with(func.lower(Dealer.code), needle),
        contains(func.lower(Dealer.name), needle),
        contains(func.lower(Dealer.town), needle),
        starts_with(Dealer.postal_code, needle),
    )


def search_dealers(text: str, limit: int = 12, within=None) -> list[Dealer]:
    """Dealers matching the text (and the SQL condition `within`, if given), an exact code
    first, active before inactive."""
    needle = text.strip().lower()
    query = (
        select(Dealer)
        .where(dealer_matches(needle))
        .order_by(func.lower(Dealer.code) != needle, Dealer.active.desc(), Dealer.code)
        .limit(limit)
    )
    if within is not None:
        query = query.where(within)
    return list(db.session.scalars(query))


def dealer_page(
    text: str = "", after: str | None = None, limit: int | None = 50
) -> tuple[list[Dealer], str | None]:
    """A page of dealers by code (optionally matching `text`) after the code `after`,
    and the code to continue after (None on the last page; `limit` None: all of them).
    Parents come in the same query: a page shows each dealer's parent code."""
    query = select(Dealer).options(joinedload(Dealer.parent)).order_by(Dealer.code)
    if limit is not None:
        query = query.limit(limit + 1)
    if text.strip():
        query = query.where(dealer_matches(text))
    if after:
        query = query.where(Dealer.code > after)
    rows = list(db.session.scalars(query))
    if limit is None or len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, page[-1].code


_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def check_code(code: str) -> str:
    """A dealer code from a URL: letters, digits, dot, dash, underscore; 1-40 long."""
    if not _CODE_PATTERN.match(code or ""):
        raise ValidationFailed("bad code", {"code": "use 1-40 letters, digits, '.', '-' or '_'"})
    return code


def set_daily_capacity(dealer: Dealer, capacity: int | None) -> Dealer:
    """How many new leads a day the dealer takes (None: no limit); routing skips it beyond."""
    if capacity is not None and not 0 <= capacity <= 100000:
        raise ValidationFailed("bad capacity", {"daily_capacity": "must be 0 to 100000"})
    dealer.daily_capacity = capacity
    db.session.commit()
    return dealer
