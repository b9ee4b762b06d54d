"""Leads from a CSV file (a trade-show list): check every row first, then store.

A dry run checks and stores nothing. A real import stores nothing either when any row
fails, unless the coordinator chooses to import the valid rows; then those are stored
and routed like any lead (source ``import``), and the failed rows are reported.

Each error names the row (the line in the file; the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from app.models import Lead, User
from app.services import intake
from app.services.errors import ValidationFailed

MAX_ROWS = 5000
SOURCE = "import"

CUSTOMER_COLUMNS = ("first_name", "last_name", "email", "phone", "company")
LEAD_COLUMNS = (
    "inquiry_type",
    "interest_category",
    "postal_code",
    "country",
    "delivery",
    "message",
    "volume_estimate",
    "consent",
)
ITEM_COLUMNS = ("product_group", "sku", "interest_type", "item_type", "quantity")
SELLER_COLUMNS = ("preferred_dealer", "preferred_contact")
KNOWN_COLUMNS = CUSTOMER_COLUMNS + LEAD_COLUMNS + ITEM_COLUMNS + SELLER_COLUMNS
REQUIRED_COLUMNS = ("first_name", "last_name", "product_group")
TEMPLATE_HEADER = (
    "first_name,last_name,email,phone,company,inquiry_type,postal_code,country,"
    "product_group,sku,quantity,volume_estimate,message,consent,campaign_id"
)

_YES = {"1", "true", "yes", "y", "x", "ja", "j", "oui", "si"}
_NO = {"", "0", "false", "no", "n", "nein"}
_GROUP_SEPARATOR = re.compile(r"\s*[;|]\s*")
# A lead field path -> the CSV column it came from.
_COLUMN_OF = {
    "customer": "first_name",
    "preferred_seller.dealer": "preferred_dealer",
    "preferred_seller.contact": "preferred_contact",
    "line_items": "product_group",
    "lat": "postal_code",
    "lon": "postal_code",
}


@dataclass(frozen=True)
class RowError:
    """One problem: the row (file line, header = 1), the column, and what is wrong."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did."""

    dry_run: bool
    rows: int = 0
    valid: int = 0
    imported: list[Lead] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        """True when leads were stored."""
        return bool(self.imported)

    @property
    def failed_rows(self) -> int:
        return len({error.row for error in self.errors})


def import_leads(
    content: bytes | str,
    *,
    dry_run: bool,
    import_valid_rows: bool = False,
    default_country: str | None = None,
    campaign: str | None = None,
    actor: User | None = None,
) -> ImportReport:
    """Check every row; unless dry, store and route them (see the module docstring)."""
    report = ImportReport(dry_run=dry_run)
    rows = _read_rows(_decoded(content), report)
    bodies: list[dict] = []
    for row_number, row in rows:
        body = row_to_lead_body(row, default_country=default_country, campaign=campaign)
        try:
            intake.build_lead(body, source=SOURCE)
        except ValidationFailed as error:
            report.errors.extend(
                RowError(row_number, column_for(path, row), message)
                for path, message in error.errors.items()
            )
        else:
            bodies.append(body)
    report.rows = len(rows)
    report.valid = len(bodies)
    if dry_run or not bodies or (report.errors and not import_valid_rows):
        return report
    for body in bodies:
        report.imported.append(intake.create_lead(body, source=SOURCE, actor=actor))
    return report


def _decoded(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on Windows still save CSV in their code page.
        return content.decode("cp1252", errors="replace")


def _read_rows(text: str, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """(file line, row by lower-case column) for every non-empty data row."""
    if not text.strip():
        report.errors.append(RowError(1, "file", "the file is empty"))
        return []
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except csv.Error as error:
        report.errors.append(RowError(1, "file", f"not a CSV file: {error}"))
        return []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if "email" not in header and "phone" not in header:
        missing.append("email")
    for column in missing:
        report.errors.append(RowError(1, column, "this column is missing from the header"))
    duplicated = sorted({column for column in header if column and header.count(column) > 1})
    for column in duplicated:
        report.errors.append(RowError(1, column, "this column appears twice"))
    if missing or duplicated:
        return []
    rows = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            line = reader.line_num
            if len(rows) >= MAX_ROWS:
                report.errors.append(
                    RowError(line, "file", f"more than {MAX_ROWS} rows; split the file")
                )
                return []
            if len(values) > len(header):
                report.errors.append(
                    RowError(line, "file", f"{len(values)} values for {len(header)} columns")
                )
                continue
            # A short row (trailing empty cells dropped by a spreadsheet) leaves them empty.
            cells = dict(zip(header, (value.strip() for value in values), strict=False))
            rows.append((line, cells))
    except csv.Error as error:
        report.errors.append(RowError(reader.line_num, "file", f"unreadable: {error}"))
        return []
    return rows


def row_to_lead_body(
    row: dict[str, str], *, default_country: str | None = None, campaign: str | None = None
) -> dict:
    """A lead body as POST /api/v1/leads takes it, from one CSV row."""

    def cell(name: str) -> str | None:
        value = row.get(name, "")
        return value or None

    groups = _GROUP_SEPARATOR.split(cell("product_group") or "")
    line_items = [
        {
            "product_group": group,
            "sku": cell("sku") if position == 0 else None,
            "interest_type": cell("interest_type") or "buy",
            "item_type": cell("item_type") or "vehicle",
            "quantity": _number(cell("quantity"), int) if cell("quantity") else 1,
        }
        for position, group in enumerate(groups)
        if group or position == 0
    ]
    custom_fields = {
        column: value
        for column, value in row.items()
        if column and column not in KNOWN_COLUMNS and value
    }
    if campaign and "campaign_id" not in custom_fields:
        custom_fields["campaign_id"] = campaign
    body = {
        "customer": {name: cell(name) for name in CUSTOMER_COLUMNS},
        "inquiry_type": (cell("inquiry_type") or "b2c").lower(),
        "interest_category": cell("interest_category"),
        "postal_code": cell("postal_code"),
        "country": cell("country") or default_country,
        "delivery": (cell("delivery") or "pickup").lower(),
        "message": cell("message"),
        "line_items": line_items,
        "custom_fields": custom_fields,
        "consent": _yes_no(cell("consent")),
    }
    if cell("volume_estimate"):
        body["volume_estimate"] = _number(cell("volume_estimate"), float)
    if cell("preferred_dealer") or cell("preferred_contact"):
        body["preferred_seller"] = {
            "dealer": cell("preferred_dealer"),
            "contact": cell("preferred_contact"),
        }
    return body


def column_for(path: str, row: dict[str, str]) -> str:
    """The CSV column a lead field error points at (customer.email -> email)."""
    if path in _COLUMN_OF:
        return _COLUMN_OF[path]
    parts = path.split(".")
    if parts[0] == "customer" and len(parts) > 1:
        return parts[1]
    if parts[0] == "line_items" and len(parts) > 2:
        return parts[2]
    if parts[0] == "custom_fields" and len(parts) > 1:
        return parts[1]
    return parts[0] if parts[0] in row or parts[0] in KNOWN_COLUMNS else path


def _number(text: str | None, kind: type) -> int | float | str | None:
    """A number as a spreadsheet writes it ("1.500,5" or "1,500.5"); the text if not one."""
    if text is None:
        return None
    cleaned = text.replace(" ", "")
    if "," in cleaned and "." in cleaned:
        # The separator that comes last is the decimal one.
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return text  # validation names the column
    if kind is int:
        return int(value) if value.is_integer() else text
    return value


def _yes_no(text: str | None) -> bool | str:
    value = (text or "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return text or ""  # validation names the column
