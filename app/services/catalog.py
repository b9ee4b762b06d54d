"""The product catalog: SKUs with their name, product group and item type.

The form's product picker reads it; coordinators import it from CSV (one product a
row, upserted by SKU) and get a report naming each bad row and field.
"""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Product
from app.schemas import ProductIn, parse
from app.services.errors import ValidationFailed

CSV_COLUMNS = ("sku", "name", "product_group", "item_type")
MAX_IMPORT_ROWS = 20000


@dataclass
class ImportReport:
    """What a CSV import did: counts, and the errors of each rejected row by line."""

    created: int = 0
    updated: int = 0
    errors: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def list_products(active_only: bool = False, groups: list[str] | None = None) -> list[Product]:
    """The catalog by product group and name; optionally only active ones of some groups."""
    query = select(Product).order_by(Product.product_group, Product.name)
    if active_only:
        query = query.where(Product.active.is_(True))
    if groups:
        query = query.where(Product.product_group.in_(groups))
    return list(db.session.scalars(query))


def product_groups(products: list[Product]) -> list[str]:
    """The distinct groups of these products, in order."""
    return list(dict.fromkeys(product.product_group for product in products))


def save_product(data: dict) -> tuple[Product, bool]:
    """Create or update the product with this SKU (in the caller's transaction)."""
    payload = parse(ProductIn, data)
    product = db.session.scalar(select(Product).where(Product.sku == payload.sku))
    created = product is None
    if created:
        product = Product(sku=payload.sku)
        db.session.add(product)
    product.name = payload.name
    product.product_group = payload.product_group
    product.item_type = payload.item_type
    product.active = payload.active
    return product, created


def import_csv(text: str) -> ImportReport:
    """Upsert every valid row of a catalog CSV; report the others by line and field.

    A file the csv module cannot read at all is a 422 naming `file`, never a 500.
    """
    try:
        return _import_rows(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    except csv.Error as error:
        db.session.rollback()
        raise ValidationFailed("bad csv", {"file": f"is not readable CSV: {error}"}) from None


def _import_rows(reader: csv.DictReader) -> ImportReport:
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in CSV_COLUMNS[:3] if name not in header]
    if missing:
        raise ValidationFailed(
            "bad csv",
            {"file": f"the header must name {', '.join(CSV_COLUMNS)}; missing {missing[0]}"},
        )
    reader.fieldnames = header
    report = ImportReport()
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if len(seen) + len(report.errors) >= MAX_IMPORT_ROWS:
            report.errors.append((line, {"file": f"at most {MAX_IMPORT_ROWS} rows"}))
            break
        values = {key: (value or "").strip() for key, value in row.items() if key in CSV_COLUMNS}
        if not values.get("item_type"):
            values.pop("item_type", None)
        sku = values.get("sku", "")
        if sku in seen:
            report.errors.append((line, {"sku": f"repeats line {seen[sku]}"}))
            continue
        try:
            _, created = save_product(values)  # validates before it touches the session
        except ValidationFailed as error:
            report.errors.append((line, error.errors))
            continue
        seen[sku] = line
        if created:
            report.created += 1
        else:
            report.updated += 1
    db.session.commit()
    return report
