"""Eligibility and ranking: the contract's routing semantics as one pure function."""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

from app.routing.decision import RoutingDecision, new_candidate, new_exclusion
from app.routing.geo import EARTH_RADIUS_KM, distance_km
from app.routing.profiles import DealerProfile, LeadRequest, RouteRule
from app.routing.route_selection import FALLBACK, select_routes

_RADIANS = math.pi / 180.0
_NOTHING: frozenset[str] = frozenset()
_QUARTER_TURN = math.pi / 2.0

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
_REASON_OTHER_COUNTRY = (
    "The dealer is in another country, and without the customer's location a lead stays "
    "in its own country ({country})."
)
_REASON_DEALER_UNLOCATED = (
    "The dealer's own location is unknown, so its service radius cannot be checked."
)


def rank_dealers(
    lead: LeadRequest,
    dealers: Iterable[DealerProfile],
    routes: Sequence[RouteRule] = (),
) -> RoutingDecision:
    """Decide which eligible dealer gets the lead, rank the rest, and explain the exclusions.

    Filters, in order (an excluded dealer is recorded under the first it fails):
    inactive, absent, already_offered, country (only when the customer's location is
    unknown), route, portfolio, b2b, service, store, delivery, radius, capacity.
    Ranking: preferred seller, product groups covered, SKUs in stock, distance, fewer
    open offers, acceptance rate, median response time, dealer code.
    The same inputs give the same decision, whatever the order of ``dealers``.
    """
    return decide(lead, dealers, routes)


# How many dealers a lazy decision asks load figures for at a time (whole ties at least).
_LOAD_BATCH = 8

LoadCounts = Callable[[list[DealerProfile]], Mapping[str, tuple[int, int]]]
"""Given dealers, their (offers made today, open offers) by code; a dealer left out has (0, 0)."""


