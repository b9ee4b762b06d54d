"""The coordinator's live board: every lead, filtered and searched, a keyset page at a time.

Each filter maps onto an index (see the Lead model's board indexes), and a page is read
newest change first along (updated_at, id), so the first page costs the same on a
thousand leads as on a million. Counts per status are capped: an exact count of a
million rows is a full scan, and "1,000+" tells the coordinator as much.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, StringConstraints, ValidationInfo, field_validator
from sqlalchemy import and_, exists, func, or_, select, tuple_

from app.clock import start_of_day, utcnow
from app.enums import LeadStatus, OfferStatus, Stage
from app.extensions import db
from app.models import Dealer, Lead, LineItem, User
from app.schemas import Query, one_of, parse
from app.services.cursors import decode_cursor, encode_cursor
from app.services.duplicates import contact_keys, normalised_phone
from app.services.text_search import starts_with
from app.services.visibility import lead_with_details, visible_to

BOARD_STATUSES = (
    LeadStatus.REVIEW,
    LeadStatus.OFFERED,
    LeadStatus.UNASSIGNED,
    LeadStatus.ACCEPTED,
    LeadStatus.REJECTED,
)
STAGES = tuple(stage.value for stage in Stage)
PAGE_SIZE = 50
COUNT_CAP = 1000
_MAX_TEXT = 120
_LEAD_ID = re.compile(r"^[0-9a-f]{6,32}$")
_PHONE = re.compile(r"^\+?[\d\s()./-]{5,}$")
_POSTAL_PREFIX = re.compile(r"^[A-Za-z0-9 -]{1,12}$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _bounded_text(limit: int) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=limit)]


class BoardFilters(Query):
    """What the coordinator asked the board for, read from its query string (a bad value
    is a ValidationFailed naming it); empty fields filter nothing. Dates are days in the
    coordinator's time zone, both ends inclusive (`board_page` applies the zone)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: one_of(LeadStatus) | Literal[""] = ""
    stage: one_of(Stage) | Literal[""] = ""
    dealer: _bounded_text(40) = ""
    country: _bounded_text(12) = ""
    postal_prefix: _bounded_text(12) = ""
    product_group: _bounded_text(80) = ""
    campaign: _bounded_text(_MAX_TEXT) = ""
    created_from: date | None = None
    created_to: date | None = None
    q: _bounded_text(_MAX_TEXT) = ""

    @field_validator("created_from", "created_to", mode="before")
    @classmethod
    def _blank_is_no_date(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not _ISO_DAY.match(value.strip()):
            raise ValueError("a date as YYYY-MM-DD")
        return value

    @field_validator("country")
    @classmethod
    def _country_code(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ValueError("a two-letter country code such as DE")
        return value.upper()

    @field_validator("postal_prefix")
    @classmethod
    def _postal_prefix(cls, value: str) -> str:
        if value and not _POSTAL_PREFIX.match(value):
            raise ValueError("letters, digits, spaces and dashes only")
        return value.upper()

    @field_validator("created_to")
    @classmethod
    def _not_before_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("created_from")
        if value and start and value < start:
            raise ValueError("must not be before the start date")
        return value

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> BoardFilters:
        """The filters in a query string; raises ValidationFailed naming each bad one."""
        return parse(cls, {key: args.get(key) for key in cls.model_fields if key in args})

    def query_args(self, **extra: str | None) -> dict[str, str]:
        """The filters (and any `extra`, e.g. a cursor) as URL query arguments, only those set."""
        args = {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in self.model_dump().items()
        }
        return {key: value for key, value in {**args, **extra}.items() if value}

    def without_status(self) -> dict[str, str]:
        """Query arguments of every filter but the status (the status tabs' links)."""
        args = self.query_args()
        args.pop("status", None)
        return args

    @property
    def active(self) -> bool:
        """True when anything but the status narrows the board."""
        return bool(self.without_status())


@dataclass
class BoardRow:
    """One lead on the board with what its columns show."""

    lead: Lead
    due_at: datetime | None  # the earliest pending offer's deadline
    seconds_left: int | None  # negative once overdue

    @property
    def overdue(self) -> bool:
        return self.seconds_left is not None and self.seconds_left < 0


@dataclass
class BoardPage:
    """A page of the board: its rows, the next page's cursor, and the status counts."""

    filters: BoardFilters
    rows: list[BoardRow]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)
    count_cap: int = COUNT_CAP


def board_page(
    filters: BoardFilters,
    cursor: str | None = None,
    *,
    viewer: User | None = None,
    timezone: str = "UTC",
    limit: int = PAGE_SIZE,
    now: datetime | None = None,
) -> BoardPage:
    """One page of leads matching the filters, newest change first, and capped counts.

    With a `viewer`, only the leads the visibility rules let that user see (the one home
    of access rules: a regional coordinator's limits apply here too).
    """
    now = now or utcnow()
    conditions = _conditions(filters, timezone)
    if conditions is None:  # e.g. an unknown dealer code: nothing can match
        return BoardPage(filters, [], None, {status: 0 for status in BOARD_STATUSES})
    if viewer is not None:
        conditions.append(visible_to(viewer))
    query = lead_with_details().where(*conditions)
    if filters.status:
        query = query.where(Lead.status == filters.status)
    if cursor:
        after_time, after_id = decode_cursor(cursor)
        query = query.where(tuple_(Lead.updated_at, Lead.id) < tuple_(after_time, after_id))
    leads = list(
        db.session.scalars(query.order_by(Lead.updated_at.desc(), Lead.id.desc()).limit(limit + 1))
    )
    page, more = leads[:limit], len(leads) > limit
    return BoardPage(
        filters=filters,
        rows=[_row(lead, now) for lead in page],
        next_cursor=encode_cursor(page[-1]) if more and page else None,
        counts=_capped_counts(conditions),
    )


def _row(lead: Lead, now: datetime) -> BoardRow:
    deadlines = [offer.expires_at for offer in lead.offers if offer.status == OfferStatus.PENDING]
    due = min(deadlines) if deadlines else None
    return BoardRow(
        lead=lead,
        due_at=due,
        seconds_left=int((due - now).total_seconds()) if due is not None else None,
    )


def _capped_counts(conditions: list) -> dict[str, int]:
    """Leads per status under the other filters, each counted up to COUNT_CAP + 1.

    One query of five capped subqueries: each is an index range of at most a thousand
    entries, so on a busy server the round trips, not the counting, cost the time.
    """
    capped = [
        select(Lead.id).where(*conditions, Lead.status == status).limit(COUNT_CAP + 1).subquery()
        for status in BOARD_STATUSES
    ]
    counts = [select(func.count()).select_from(rows).scalar_subquery() for rows in capped]
    row = db.session.execute(select(*counts)).one()
    return {status: int(count or 0) for status, count in zip(BOARD_STATUSES, row, strict=True)}


def _conditions(filters: BoardFilters, timezone: str) -> list | None:
    """SQL conditions for every filter but the status; None when nothing can match."""
    conditions = []
    if filters.stage:
        conditions.append(Lead.stage == filters.stage)
    if filters.dealer:
        dealer_id = db.session.scalar(
            select(Dealer.id).where(func.lower(Dealer.code) == filters.dealer.lower())
        )
        if dealer_id is None:
            return None
        conditions.append(Lead.holder_dealer_id == dealer_id)
    if filters.country:
        conditions.append(Lead.country == filters.country)
    if filters.postal_prefix:
        conditions.append(_starts_with(Lead.postal_code, filters.postal_prefix))
    if filters.product_group:
        conditions.append(
            exists().where(
                LineItem.lead_id == Lead.id, LineItem.product_group == filters.product_group
            )
        )
    if filters.campaign:
        conditions.append(Lead.campaign == filters.campaign)
    if filters.created_from:
        conditions.append(Lead.created_at >= start_of_day(filters.created_from, timezone))
    if filters.created_to:
        end = start_of_day(filters.created_to + timedelta(days=1), timezone)
        conditions.append(Lead.created_at < end)
    if filters.q:
        conditions.append(search_condition(filters.q))
    return conditions


def search_condition(query: str):
    """Leads whose id, customer e-mail, phone or name matches what the coordinator typed.

    Each branch is an index lookup: an id or id prefix, the e-mail or phone number as
    duplicate detection normalises them (a German number without its +49 is found), or
    a first/last name prefix (case-insensitive).
    """
    text = query.strip()
    lowered = text.lower()
    branches = []
    if _LEAD_ID.match(lowered):
        branches.append(_starts_with(Lead.id, lowered))
    if "@" in text:
        branches.append(Lead.email_key == contact_keys(text, None, None)[0])
    if _PHONE.match(text):
        branches.append(Lead.phone_key == normalised_phone(text, "DE"))
    words = lowered.split()
    if words and "@" not in text and not _PHONE.match(text):
        first, last = func.lower(Lead.first_name), func.lower(Lead.last_name)
        if len(words) == 1:
            branches.append(or_(_starts_with(first, words[0]), _starts_with(last, words[0])))
        else:
            branches.append(
                or_(
                    and_(_starts_with(first, words[0]), _starts_with(last, words[-1])),
                    _starts_with(last, lowered),
                )
            )
    return or_(*branches) if branches else Lead.id == ""


def _starts_with(column, prefix: str):
    """column starts with prefix: a range an index serves, and LIKE to be exact."""
    return and_(column >= prefix, column < prefix + "\uffff", starts_with(column, prefix))
