"""Eligibility and ranking: the contract's routing semantics as one pure function."""

import math
from collections.abc import Iterable, Sequence

from app.routing.decision import Candidate, Exclusion, RoutingDecision
from app.routing.geo import EARTH_RADIUS_KM
from app.routing.interest_routes import FALLBACK, UNRESTRICTED, select_routes
from app.routing.profiles import DealerProfile, InterestRoute, LeadRequest

# Tag an inquiry type requires of the dealer, if any.
_REQUIRED_TAG = {"b2b": "b2b", "service": "service"}

# Reasons that do not depend on the dealer are built once (they are the bulk of a
# large network's exclusions, so building them per dealer would be wasted time).
_REASON_INACTIVE = "The dealer is inactive."
_REASON_ABSENT = "The dealer is absent (on holiday) right now."
_REASON_ALREADY_OFFERED = (
    "The dealer already had this lead (declined, let expire, withdrawn or accepted)."
)
_REASON_B2B = "Business (b2b) inquiries need a dealer tagged 'b2b'."
_REASON_SERVICE = "Service inquiries need a dealer tagged 'service'."
_REASON_STORE = "Pickup needs a store (tag 'store')."
_REASON_DELIVERY = "Shipping needs an online seller (tag 'online') or a store within its radius."
_REASON_DEALER_UNLOCATED = (
    "The dealer's own location is unknown, so its service radius cannot be checked."
)


def rank_dealers(
    lead: LeadRequest,
    dealers: Iterable[DealerProfile],
    routes: Sequence[InterestRoute] = (),
) -> RoutingDecision:
    """Decide which eligible dealer gets the lead, rank the rest, and explain the exclusions.

    Filters, in order (an excluded dealer is recorded under the first it fails):
    inactive, absent, already_offered, route, portfolio, b2b, service, store, delivery,
    radius, capacity. Ranking: preferred seller, product groups covered, SKUs in stock,
    distance, fewer open offers, acceptance rate, median response time, dealer code.
    The same inputs give the same decision, whatever the order of ``dealers``.
    """
    return decide(lead, dealers, routes)