def decide(
    lead: LeadRequest,
    dealers: Iterable[DealerProfile],
    routes: Sequence[RouteRule] = (),
    out_of_reach: int = 0,
    codes_are_unique: bool = False,
    load: LoadCounts | None = None,
    enough: int | None = None,
    unexamined_example: DealerProfile | None = None,
) -> RoutingDecision:
    """rank_dealers, told how many dealers a spatial prefilter already left out.

    codes_are_unique skips the duplicate-code check for callers that guarantee it;
    unexamined_example is a dealer the prefilter left out for its portfolio, named in
    the explanation as an example.

    With ``load``, the dealers' ``offers_today`` and ``open_offers`` are not read from
    their profiles but asked of ``load``, and only for as many dealers as the decision
    needs: capacity is the last filter and open offers break ties of distance, so the
    dealers are first ranked on everything else, and ``load`` is asked about them best
    first, a whole tie at a time, until ``enough`` have passed the capacity filter
    (``None``: all of them). The ranked dealers are then exactly the best of a full
    decision, in the same order; the decision counts the rest as ``unchecked``.
    """
    selection = select_routes(routes, lead.interest_category)
    groups = frozenset(lead.product_groups)
    skus = frozenset(lead.skus)
    requested_groups = tuple(sorted(groups))
    requested_skus = tuple(sorted(skus))
    already_offered = lead.excluded_dealers
    required_tag = _REQUIRED_TAG.get(lead.inquiry_type)
    required_reason = _REASON_B2B if required_tag == "b2b" else _REASON_SERVICE
    pickup = lead.delivery == "pickup"
    # Route admission: nothing to check, a code list (a set look-up), or a region check.
    admitted_codes = selection.admitted_codes
    route_filter = (
        None if selection.admits_everyone or admitted_codes is not None else selection.admits
    )
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
    # Without coordinates, the lead's country is the only sure thing about where it is.
    home_country = None if located or not lead.country else lead.country.strip().upper()
    other_country_reason = _REASON_OTHER_COUNTRY.format(country=home_country)
    if located:
        # Haversine with the customer's terms precomputed: this loop is the hot path.
        lat1 = lead.lat * _RADIANS
        lon1 = lead.lon * _RADIANS
        cos_lat1 = math.cos(lat1)
    sin = math.sin
    cos = math.cos
    asin = math.asin
    sqrt = math.sqrt
    inf = math.inf
    diameter = 2.0 * EARTH_RADIUS_KM
    preferred_code = lead.preferred_dealer

    seen: set[str] | None = None if codes_are_unique else set()
    # Both lists hold plain tuples that sort natively (a dealer code is unique, so a sort
    # never compares past it); the dataclasses are built once the order is known.
    eligible: list[tuple] = []
    excluded: list[tuple[float, str, str, str, float | None]] = []
    for dealer in dealers:
        code = dealer.code
        if seen is not None:
            if code in seen:
                raise ValueError(f"dealer code {code!r} appears twice")
            seen.add(code)

        distance = None
        if located and dealer.lat is not None and dealer.lon is not None:
            lat2 = dealer.lat * _RADIANS
            half_dlat = sin((lat2 - lat1) * 0.5)
            half_dlon = sin((dealer.lon * _RADIANS - lon1) * 0.5)
            h = half_dlat * half_dlat + cos_lat1 * cos(lat2) * half_dlon * half_dlon
            distance = diameter * asin(sqrt(h)) if h < 1.0 else diameter * _QUARTER_TURN

        tags = dealer.tags
        if not dealer.active:
            rule, reason = "inactive", _REASON_INACTIVE
        elif dealer.absent:
            rule, reason = "absent", _REASON_ABSENT
        elif code in already_offered:
            rule, reason = "already_offered", _REASON_ALREADY_OFFERED
        elif home_country is not None and (dealer.country or "").upper() != home_country:
            rule, reason = "country", other_country_reason
        elif (admitted_codes is not None and code not in admitted_codes) or (
            route_filter is not None and not route_filter(dealer)
        ):
            rule, reason = "route", route_reason
        elif groups.isdisjoint(tags):
            rule, reason = "portfolio", portfolio_reason
        elif required_tag is not None and required_tag not in tags:
            rule, reason = required_tag, required_reason
        else:
            # Delivery: pickup needs a store within its radius; ship takes online sellers
            # at any distance, or stores within radius. Without the customer's location
            # no radius can be checked, so it is skipped (the explanation says so).
            rule = None
            is_store = "store" in tags
            within = not located or (distance is not None and distance <= dealer.service_radius_km)
            if not pickup and "online" in tags:
                qualified_as = "store" if is_store and located and within else "online"
            elif not is_store:
                rule, reason = (
                    ("store", _REASON_STORE) if pickup else ("delivery", _REASON_DELIVERY)
                )
            elif within:
                qualified_as = "store"
            elif distance is None:
                rule, reason = "radius", _REASON_DEALER_UNLOCATED
            else:
                rule, reason = "radius", _radius_reason(distance, dealer)
            if rule is None and load is None:
                capacity = dealer.daily_capacity
                if capacity is not None and dealer.offers_today >= capacity:
                    rule = "capacity"
                    reason = (
                        f"Daily capacity reached: {dealer.offers_today} of {capacity} "
                        "offers made today."
                    )
        if rule is not None:
            excluded.append((inf if distance is None else distance, code, rule, reason, distance))
            continue

        # The ranking key, in RANKING_ORDER: smaller is better.
        covered = groups & tags
        in_stock = skus & dealer.inventory if skus else _NOTHING
        acceptance = dealer.acceptance_rate
        response = dealer.median_response_seconds
        key = (
            code != preferred_code,
            -len(covered),
            -len(in_stock),
            inf if distance is None else distance,
            dealer.open_offers,
            1.0 if acceptance is None else -acceptance,
            inf if response is None else response,
            code,
        )
        eligible.append((key, dealer, distance, qualified_as, covered, in_stock))

    unchecked = 0
    if load is not None:
        eligible, unchecked = _check_capacity_of_the_best(eligible, excluded, load, enough)
    eligible.sort()
    excluded.sort()  # nearest first, unknown distance last, then by code
    ranked = tuple(
        new_candidate(
            dealer.code,
            distance,
            _sorted_tuple(covered),
            _sorted_tuple(in_stock),
            not key[0],  # preferred
            key[4],  # open offers
            qualified_as,
            dealer.acceptance_rate,
            dealer.median_response_seconds,
        )
        for key, dealer, distance, qualified_as, covered, in_stock in eligible
    )
    return RoutingDecision(
        chosen=ranked[0] if ranked else None,
        ranked=ranked,
        excluded=tuple(new_exclusion(row[1], row[2], row[3], row[4]) for row in excluded),
        route=selection.category,
        route_status=selection.status,
        route_summary=selection.describe(),
        requested_groups=requested_groups,
        requested_skus=requested_skus,
        location_known=located,
        location_note=lead.location_note if not located or lead.location_approximate else None,
        location_approximate=located and lead.location_approximate,
        country_only=home_country,
        preferred_dealer=lead.preferred_dealer,
        out_of_reach=out_of_reach,
        unchecked=unchecked,
        unexamined_example=None
        if unexamined_example is None
        else new_exclusion(
            unexamined_example.code,
            "portfolio",
            portfolio_reason,
            _distance(lead, unexamined_example),
        ),
    )


