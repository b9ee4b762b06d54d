"""Turn database rows into the pure routing engine's inputs.

The engine ranks whatever it is given; this module decides what to give it, using
indexed queries so the cost grows with the dealers near the lead, not the network.
"""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import Dealer, DealerTag, InterestRoute, Lead, Offer
from app.routing import DealerProfile, LeadRequest, bounding_box
from app.routing import InterestRoute as RouteRule


def lead_request(lead: Lead, excluded_codes: frozenset[str]) -> LeadRequest:
    """The routing engine's view of a lead."""
    return LeadRequest(
        inquiry_type=lead.inquiry_type,
        interest_category=lead.interest_category,
        delivery=lead.delivery,
        lat=lead.lat,
        lon=lead.lon,
        product_groups=lead.product_groups,
        skus=tuple(item.sku for item in lead.line_items if item.sku),
        preferred_dealer=lead.preferred_dealer_code,
        excluded_dealers=excluded_codes,
        location_note=lead.location_note,
    )


def codes_already_offered(lead: Lead) -> frozenset[str]:
    """Dealers that already had this lead in any way; never offered it again by routing."""
    rows = db.session.scalars(
        select(Dealer.code)
        .join(Offer, Offer.dealer_id == Dealer.id)
        .where(Offer.lead_id == lead.id)
    )
    return frozenset(rows)


def candidate_dealers(request: LeadRequest) -> list[Dealer]:
    """Active dealers that could possibly take the lead, found through indexes."""
    groups = list(request.product_groups)
    query = select(Dealer).where(
        Dealer.active.is_(True),
        Dealer.id.in_(select(DealerTag.dealer_id).where(DealerTag.tag.in_(groups))),
    )
    if request.lat is not None and request.lon is not None:
        reach = db.session.scalar(
            select(func.max(Dealer.service_radius_km)).where(Dealer.active.is_(True))
        )
        min_lat, max_lat, min_lon, max_lon = bounding_box(request.lat, request.lon, reach or 0)
        near = and_(Dealer.lat.between(min_lat, max_lat), Dealer.lon.between(min_lon, max_lon))
        reachable = [near]
        if request.delivery == "ship":
            reachable.append(
                Dealer.id.in_(select(DealerTag.dealer_id).where(DealerTag.tag == "online"))
            )
        if request.preferred_dealer:
            reachable.append(Dealer.code == request.preferred_dealer)
        query = query.where(or_(*reachable))
    return list(db.session.scalars(query))


def dealer_profiles(dealers: list[Dealer], now: datetime) -> list[DealerProfile]:
    """Routing profiles with today's offer counts (capacity) and open offers (load)."""
    if not dealers:
        return []
    ids = [dealer.id for dealer in dealers]
    open_counts = Counter(
        dict(
            db.session.execute(
                select(Offer.dealer_id, func.count())
                .where(Offer.dealer_id.in_(ids), Offer.status == "pending")
                .group_by(Offer.dealer_id)
            ).all()
        )
    )
    # "Today" is the dealer's local day; fetch the last 26 h and count per dealer.
    recent = db.session.execute(
        select(Offer.dealer_id, Offer.offered_at).where(
            Offer.dealer_id.in_(ids), Offer.offered_at >= now - timedelta(hours=26)
        )
    ).all()
    day_starts = {dealer.id: _local_day_start(dealer, now) for dealer in dealers}
    today_counts = Counter(
        dealer_id for dealer_id, offered_at in recent if offered_at >= day_starts[dealer_id]
    )
    return [
        DealerProfile(
            code=dealer.code,
            active=dealer.active,
            tags=frozenset(dealer.tags),
            inventory=frozenset(dealer.inventory),
            lat=dealer.lat,
            lon=dealer.lon,
            service_radius_km=dealer.service_radius_km,
            daily_capacity=dealer.daily_capacity,
            offers_today=today_counts[dealer.id],
            open_offers=open_counts[dealer.id],
            absent=dealer.is_absent(now),
            country=dealer.country,
            postal_code=dealer.postal_code,
        )
        for dealer in dealers
    ]


def _local_day_start(dealer: Dealer, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(dealer.timezone or "UTC"))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def interest_routes() -> list[RouteRule]:
    """The coordinator's interest-category routes, as routing rules."""
    rows = db.session.scalars(select(InterestRoute).where(InterestRoute.active.is_(True)))
    return [
        RouteRule(
            category=row.category,
            dealer_codes=frozenset(row.dealer_codes or ()),
            countries=frozenset(row.countries or ()),
            postal_prefixes=tuple(row.postal_prefixes or ()),
        )
        for row in rows
    ]