def decide(
    lead: LeadRequest,
    dealers: Iterable[DealerProfile],
    routes: Sequence[InterestRoute] = (),
    out_of_reach: int = 0,
) -> RoutingDecision:
    """rank_dealers, told how many dealers a spatial prefilter already left out."""
    selection = select_routes(routes, lead.interest_category)
    groups = frozenset(lead.product_groups)
    skus = frozenset(lead.skus)
    requested_groups = tuple(sorted(groups))
    requested_skus = tuple(sorted(skus))
    already_offered = lead.excluded_dealers
    required_tag = _REQUIRED_TAG.get(lead.inquiry_type)
    required_reason = _REASON_B2B if required_tag == "b2b" else _REASON_SERVICE
    pickup = lead.delivery == "pickup"
    route_filter = None if selection.status == UNRESTRICTED else selection.admits
    route_reason = (
        "No interest route covers this lead's category."
        if selection.status == FALLBACK
        else f"The dealer is not admitted by interest route {selection.category!r}."
    )
    portfolio_reason = (
        "The dealer carries none of the requested product groups "
        f"({', '.join(requested_groups) or 'none given'})."
    )

    located = lead.located
    if located:
        # Haversine with the customer's terms precomputed: this loop is the hot path.
        lat1 = math.radians(lead.lat)
        lon1 = math.radians(lead.lon)
        cos_lat1 = math.cos(lat1)
    sin = math.sin
    cos = math.cos
    asin = math.asin
    sqrt = math.sqrt
    radians = math.radians
    diameter = 2.0 * EARTH_RADIUS_KM

    seen: set[str] = set()
    eligible: list[Candidate] = []
    excluded: list[Exclusion] = []
    for dealer in dealers:
        code = dealer.code
        if code in seen:
            raise ValueError(f"dealer code {code!r} appears twice")
        seen.add(code)

        distance = None
        if located and dealer.lat is not None and dealer.lon is not None:
            lat2 = radians(dealer.lat)
            h = (
                sin((lat2 - lat1) * 0.5) ** 2
                + cos_lat1 * cos(lat2) * sin((radians(dealer.lon) - lon1) * 0.5) ** 2
            )
            distance = diameter * asin(min(1.0, sqrt(h)))

        tags = dealer.tags
        if not dealer.active:
            excluded.append(Exclusion(code, "inactive", _REASON_INACTIVE, distance))
            continue
        if dealer.absent:
            excluded.append(Exclusion(code, "absent", _REASON_ABSENT, distance))
            continue
        if code in already_offered:
            excluded.append(Exclusion(code, "already_offered", _REASON_ALREADY_OFFERED, distance))
            continue
        if route_filter is not None and not route_filter(dealer):
            excluded.append(Exclusion(code, "route", route_reason, distance))
            continue
        covered = groups & tags
        if not covered:
            excluded.append(Exclusion(code, "portfolio", portfolio_reason, distance))
            continue
        if required_tag is not None and required_tag not in tags:
            excluded.append(Exclusion(code, required_tag, required_reason, distance))
            continue

        # Delivery: pickup needs a store within radius; ship takes online sellers at any
        # distance, or stores within radius. Without the customer's location the radius
        # cannot be checked, so it is skipped (and the explanation says so).
        is_store = "store" in tags
        if pickup or "online" not in tags:
            if not is_store:
                if pickup:
                    excluded.append(Exclusion(code, "store", _REASON_STORE, distance))
                else:
                    excluded.append(Exclusion(code, "delivery", _REASON_DELIVERY, distance))
                continue
            if located:
                if distance is None:
                    excluded.append(Exclusion(code, "radius", _REASON_DEALER_UNLOCATED, None))
                    continue
                if distance > dealer.service_radius_km:
                    excluded.append(
                        Exclusion(code, "radius", _radius_reason(distance, dealer), distance)
                    )
                    continue
            qualified_as = "store"
        elif is_store and located and distance is not None and distance <= dealer.service_radius_km:
            qualified_as = "store"
        else:
            qualified_as = "online"

        capacity = dealer.daily_capacity
        if capacity is not None and dealer.offers_today >= capacity:
            reason = (
                f"Daily capacity reached: {dealer.offers_today} of {capacity} offers made today."
            )
            excluded.append(Exclusion(code, "capacity", reason, distance))
            continue

        eligible.append(
            Candidate(
                code=code,
                distance_km=distance,
                covered_groups=tuple(sorted(covered)),
                skus_in_stock=tuple(sorted(skus & dealer.inventory)),
                preferred=code == lead.preferred_dealer,
                open_offers=dealer.open_offers,
                qualified_as=qualified_as,
                acceptance_rate=dealer.acceptance_rate,
                median_response_seconds=dealer.median_response_seconds,
            )
        )

    ranked = tuple(sorted(eligible, key=Candidate.sort_key))
    excluded.sort(key=_exclusion_order)
    return RoutingDecision(
        chosen=ranked[0] if ranked else None,
        ranked=ranked,
        excluded=tuple(excluded),
        route=selection.category,
        route_status=selection.status,
        route_summary=selection.describe(),
        requested_groups=requested_groups,
        requested_skus=requested_skus,
        location_known=located,
        location_note=None if located else lead.location_note,
        preferred_dealer=lead.preferred_dealer,
        out_of_reach=out_of_reach,
    )


def _exclusion_order(exclusion: Exclusion) -> tuple[float, str]:
    """Nearest first (unknown distance last), then by code: stable under any input order."""
    distance = exclusion.distance_km
    return (math.inf if distance is None else distance, exclusion.code)


def _radius_reason(distance: float, dealer: DealerProfile) -> str:
    return (
        f"The customer is {distance:.1f} km away, beyond the dealer's "
        f"{dealer.service_radius_km:g} km service radius."
    )