def _check_capacity_of_the_best(
    eligible: list[tuple], excluded: list[tuple], load: LoadCounts, enough: int | None
) -> tuple[list[tuple], int]:
    """Apply the capacity filter and the open-offers tiebreak to the best dealers only.

    ``eligible`` rows passed every filter but capacity and carry no open offers yet.
    Ranked on the rest of the key (preferred, groups, SKUs, distance), they are asked
    about best first, whole ties at a time: every row not asked about ranks below every
    row asked about, whatever its load, so the rows kept are the top of the full
    ranking. Dealers at capacity join ``excluded``. Returns (rows kept, rows not asked).
    """
    inf = math.inf
    eligible.sort(key=_rank_before_load)
    total = len(eligible)
    kept: list[tuple] = []
    position = 0
    while position < total and (enough is None or len(kept) < enough):
        end = total if enough is None else min(total, position + _LOAD_BATCH)
        last = _rank_before_load(eligible[end - 1])
        while end < total and _rank_before_load(eligible[end]) == last:
            end += 1  # a tie is asked about whole: open offers may reorder it
        chunk = eligible[position:end]
        counts = load([row[1] for row in chunk])
        for key, dealer, distance, qualified_as, covered, in_stock in chunk:
            offers_today, open_offers = counts.get(dealer.code, (0, 0))
            capacity = dealer.daily_capacity
            if capacity is not None and offers_today >= capacity:
                reason = f"Daily capacity reached: {offers_today} of {capacity} offers made today."
                sort_distance = inf if distance is None else distance
                excluded.append((sort_distance, dealer.code, "capacity", reason, distance))
                continue
            key = (*key[:4], open_offers, *key[5:])
            kept.append((key, dealer, distance, qualified_as, covered, in_stock))
        position = end
    return kept, total - position


def _distance(lead: LeadRequest, dealer: DealerProfile) -> float | None:
    if not lead.located or not dealer.located:
        return None
    return distance_km(lead.lat, lead.lon, dealer.lat, dealer.lon)


def _rank_before_load(row: tuple) -> tuple:
    """An eligible row's ranking key up to distance (what is known before load counts)."""
    return row[0][:4]


def _sorted_tuple(items: frozenset[str]) -> tuple[str, ...]:
    return tuple(items) if len(items) < 2 else tuple(sorted(items))


def _radius_reason(distance: float, dealer: DealerProfile) -> str:
    return (
        f"The customer is {distance:.1f} km away, beyond the dealer's "
        f"{dealer.service_radius_km:g} km service radius."
    )
