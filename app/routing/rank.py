"""Eligibility and ranking: the contract's routing semantics as one pure function."""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from functools import partial
from operator import itemgetter

from app.routing.decision import Exclusions, RoutingDecision, new_candidate, new_exclusion
from app.routing.geo import EARTH_RADIUS_KM, distance_km
from app.routing.profiles import DealerProfile, LeadRequest, RouteRule
from app.routing.route_selection import FALLBACK, select_routes

_RADIANS = math.pi / 180.0
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
    # A bit for each tag the filters ask about: the lead's groups and the channels.
    bits: dict[str, int] = {}
    for tag in (*lead.product_groups, *_REQUIRED_TAG.values(), "store", "online"):
        bits.setdefault(tag, 1 << len(bits))
    return decide(lead, [(tag_mask(dealer.tags, bits), dealer) for dealer in dealers], bits, routes)


TaggedDealer = tuple[int, DealerProfile]
"""A dealer and the bit mask of its tags (tag_mask)."""


def tag_mask(tags: Iterable[str], bits: Mapping[str, int]) -> int:
    """The bits of the tags, numbered by ``bits`` (a tag without a bit has none)."""
    mask = 0
    for tag in tags:
        mask |= bits.get(tag, 0)
    return mask


# How many dealers a lazy decision asks load figures for at a time (whole ties at least).
_LOAD_BATCH = 8

LoadCounts = Callable[[list[DealerProfile]], Mapping[str, tuple[int, int]]]
"""Given dealers, their (offers made today, open offers) by code; a dealer left out has (0, 0)."""


