"""Dealers as CSV: export the network, and import it back with a dry run first.

One row per dealer; the columns are the dealer API's fields. Lists (tags, inventory) are
separated by "|", opening hours are written "mon 08:00-18:00; sat 09:00-13:00". A column
left out of the file keeps each dealer's current value, so a file with only `code` and
`daily_capacity` changes capacities and nothing else.

The dry run (`plan_import`) checks every row with the same rules as
`PUT /api/v1/dealers/{code}` and lists what would change; `apply_import` refuses a file
with any error, then saves each row through that same service, distributors first (a
dealer may name a distributor created further down the file).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from app.models import Dealer
from app.services import dealers as dealer_service
from app.services.errors import ValidationFailed
from app.services.serialisation import dealer_out

COLUMNS = (
    "code",
    "name",
    "tier",
    "parent",
    "email",
    "phone",
    "postal_code",
    "town",
    "country",
    "lat",
    "lon",
    "service_radius_km",
    "tags",
    "inventory",
    "daily_capacity",
    "active",
    "timezone",
    "opening_hours",
    "currency",  # last: files written before it existed keep their column positions
)
LIST_COLUMNS = ("tags", "inventory")
NUMBER_COLUMNS = ("lat", "lon", "service_radius_km")
MAX_ROWS = 20000
_TRUE = {"1", "true", "yes", "y", "x", "ja"}
_FALSE = {"0", "false", "no", "n", "", "nein"}
_DAY_LINE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)\s+(.*)$", re.IGNORECASE)
_INTERVAL = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")


@dataclass
class ImportRow:
    """One line of the file and what it would do."""

    line: int
    code: str
    action: str  # create | update | unchanged | error
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    body: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    """The dry run's verdict on a whole file."""

    rows: list[ImportRow]
    file_errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(row.action != "error" for row in self.rows)

    def count(self, action: str) -> int:
        """How many rows would do `action`."""
        return sum(1 for row in self.rows if row.action == action)


def export_csv(dealers: list[Dealer]) -> str:
    """The dealers as CSV text in the import format (a header row, one dealer a line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for dealer in dealers:
        body = _dealer_values(dealer)
        writer.writerow(_cell(column, body.get(column)) for column in COLUMNS)
    return out.getvalue()


def _cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if column in LIST_COLUMNS:
        return "|".join(value)
    if column == "opening_hours":
        return format_opening_hours(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and column == "service_radius_km":
        return str(int(value))
    return str(value)


def format_opening_hours(hours: dict | None) -> str:
    """{"mon": [["08:00", "18:00"]]} -> "mon 08:00-18:00"; "" for always open."""
    if not hours:
        return ""
    return "; ".join(
        f"{day} " + " ".join(f"{opens}-{closes}" for opens, closes in intervals)
        for day, intervals in hours.items()
    )


def parse_opening_hours(text: str | None, field_name: str = "opening_hours") -> dict | None:
    """ "mon 08:00-12:00 13:00-18:00; sat 09:00-13:00" (or one day a line) -> the API's dict.

    Empty text means always open (None). The times themselves are checked by the dealer
    service, which names the field as the API does (opening_hours.mon.0).
    """
    text = (text or "").strip()
    if not text:
        return None
    hours: dict[str, list[list[str]]] = {}
    for part in re.split(r"[;\n]+", text):
        part = part.strip()
        if not part:
            continue
        match = _DAY_LINE.match(part)
        if not match:
            raise ValidationFailed(
                "bad opening hours",
                {field_name: f"write a day then times, e.g. 'mon 08:00-18:00' (not '{part}')"},
            )
        day = match.group(1).lower()
        intervals = []
        for piece in re.split(r"[\s,]+", match.group(2).strip()):
            interval = _INTERVAL.match(piece)
            if not interval:
                raise ValidationFailed(
                    "bad opening hours",
                    {f"{field_name}.{day}": f"write times as 08:00-18:00 (not '{piece}')"},
                )
            intervals.append([interval.group(1).zfill(5), interval.group(2).zfill(5)])
        hours.setdefault(day, []).extend(intervals)
    return hours


def plan_import(text: str) -> ImportPlan:
    """The dry run: every row checked against the dealer rules, and its changes listed."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "code" not in header:
        return ImportPlan([], {"file": "the first line must name the columns, with 'code'"})
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        return ImportPlan([], {"file": f"unknown columns: {', '.join(unknown)}"})
    reader.fieldnames = header
    raw_rows = list(reader)
    if len(raw_rows) > MAX_ROWS:
        return ImportPlan([], {"file": f"at most {MAX_ROWS} dealers a file"})
    distributors_in_file = {
        (row.get("code") or "").strip()
        for row in raw_rows
        if (row.get("tier") or "").strip().lower() == "distributor"
    }
    rows, seen = [], set()
    for number, raw in enumerate(raw_rows, start=2):
        rows.append(_plan_row(number, raw, header, distributors_in_file, seen))
    return ImportPlan(rows)


