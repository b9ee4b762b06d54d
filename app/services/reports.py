"""Reports: how offers are answered and converted, per dealer, region, product group or campaign.

Every figure is aggregated by the database in one grouped query over the offers made
in the date range, read from the narrow reporting tables that the offer transitions
keep (app/services/report_facts.py: one row per offer, and one per offer and product
group), so no report joins offers with leads. PostgreSQL adds the median in the same
query (percentile_cont); SQLite, which has no ordered-set aggregates, takes it from a
second, windowed query. Nothing loops over offers in Python.

The definitions, the same for every grouping:
- offers: offers made from `start` (inclusive) to `end` (exclusive), UTC days;
- accepted / declined / expired: those offers by their status now;
- acceptance_rate = accepted / offers; conversion_rate = won / accepted;
- median_response_seconds: median time from offer to the dealer's accept or decline;
- won: accepted offers whose dealer owns the lead and whose lead is won;
- order_values: the sum of those won leads' order values per currency ({"EUR": 9999.0});
  amounts in different currencies are never added together;
- order_value, order_currency: that sum and its currency when the group's won amounts
  are all in one currency (or there are none: 0 and null); with several, both are null;
- decline_reasons: declined offers by reason.
"""

import csv
import io
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, or_, select, text

from app.clock import utcnow
from app.enums import DeclineReason
from app.extensions import db
from app.models import CampaignSpend, Dealer, Lead, ReportOffer, ReportOfferGroup, User
from app.services.errors import NotFound, ValidationFailed
from app.services.visibility import visible_to

DECLINE_REASONS = tuple(reason.value for reason in DeclineReason)
# URL segment -> the key each item carries.
GROUPINGS = {
    "dealers": "dealer",
    "regions": "region",
    "product-groups": "product_group",
    "campaigns": "campaign",
}
FIGURES = (
    "offers",
    "accepted",
    "declined",
    "expired",
    "acceptance_rate",
    "median_response_seconds",
    "won",
    "conversion_rate",
    "order_value",
    "order_currency",
    "order_values",
)
# Won amounts in a currency no dealer has now (a dealer's currency changed since).
OTHER_CURRENCY = "other"
# Response-time histogram buckets: (label, upper bound in seconds, exclusive).
RESPONSE_BUCKETS = (
    ("under 5 min", 300),
    ("5-15 min", 900),
    ("15-60 min", 3600),
    ("1-4 h", 4 * 3600),
    ("4-24 h", 24 * 3600),
    ("over 24 h", None),
)


def day_start(day: date | None) -> datetime | None:
    """Midnight UTC of a day, or None."""
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def check_grouping(grouping: str) -> str:
    """The item key of a report grouping; 404 for an unknown one."""
    if grouping not in GROUPINGS:
        raise NotFound("no such report", {"grouping": f"must be one of {', '.join(GROUPINGS)}"})
    return GROUPINGS[grouping]


def check_range(start: date | None, end: date | None) -> None:
    """A range whose end is not after its start is a 422 naming `to`."""
    if start and end and end <= start:
        raise ValidationFailed("bad range", {"to": "must be after from"})


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _table(grouping: str):
    """The reporting table a grouping reads: per offer and product group, or per offer."""
    return ReportOfferGroup if grouping == "product-groups" else ReportOffer


def _group_key(grouping: str, table):
    """The column a grouping groups by."""
    if grouping == "all":
        return literal("all")
    # Dealers are grouped by id; the codes of the few thousand dealers are read afterwards.
    column = {
        "dealers": "dealer_id",
        "regions": "region",
        "product-groups": "product_group",
        "campaigns": "campaign",
    }[grouping]
    return getattr(table, column)


def _in_range(query, table, start: date | None, end: date | None, viewer: User | None = None):
    """Offers made in [start, end), of the leads the viewer may see (None, or an
    unrestricted coordinator: all; a regional coordinator: its regions' leads)."""
    if viewer is not None and not (viewer.is_coordinator and not viewer.regions):
        query = query.where(table.lead_id.in_(select(Lead.id).where(visible_to(viewer))))
    if start:
        query = query.where(table.offered_at >= day_start(start))
    if end:
        query = query.where(table.offered_at < day_start(end))
    return query


def _count(condition):
    """Rows meeting the condition: count(*) FILTER (WHERE ...) on both databases."""
    return func.count().filter(condition)


def report(
    grouping: str,
    start: date | None = None,
    end: date | None = None,
    viewer: User | None = None,
) -> list[dict]:
    """The figures of one grouping over the offers made in [start, end), one item per key,
    of the leads the viewer may see (None: all)."""
    key_name = check_grouping(grouping)
    check_range(start, end)
    items = _aggregate(grouping, key_name, start, end, viewer)
    if grouping == "campaigns":
        items = _with_spend(items)
    items.sort(key=lambda item: (item[key_name] is None, str(item[key_name] or "")))
    return items