def decide(
    lead: LeadRequest,
    dealers: Iterable[TaggedDealer],
    tag_bits: Mapping[str, int],
    routes: Sequence[RouteRule] = (),
    out_of_reach: int = 0,
    codes_are_unique: bool = False,
    load: LoadCounts | None = None,
    enough: int | None = None,
    unexamined_example: DealerProfile | None = None,
    absent: Set[str] = frozenset(),
) -> RoutingDecision:
    """rank_dealers, told how many dealers a spatial prefilter already left out.

    ``dealers`` come with the masks of their tags, by ``tag_bits``, which number (at
    least) every tag among the lead's product groups, 'store', 'online', 'b2b' and
    'service' that any of them carries: the filters on tags are then a few ANDs of
    plain numbers, their answer looked up once per combination of those tags (an
    index holds the masks; a dense lead's candidates share a few dozen).

    codes_are_unique skips the duplicate-code check for callers that guarantee it;
    unexamined_example is a dealer the prefilter left out for its portfolio, named in
    the explanation as an example; ``absent`` names dealers to treat as absent now.

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
    # A dealer past the portfolio filter carries the one group of a one-group lead.
    one_group = groups if len(groups) == 1 else None
    skus = frozenset(lead.skus)
    # The first three ranking steps (preferred, groups covered, SKUs in stock) as one
    # number, smaller is better: its digits, most significant first, are "not the
    # preferred seller" (0 or 1), groups missing (0..len(groups)), SKUs missing.
    group_count, sku_count = len(groups), len(skus)
    sku_levels = sku_count + 1
    not_preferred = (group_count + 1) * sku_levels
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
    # The last place measured: an index hands over the dealers sharing a place (dozens
    # at one postal code in a dense network) one after the other.
    place_lat = place_lon = place_distance = None

    if not codes_are_unique:
        dealers = list(dealers)
        _check_codes_unique(dealer for _, dealer in dealers)
    route_applies = admitted_codes is not None or route_filter is not None

    # The filters on tags (portfolio, b2b or service, store, delivery) and the groups
    # covered depend on the dealer's tags among these bits only: answered once for
    # each combination found (see _tag_verdict), then looked up.
    wanted = tag_mask(groups, tag_bits)
    required_bit = tag_bits.get(required_tag, 0) if required_tag is not None else 0
    store_bit = tag_bits.get("store", 0)
    online_bit = 0 if pickup else tag_bits.get("online", 0)  # pickup is never shipped
    asked_about = wanted | required_bit | store_bit | online_bit
    verdicts: dict[int, tuple] = {}
    verdict_of = partial(
        _tag_verdict,
        wanted=wanted,
        required=(required_bit, required_tag, required_reason),
        store_bit=store_bit,
        online_bit=online_bit,
        portfolio_reason=portfolio_reason,
        pickup=pickup,
        group_levels=None if one_group is not None else (group_count, sku_levels),
    )
    # Both lists hold plain tuples that sort natively (a dealer code is unique, so a sort
    # never compares past it); the dataclasses are built once the order is known, and
    # only for the dealers someone reads (see Exclusions).
    eligible: list[tuple] = []
    excluded: list[tuple] = []
    for mask, dealer in dealers:
        code = dealer.code
        distance = None
        if located:
            lat = dealer.lat
            lon = dealer.lon
            if lat is None or lon is None:
                pass
            elif lat == place_lat and lon == place_lon:
                distance = place_distance
            else:
                lat2 = lat * _RADIANS
                half_dlat = sin((lat2 - lat1) * 0.5)
                half_dlon = sin((lon * _RADIANS - lon1) * 0.5)
                h = half_dlat * half_dlat + cos_lat1 * cos(lat2) * half_dlon * half_dlon
                distance = diameter * asin(sqrt(h)) if h < 1.0 else diameter * _QUARTER_TURN
                place_lat, place_lon, place_distance = lat, lon, distance

        reason = None
        # (A set look-up reads the code's hash from the string object, rarely in the
        # cache on a busy server: the sets are asked only when they hold anything.)
        if not dealer.active:
            rule, reason = "inactive", _REASON_INACTIVE
        elif dealer.absent or (absent and code in absent):
            rule, reason = "absent", _REASON_ABSENT
        elif already_offered and code in already_offered:
            rule, reason = "already_offered", _REASON_ALREADY_OFFERED
        elif home_country is not None and (dealer.country or "").upper() != home_country:
            rule, reason = "country", other_country_reason
        elif route_applies and (
            (admitted_codes is not None and code not in admitted_codes)
            or (route_filter is not None and not route_filter(dealer))
        ):
            rule, reason = "route", route_reason
        else:
            key = mask & asked_about
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = verdict_of(key)
            rule, reason, channel, group_standing = verdict
        if rule is None:
            # Delivery, what the tags leave to the radius: without the customer's
            # location no radius can be checked, so it is skipped (the explanation says so).
            within = not located or (distance is not None and distance <= dealer.service_radius_km)
            if channel is _STORE:
                if within:
                    qualified_as = "store"
                elif distance is None:
                    rule, reason = "radius", _REASON_DEALER_UNLOCATED
                else:
                    rule = "radius"  # its sentence is written only if someone reads it
            else:  # ships online at any distance; a store within its radius counts as one
                qualified_as = (
                    "store" if channel is _STORE_OR_ONLINE and located and within else "online"
                )
            if rule is None and load is None:
                capacity = dealer.daily_capacity
                if capacity is not None and dealer.offers_today >= capacity:
                    rule = "capacity"
                    reason = (
                        f"Daily capacity reached: {dealer.offers_today} of {capacity} "
                        "offers made today."
                    )
        if rule is not None:
            excluded.append(
                (
                    inf if distance is None else distance,
                    code,
                    rule,
                    reason,
                    distance,
                    dealer.service_radius_km,
                )
            )
            continue

        # The ranking key up to distance, what is known before load counts; the rest of
        # RANKING_ORDER is filled in for the dealers ranked in full (see _full_key).
        standing = group_standing
        if preferred_code is None or code != preferred_code:
            standing += not_preferred
        if skus:
            standing += sku_count - len(skus & dealer.inventory)
        eligible.append(
            ((standing, inf if distance is None else distance), dealer, distance, qualified_as)
        )

    unchecked = 0
    if load is None:
        ranked_rows = [
            (_full_key(row[0], row[1], row[1].open_offers), *row[1:]) for row in eligible
        ]
    else:
        ranked_rows, unchecked = _check_capacity_of_the_best(eligible, excluded, load, enough)
    ranked_rows.sort()
    ranked = tuple(
        new_candidate(
            dealer.code,
            distance,
            _sorted_tuple(one_group or groups & dealer.tags),
            _sorted_tuple(skus & dealer.inventory) if skus else (),
            dealer.code == preferred_code,
            key[2],  # open offers
            qualified_as,
            dealer.acceptance_rate,
            dealer.median_response_seconds,
        )
        for key, dealer, distance, qualified_as in ranked_rows
    )
    return RoutingDecision(
        chosen=ranked[0] if ranked else None,
        ranked=ranked,
        excluded=Exclusions(excluded),
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


# How a dealer's tags let it serve the lead's delivery, once they pass (_tag_verdict).
_STORE = "store"  # a store only: within its service radius
_ONLINE = "online"  # an online seller only: ships at any distance
_STORE_OR_ONLINE = "store or online"  # ships at any distance; within its radius, as a store


def _tag_verdict(
    key: int,
    *,
    wanted: int,
    required: tuple[int, str | None, str],
    store_bit: int,
    online_bit: int,
    portfolio_reason: str,
    pickup: bool,
    group_levels: tuple[int, int] | None,
) -> tuple[str | None, str | None, str | None, int]:
    """What the tags whose bits are in ``key`` decide: (rule, reason, channel, standing).

    The rule and its reason when the tags fail a filter (portfolio, b2b or service,
    store or delivery); else None and the channel the dealer may serve the lead by, and
    the ranking's groups part (groups missing times ``group_levels``' SKU levels; 0 if
    the lead asks for one group, which every dealer past the portfolio filter carries).
    """
    required_bit, required_tag, required_reason = required
    if not key & wanted:
        return "portfolio", portfolio_reason, None, 0
    if required_tag is not None and not key & required_bit:
        return required_tag, required_reason, None, 0
    is_store = bool(key & store_bit)
    if key & online_bit:  # never for pickup: online_bit is 0
        channel = _STORE_OR_ONLINE if is_store else _ONLINE
    elif is_store:
        channel = _STORE
    elif pickup:
        return "store", _REASON_STORE, None, 0
    else:
        return "delivery", _REASON_DELIVERY, None, 0
    if group_levels is None:
        return None, None, channel, 0
    group_count, sku_levels = group_levels
    return None, None, channel, (group_count - (key & wanted).bit_count()) * sku_levels


def _full_key(before_load: tuple, dealer: DealerProfile, open_offers: int) -> tuple:
    """The whole ranking key, in RANKING_ORDER: smaller is better (unique: it ends
    with the code, so a sort of rows never compares past it)."""
    acceptance = dealer.acceptance_rate
    response = dealer.median_response_seconds
    return (
        *before_load,
        open_offers,
        1.0 if acceptance is None else -acceptance,
        math.inf if response is None else response,
        dealer.code,
    )


def _check_capacity_of_the_best(
    eligible: list[tuple], excluded: list[tuple], load: LoadCounts, enough: int | None
) -> tuple[list[tuple], int]:
    """Apply the capacity filter and the open-offers tiebreak to the best dealers only.

    ``eligible`` rows passed every filter but capacity and carry the ranking key up to
    distance. Ranked on it, they are asked about best first, whole ties of that key at
    a time: every row not asked about ranks below every row asked about, whatever its
    load, so the rows kept are the top of the full ranking. Dealers at capacity join
    ``excluded``. Returns (rows kept, with their whole key; rows not asked).
    """
    inf = math.inf
    # By that key alone (an int and a float: a quick sort); the order within a tie does
    # not matter, as a tie is asked about whole.
    eligible.sort(key=_before_load)
    total = len(eligible)
    kept: list[tuple] = []
    position = 0
    while position < total and (enough is None or len(kept) < enough):
        end = total if enough is None else min(total, position + _LOAD_BATCH)
        last = eligible[end - 1][0]
        while end < total and eligible[end][0] == last:
            end += 1  # a tie is asked about whole: open offers may reorder it
        chunk = eligible[position:end]
        counts = load([row[1] for row in chunk])
        for before_load, dealer, distance, qualified_as in chunk:
            offers_today, open_offers = counts.get(dealer.code, (0, 0))
            capacity = dealer.daily_capacity
            if capacity is not None and offers_today >= capacity:
                reason = f"Daily capacity reached: {offers_today} of {capacity} offers made today."
                sort_distance = inf if distance is None else distance
                excluded.append((sort_distance, dealer.code, "capacity", reason, distance, None))
                continue
            key = _full_key(before_load, dealer, open_offers)
            kept.append((key, dealer, distance, qualified_as))
        position = end
    return kept, total - position


def _distance(lead: LeadRequest, dealer: DealerProfile) -> float | None:
    if not lead.located or not dealer.located:
        return None
    return distance_km(lead.lat, lead.lon, dealer.lat, dealer.lon)


_before_load = itemgetter(0)


def _sorted_tuple(items: frozenset[str]) -> tuple[str, ...]:
    return tuple(items) if len(items) < 2 else tuple(sorted(items))


def _check_codes_unique(dealers: Iterable[DealerProfile]) -> None:
    seen: set[str] = set()
    for dealer in dealers:
        if dealer.code in seen:
            raise ValueError(f"dealer code {dealer.code!r} appears twice")
        seen.add(dealer.code)