def _plan_row(line: int, raw: dict, header: list[str], distributors: set[str], seen: set[str]):
    code = (raw.get("code") or "").strip()
    row = ImportRow(line=line, code=code, action="error")
    try:
        dealer_service.check_code(code)
    except ValidationFailed as error:
        row.errors = error.errors
        return row
    if code.lower() in seen:
        row.errors = {"code": "this code is already on an earlier line"}
        return row
    seen.add(code.lower())
    existing = dealer_service.get_dealer_or_none(code)
    before = _editable(_dealer_values(existing)) if existing else {}
    try:
        body = {**before, **_row_values(raw, header)}
        row.body = body
        dealer_service.check_dealer(code, body, extra_distributors=distributors)
    except ValidationFailed as error:
        row.errors = error.errors
        return row
    if existing is None:
        row.action = "create"
        return row
    after = _editable(_dealer_values(existing) | body)
    row.changes = {
        name: (before.get(name), after.get(name))
        for name in header
        if name != "code" and _comparable(before.get(name)) != _comparable(after.get(name))
    }
    row.action = "update" if row.changes else "unchanged"
    return row


def _dealer_values(dealer: Dealer) -> dict:
    """A stored dealer as the API shows it (JSON values)."""
    return dealer_out(dealer).model_dump(mode="json")


def _editable(body: dict) -> dict:
    """A dealer's API view without what an import does not set (code, absence)."""
    return {key: value for key, value in body.items() if key in COLUMNS and key != "code"}


def _comparable(value: object) -> object:
    if isinstance(value, list):
        return sorted(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _row_values(raw: dict, header: list[str]) -> dict:
    """The row's cells turned into API values; a bad cell is a ValidationFailed naming it."""
    values: dict = {}
    errors: dict[str, str] = {}
    for name in header:
        if name == "code":
            continue
        cell = (raw.get(name) or "").strip()
        try:
            values[name] = _value(name, cell)
        except ValidationFailed as error:
            errors.update(error.errors)
        except ValueError:
            errors[name] = "must be a number"
    if errors:
        raise ValidationFailed("bad row", errors)
    return values


def _value(name: str, cell: str) -> object:
    if name in LIST_COLUMNS:
        return [part.strip() for part in re.split(r"[|;]", cell) if part.strip()]
    if name in NUMBER_COLUMNS:
        return float(cell.replace(",", ".")) if cell else None
    if name == "daily_capacity":
        return int(cell) if cell else None
    if name == "active":
        lowered = cell.lower()
        if lowered not in _TRUE | _FALSE:
            raise ValidationFailed("bad flag", {"active": "write yes or no"})
        return lowered in _TRUE
    if name == "opening_hours":
        return parse_opening_hours(cell)
    if name == "tier":
        return cell.lower() or "dealer"
    if name == "country":
        return cell.upper() or "DE"
    if name == "currency":
        return cell.upper() or None  # empty: the currency of the dealer's country
    if name == "timezone":
        return cell or "UTC"
    return cell or None


def apply_import(text: str) -> ImportPlan:
    """Save every row of a clean file through the dealer service; a file with errors changes
    nothing (the plan comes back to show them)."""
    plan = plan_import(text)
    if not plan.ok:
        return plan
    ordered = sorted(
        (row for row in plan.rows if row.action in ("create", "update")),
        key=lambda row: row.body.get("tier") != "distributor",
    )
    for row in ordered:
        dealer_service.save_dealer(row.code, row.body)
    return plan