def totals(start: date | None = None, end: date | None = None, viewer: User | None = None) -> dict:
    """The same figures over every offer in the range (a lead in two groups counts once)."""
    check_range(start, end)
    items = _aggregate("all", "all", start, end, viewer)
    return items[0] if items else _empty_item("all", "all")


def _aggregate(
    grouping: str, key_name: str, start: date | None, end: date | None, viewer: User | None
) -> list[dict]:
    """One grouped query over the reporting table (app/services/report_facts.py)."""
    table = _table(grouping)
    key = _group_key(grouping, table)
    postgres = _is_postgres()
    if postgres:
        # The median's sort fits in memory: no temp files. (SET LOCAL: it ends with the
        # request's transaction.)
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    currencies = dealer_currencies()
    columns = [
        key.label("key"),
        func.count().label("offers"),
        _count(table.status == "accepted").label("accepted"),
        _count(table.status == "declined").label("declined"),
        _count(table.status == "expired").label("expired"),
        _count(table.won).label("won"),
        *_currency_sums(table, currencies),
        *[
            _count(and_(table.status == "declined", table.reason == reason)).label(reason)
            for reason in DECLINE_REASONS
        ],
    ]
    if postgres:
        # Ordered-set aggregates skip nulls: offers not answered carry no response time.
        columns.append(
            func.percentile_cont(0.5).within_group(table.response_seconds).label("median")
        )
    query = _in_range(select(*columns), table, start, end, viewer).group_by(key)
    rows = db.session.execute(query).all()
    labels = [*currencies, OTHER_CURRENCY]
    if postgres:
        items = [_item(key_name, row[:-1], row[-1], labels) for row in rows]
    else:
        medians = _medians_windowed(table, key, start, end, viewer)
        items = [_item(key_name, row, medians.get(row[0]), labels) for row in rows]
    if grouping == "dealers":
        codes = {row.id: row.code for row in db.session.execute(select(Dealer.id, Dealer.code))}
        for item in items:
            item["dealer"] = codes.get(item["dealer"])
    return items


