"""Reports: how each dealer answers and converts its offers."""

from collections import defaultdict
from datetime import UTC, date, datetime, time
from statistics import median

from sqlalchemy import select

from app.enums import OfferStatus, Stage
from app.extensions import db
from app.models import Dealer, Lead, Offer, User
from app.services.visibility import visible_to


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def dealer_report(
    start: date | None = None, end: date | None = None, viewer: User | None = None
) -> list[dict]:
    """Per dealer, over offers made from `start` (inclusive) to `end` (exclusive), UTC days;
    of the leads the viewer may see (a regional coordinator: its regions)."""
    query = (
        select(
            Dealer.code,
            Offer.status,
            Offer.offered_at,
            Offer.responded_at,
            Lead.stage,
            Lead.order_value,
            Lead.owner_dealer_id,
            Offer.dealer_id,
        )
        .join(Dealer, Dealer.id == Offer.dealer_id)
        .join(Lead, Lead.id == Offer.lead_id)
    )
    if viewer is not None:
        query = query.where(visible_to(viewer))
    if start:
        query = query.where(Offer.offered_at >= _day_start(start))
    if end:
        query = query.where(Offer.offered_at < _day_start(end))
    rows = db.session.execute(query).all()

    stats: dict[str, dict] = defaultdict(
        lambda: {
            "offers": 0,
            "accepted": 0,
            "declined": 0,
            "expired": 0,
            "won": 0,
            "order_value": 0.0,
            "response_seconds": [],
        }
    )
    for code, status, offered_at, responded_at, stage, order_value, owner_id, dealer_id in rows:
        entry = stats[code]
        entry["offers"] += 1
        if status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED):
            entry[status] += 1
        if status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED) and responded_at is not None:
            entry["response_seconds"].append((responded_at - offered_at).total_seconds())
        if status == OfferStatus.ACCEPTED and stage == Stage.WON and owner_id == dealer_id:
            entry["won"] += 1
            entry["order_value"] += float(order_value or 0)

    items = []
    for code in sorted(stats):
        entry = stats[code]
        seconds = entry.pop("response_seconds")
        entry["acceptance_rate"] = entry["accepted"] / entry["offers"] if entry["offers"] else 0.0
        entry["conversion_rate"] = entry["won"] / entry["accepted"] if entry["accepted"] else 0.0
        entry["median_response_seconds"] = median(seconds) if seconds else None
        entry["order_value"] = round(entry["order_value"], 2)
        items.append({"dealer": code, **entry})
    return items
