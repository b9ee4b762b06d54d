"""Turn database rows into the pure routing engine's inputs.

The engine ranks whatever it is given; this module decides what to give it, using
indexed queries so the cost grows with the dealers near the lead, not the network.
"""

from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Row, case, exists, func, or_, select

from app.extensions import db
from app.models import Dealer, DealerTag, InterestRoute, Lead, Offer, absence_covers
from app.routing import DealerProfile, LeadRequest, RouteRule, bounding_box, distance_km


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
        country=lead.country,
        # A stored note beside coordinates means they were approximated from a prefix.
        location_approximate=lead.lat is not None and bool(lead.location_note),
    )


def codes_already_offered(lead: Lead) -> frozenset[str]:
    """Dealers that already had this lead in any way; never offered it again by routing."""
    return frozenset(offer.dealer.code for offer in lead.offers)


# What routing needs of a dealer: read as plain rows, no ORM objects on the hot path.
DEALERS, DEALER_TAGS, OFFERS = Dealer.__table__.c, DealerTag.__table__.c, Offer.__table__.c
PROFILE_COLUMNS = (
    DEALERS.id,
    DEALERS.code,
    DEALERS.active,
    DEALERS.tags,
    DEALERS.inventory,
    DEALERS.lat,
    DEALERS.lon,
    DEALERS.service_radius_km,
    DEALERS.daily_capacity,
    DEALERS.timezone,
    DEALERS.absent_from,
    DEALERS.absent_until,
    DEALERS.country,
    DEALERS.postal_code,
)


def candidate_dealers(request: LeadRequest) -> list[Row]:
    """Active dealers that could take the lead, found through indexes.

    A located lead reads only the light columns of dealers inside the bounding box of
    the widest service radius (index on active, lat, lon), keeps those that sell one of
    its product groups and reach the customer, adds online sellers for shipped leads and
    the preferred seller, and only then loads full rows. Cost grows with the dealers
    near the lead, not with the network.
    """
    groups = set(request.product_groups)
    if request.lat is None or request.lon is None:
        return list(
            db.session.execute(
                select(*PROFILE_COLUMNS).where(
                    DEALERS.active.is_(True),
                    DEALERS.id.in_(
                        select(DEALER_TAGS.dealer_id).where(DEALER_TAGS.tag.in_(groups))
                    ),
                )
            )
        )
    reach = db.session.scalar(  # index-only: the widest radius among active dealers
        select(DEALERS.service_radius_km)
        .where(DEALERS.active.is_(True))
        .order_by(DEALERS.service_radius_km.desc())
        .limit(1)
    )
    min_lat, max_lat, min_lon, max_lon = bounding_box(request.lat, request.lon, reach or 0)
    near = db.session.execute(
        select(DEALERS.id, DEALERS.lat, DEALERS.lon, DEALERS.service_radius_km).where(
            DEALERS.active.is_(True),
            DEALERS.lat.between(min_lat, max_lat),
            DEALERS.lon.between(min_lon, max_lon),
        )
    ).all()
    in_radius = [
        dealer_id
        for dealer_id, lat, lon, radius in near
        if distance_km(request.lat, request.lon, lat, lon) <= radius
    ]
    sells_a_group = exists().where(DEALER_TAGS.dealer_id == DEALERS.id, DEALER_TAGS.tag.in_(groups))
    reachable = DEALERS.id.in_(in_radius)
    if request.delivery == "ship":
        online = select(DEALER_TAGS.dealer_id).where(DEALER_TAGS.tag == "online")
        reachable = or_(reachable, DEALERS.id.in_(online))
    # No `active` condition in SQL here: it would tempt SQLite to scan the active-dealer
    # index instead of looking the few ids up by primary key. Filtered below instead.
    rows = list(db.session.execute(select(*PROFILE_COLUMNS).where(reachable, sells_a_group)))
    if request.preferred_dealer and all(row.code != request.preferred_dealer for row in rows):
        # The preferred seller is always examined, so the explanation can say why not.
        preferred = select(*PROFILE_COLUMNS).where(DEALERS.code == request.preferred_dealer)
        rows += db.session.execute(preferred).all()
    return [row for row in rows if row.active]


def dealer_profiles(dealers: list[Row], now: datetime) -> list[DealerProfile]:
    """Routing profiles with today's offer counts (capacity) and open offers (load)."""
    if not dealers:
        return []
    open_counts: Counter[int] = Counter()
    today_counts: Counter[int] = Counter()
    # "Today" is each dealer's local day; one grouped query per time zone in play.
    by_day_start: dict[datetime, list[int]] = defaultdict(list)
    for dealer in dealers:
        by_day_start[_local_day_start(dealer, now)].append(dealer.id)
    for day_start, ids in by_day_start.items():
        rows = db.session.execute(
            select(
                OFFERS.dealer_id,
                func.sum(case((OFFERS.status == "pending", 1), else_=0)),
                func.sum(case((OFFERS.offered_at >= day_start, 1), else_=0)),
            )
            .where(
                OFFERS.dealer_id.in_(ids),
                or_(OFFERS.status == "pending", OFFERS.offered_at >= day_start),
            )
            .group_by(OFFERS.dealer_id)
        )
        for dealer_id, pending, today in rows:
            open_counts[dealer_id] = int(pending or 0)
            today_counts[dealer_id] = int(today or 0)
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
            absent=absence_covers(dealer.absent_from, dealer.absent_until, now),
            country=dealer.country,
            postal_code=dealer.postal_code,
        )
        for dealer in dealers
    ]


def _local_day_start(dealer: Row, now: datetime) -> datetime:
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