def _medians_windowed(table, key, start, end, viewer) -> dict:
    """Median response seconds per key with window functions (SQLite has no percentile)."""
    seconds = table.response_seconds
    ranked = select(
        key.label("key"),
        seconds.label("seconds"),
        func.row_number().over(partition_by=key, order_by=seconds).label("position"),
        func.count().over(partition_by=key).label("total"),
    ).where(seconds.is_not(None))
    ranked = _in_range(ranked, table, start, end, viewer).subquery("ranked")
    middle = ranked.c.position.in_(
        [(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2]  # one row, or the middle two
    )
    rows = db.session.execute(
        select(ranked.c.key, func.avg(ranked.c.seconds)).where(middle).group_by(ranked.c.key)
    ).all()
    return {row[0]: row[1] for row in rows}


def dealer_currencies() -> list[str]:
    """The currencies the network's dealers keep their amounts in, sorted ("CHF", "EUR")."""
    return sorted(db.session.scalars(select(Dealer.currency).distinct()))


def _currency_sums(table, currencies: list[str]) -> list:
    """One sum of won amounts per currency, then one of any other currency: summed apart
    in the same pass over the rows."""
    sums = [
        func.sum(case((table.order_currency == currency, table.order_value))).label(
            f"order_value_{index}"
        )
        for index, currency in enumerate(currencies)
    ]
    elsewhere = or_(table.order_currency.is_(None), table.order_currency.not_in(currencies))
    sums.append(func.sum(case((elsewhere, table.order_value))).label("order_value_other"))
    return sums


def order_figures(values: dict[str, float]) -> dict:
    """order_values, and order_value / order_currency when there is one currency (or none)."""
    shown = {currency: round(value, 2) for currency, value in values.items() if value}
    if len(shown) > 1:
        return {"order_value": None, "order_currency": None, "order_values": shown}
    currency, value = next(iter(shown.items()), (None, 0.0))
    return {"order_value": value, "order_currency": currency, "order_values": shown}


def _item(key_name: str, row, median, currencies: list[str]) -> dict:
    """One report item from a row (key, offers, accepted, declined, expired, won, one
    order-value sum per currency, then one count per decline reason), unpacked by
    position: a dealer report has ten thousand of them."""
    key, offers, accepted, declined, expired, won, *rest = row
    sums, reasons = rest[: len(currencies)], rest[len(currencies) :]
    values = {currency: float(total or 0) for currency, total in zip(currencies, sums, strict=True)}
    return {
        key_name: key,
        "offers": offers,
        "accepted": accepted,
        "declined": declined,
        "expired": expired,
        "acceptance_rate": accepted / offers if offers else 0.0,
        "median_response_seconds": round(float(median), 3) if median is not None else None,
        "won": won,
        "conversion_rate": won / accepted if accepted else 0.0,
        **order_figures(values),
        "decline_reasons": dict(zip(DECLINE_REASONS, reasons, strict=True)),
    }


def _empty_item(key_name: str, key) -> dict:
    return {
        key_name: key,
        **{figure: 0 for figure in FIGURES},
        "acceptance_rate": 0.0,
        "conversion_rate": 0.0,
        "median_response_seconds": None,
        **order_figures({}),
        "decline_reasons": dict.fromkeys(DECLINE_REASONS, 0),
    }


def _with_spend(items: list[dict]) -> list[dict]:
    """Campaign items carry spend and ROI; a campaign with spend but no offers shows too."""
    spends = campaign_spends()
    by_key = {item["campaign"]: item for item in items}
    for campaign in spends.keys() - by_key.keys():
        by_key[campaign] = _empty_item("campaign", campaign)
    for campaign, item in by_key.items():
        spend = spends.get(campaign) if campaign is not None else None
        item["spend"] = spend
        # Spend and order value are compared only when the orders are in one currency.
        value = item["order_value"]
        item["roi"] = round((value - spend) / spend, 4) if spend and value is not None else None
    return list(by_key.values())


def dealer_report(
    start: date | None = None, end: date | None = None, viewer: User | None = None
) -> list[dict]:
    """Per dealer, over offers made from `start` (inclusive) to `end` (exclusive), UTC days."""
    return report("dealers", start, end, viewer)


def response_histogram(
    start: date | None = None, end: date | None = None, viewer: User | None = None
) -> list[dict]:
    """How many answers came within each response-time bucket, in one grouped query."""
    seconds = ReportOffer.response_seconds
    columns = []
    lower = 0
    for _label, upper in RESPONSE_BUCKETS:
        condition = seconds >= lower if upper is None else and_(seconds >= lower, seconds < upper)
        columns.append(_count(condition).label(f"b{len(columns)}"))
        lower = upper or lower
    query = select(*columns).where(seconds.is_not(None))
    row = db.session.execute(_in_range(query, ReportOffer, start, end, viewer)).one()
    return [
        {"bucket": label, "answers": int(row[index] or 0)}
        for index, (label, _) in enumerate(RESPONSE_BUCKETS)
    ]


def set_campaign_spend(campaign: str, spend: float) -> dict:
    """Store what a campaign cost; returns {"campaign", "spend"}."""
    campaign = (campaign or "").strip()
    if not campaign or len(campaign) > 120:
        raise ValidationFailed("bad campaign", {"campaign": "must be 1 to 120 characters"})
    amount = Decimal(str(spend)).quantize(Decimal("0.01"))
    row = db.session.get(CampaignSpend, campaign)
    if row is None:
        row = CampaignSpend(campaign=campaign, spend=amount)
        db.session.add(row)
    row.spend = amount
    row.updated_at = utcnow()
    db.session.commit()
    return {"campaign": campaign, "spend": float(amount)}


def campaign_spends() -> dict[str, float]:
    """Every campaign's recorded spend."""
    return {row.campaign: float(row.spend) for row in db.session.scalars(select(CampaignSpend))}


def csv_fields(key_name: str) -> list[str]:
    """The CSV header: the items' field names, decline reasons as `decline_reasons.REASON`."""
    fields = [key_name, *FIGURES]
    fields += [f"decline_reasons.{reason}" for reason in DECLINE_REASONS]
    if key_name == "campaign":
        fields += ["spend", "roi"]
    return fields


def to_csv(items: list[dict], key_name: str) -> str:
    """A report as CSV text with a header row of the same field names as the JSON items."""
    rows = [
        {
            **item,
            **{f"decline_reasons.{k}": v for k, v in item["decline_reasons"].items()},
            "order_values": "; ".join(
                f"{currency} {value:.2f}" for currency, value in item["order_values"].items()
            ),
        }
        for item in items
    ]
    return rows_to_csv(csv_fields(key_name), rows)


def rows_to_csv(fields: list[str], rows: list[dict]) -> str:
    """Rows as CSV text: a header row of `fields`, then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_cell(row.get(field)) for field in fields])
    return out.getvalue()


def _cell(value) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with a leading '."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
