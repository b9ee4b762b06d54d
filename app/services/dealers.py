"""Dealers: create or replace, look up, list, and what the API shows of them."""

import re

from sqlalchemy import select

from app.enums import Tier
from app.extensions import db
from app.geocoding import PostalCodeFormatError, locate, validate_postal_code
from app.models import Dealer, DealerTag
from app.schemas import DealerIn, parse
from app.services.deadlines import OpeningHoursError, is_timezone, validate_opening_hours
from app.services.errors import NotFound, ValidationFailed


def save_dealer(code: str, data: dict) -> tuple[Dealer, bool]:
    """Create or replace the dealer `code` from an API body; returns (dealer, created)."""
    payload = parse(DealerIn, data)
    errors: dict[str, str] = {}
    parent = None
    if payload.parent:
        parent = get_dealer_or_none(payload.parent)
        if parent is None:
            errors["parent"] = f"no dealer with code {payload.parent}"
        elif parent.tier != Tier.DISTRIBUTOR:
            errors["parent"] = "the parent must be a distributor"
        elif parent.code == code:
            errors["parent"] = "a dealer cannot be its own parent"
    try:
        opening_hours = validate_opening_hours(payload.opening_hours)
    except OpeningHoursError as error:
        errors[error.field] = error.message
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
    if errors:
        raise ValidationFailed("invalid dealer", errors)
    if lat is None and postal_code:
        found = locate(postal_code, payload.country)
        if found is not None:
            lat, lon = found.lat, found.lon

    dealer = get_dealer_or_none(code)
    created = dealer is None
    if created:
        dealer = Dealer(code=code)
        db.session.add(dealer)
    elif payload.tier == "dealer" and any(child.code != code for child in dealer.children):
        raise ValidationFailed("invalid dealer", {"tier": "this distributor still has sub-dealers"})
    dealer.name = payload.name
    dealer.tier = payload.tier
    dealer.parent = parent
    dealer.email = payload.email
    dealer.phone = payload.phone
    dealer.postal_code = postal_code
    dealer.country = payload.country
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
