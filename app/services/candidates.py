"""Where a lead may go: the dealer network as routing sees it, kept in process memory.

Each process holds the network's routing profiles (tags, stock, place, radius,
capacity, time zone, absences) and interest routes in a ``DealerIndex``, built once from
the database and rebuilt only when the network changes: a ``VersionedCache``
(services/versioned_cache.py), whose version every change routing reads bumps (a dealer
or its tags saved, an absence or capacity set, an interest route edited), whatever code
made it. So a change made through one gunicorn process is seen by routing in every
other one at its next decision.

A change to a few dealers (an absence set from a phone, a capacity edited, a stock
import) costs each process about as much as those dealers: every dealer row carries the
version of its last change (``routing_version``), and a process holding the network at
version v reads only the dealers above v and lays them over its index
(``DealerIndex.with_changes``), rebuilding it whole once more than ``MAX_CHANGED``
dealers have piled up.

What changes with every lead, offers made today (capacity) and open offers (load), is
counted in the database, and only for the few dealers at the top of the ranking
(``rank.decide`` asks best first), with index-only queries.
"""

import bisect
import json
import sys
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.engine import Dialect

from app import clock
from app.enums import OfferStatus
from app.extensions import db
from app.models import (
    Dealer,
    InterestRoute,
    Lead,
    Offer,
    absence_covers,
)
from app.routing import (
    ChangedIndex,
    DealerIndex,
    DealerProfile,
    LeadRequest,
    RouteRule,
    RoutingDecision,
    rank_dealers,
)
from app.services.driver_statements import DriverStatement, compiled_once
from app.services.versioned_cache import RowStamps, VersionedCache, instance_in_session

# How many dealers a decision checks for capacity and load: the chosen one and the
# runners-up its explanation names. The others are checked when their turn comes.
BEST_CHECKED = 4

# How many changed dealers a process lays over its index before loading it whole again.
# On issue 9's dense network (10,000 dealers), a whole load takes 400-600 ms; an update
# about 0.5 ms (two small reads); and each decision checks the changed dealers selling
# the lead's groups one by one, about 0.6 microseconds per dealer laid over (+0.1 ms of
# a 1 ms decision at 200). At 100, decisions stay within a few per cent of a fresh
# index's, and the whole load, shared by 100 changes, costs about 5 ms a change.
MAX_CHANGED = 100

DEALERS, OFFERS = Dealer.__table__.c, Offer.__table__.c

# Dealer columns routing reads, and opening hours (the offer's deadline): the chosen
# dealer's object is made from them (chosen_dealer). A change to any other column (a
# name, a phone number) leaves the network as routing sees it.
_NETWORK_COLUMNS = (
    "code",
    "active",
    "tags",
    "inventory",
    "lat",
    "lon",
    "service_radius_km",
    "daily_capacity",
    "timezone",
    "absent_from",
    "absent_until",
    "country",
    "postal_code",
    "opening_hours",
)


def lead_request(lead: Lead, excluded_codes: frozenset[str]) -> LeadRequest:
    """The routing engine's view of a lead."""
    return LeadRequest(
        inquiry_type=lead.inquiry_type,
        interest_category=lead.interest_category,
        delivery=lead.delivery,
        lat=lead.lat,
        lon=lead.lon,
        product_groups=tuple(map(sys.intern, lead.product_groups)),
        skus=tuple(sys.intern(item.sku) for item in lead.line_items if item.sku),
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


# --- The network in memory -------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """The dealer network at one version: the index, and what the index does not hold."""

    version: int
    index: DealerIndex | ChangedIndex
    ids: Mapping[str, int]  # dealer code -> id, for the load counts
    codes: Mapping[int, str]  # dealer id -> code, to notice a code changed
    zones: Mapping[str, str]  # dealer code -> IANA time zone ("today" is the dealer's day)
    rows: Mapping[str, tuple]  # dealer code -> its row as read (_DEALER_ROW_KEYS)
    absences: dict[str, tuple[datetime | None, datetime | None]]  # dealers with one set
    routes: tuple[RouteRule, ...]
    # Who is absent changes only when an absence starts or ends: the last answer, and
    # the span of time between two such moments in which it holds.
    _absent: list = field(default_factory=lambda: [frozenset(), None, None], compare=False)

    def absent_at(self, now: datetime) -> frozenset[str]:
        """Codes of the dealers whose absence covers this instant."""
        if not self.absences:
            return frozenset()
        answer, since, until = self._absent
        if since is not None and since <= now < until:
            return answer
        answer = frozenset(
            code
            for code, (starts, ends) in self.absences.items()
            if absence_covers(starts, ends, now)
        )
        moments = sorted(
            {moment for window in self.absences.values() for moment in window if moment}
        )
        at = bisect.bisect_right(moments, now)
        since = moments[at - 1] if at else datetime.min.replace(tzinfo=UTC)
        until = moments[at] if at < len(moments) else datetime.max.replace(tzinfo=UTC)
        self._absent[:] = [answer, since, until]
        return answer


def current_network() -> Network:
    """The network as routing sees it now: the process's copy, brought up to date if stale."""
    return NETWORK.get()


# What a process reads of each dealer: its id and the columns routing reads.
_DEALER_ROWS = select(DEALERS.id, *(DEALERS[name] for name in _NETWORK_COLUMNS))
_DEALER_ROW_KEYS = ("id", *_NETWORK_COLUMNS)


def _profile(row) -> DealerProfile:
    """Routing's view of a dealer row.

    Tags and SKUs are interned, as are the lead's (lead_request): a set look-up that
    finds the very same string object never reads the string, which on a busy server
    is seldom in the cache (ranking a dense lead looks up tags of ~200 dealers).
    """
    return DealerProfile(
        code=row.code,
        active=row.active,
        tags=frozenset(map(sys.intern, row.tags or ())),
        inventory=frozenset(map(sys.intern, row.inventory or ())),
        lat=row.lat,
        lon=row.lon,
        service_radius_km=row.service_radius_km,
        daily_capacity=row.daily_capacity,
        country=row.country,
        postal_code=row.postal_code,
    )


def _note_dealer(row, ids, codes, zones, rows, absences: dict) -> None:
    """File what routing needs of a dealer beside its profile."""
    ids[row.code] = row.id
    codes[row.id] = row.code
    zones[row.code] = row.timezone or "UTC"
    rows[row.code] = tuple(row)
    if row.absent_from is not None or row.absent_until is not None:
        absences[row.code] = (row.absent_from, row.absent_until)
    else:
        absences.pop(row.code, None)


def load_network(version: int) -> Network:
    """Read every dealer and interest route into a new in-memory network."""
    profiles, ids, codes, zones, rows, absences = [], {}, {}, {}, {}, {}
    for row in db.session.execute(_DEALER_ROWS):
        profiles.append(_profile(row))
        _note_dealer(row, ids, codes, zones, rows, absences)
    return Network(
        version=version,
        index=DealerIndex(profiles),
        ids=ids,
        codes=codes,
        zones=zones,
        rows=rows,
        absences=absences,
        routes=tuple(interest_routes()),
    )


def update_network(held: Network) -> Network | None:
    """The held network brought to the current version: only the dealers changed since
    are read (and the few interest routes). None when a whole load is the better way:
    more than MAX_CHANGED dealers changed since the last one, or a dealer's code changed
    (the app never changes one)."""
    laid_over = len(held.index.changes) if isinstance(held.index, ChangedIndex) else 0
    rows = db.session.execute(
        _DEALER_ROWS.where(DEALERS.routing_version > held.version).limit(
            MAX_CHANGED - laid_over + 1
        )
    ).all()
    if laid_over + len(rows) > MAX_CHANGED:
        return None
    if any(held.codes.get(row.id, row.code) != row.code for row in rows):
        return None
    ids, codes, zones = _in_front(held.ids), _in_front(held.codes), _in_front(held.zones)
    dealer_rows = _in_front(held.rows)
    absences = dict(held.absences)  # only the dealers with an absence set: few
    for row in rows:
        _note_dealer(row, ids, codes, zones, dealer_rows, absences)
    index = held.index  # as it is when only the interest routes changed
    if rows:
        index = index.with_changes({row.code: _profile(row) for row in rows})
    return Network(
        version=NETWORK.version(),
        index=index,
        ids=ids,
        codes=codes,
        zones=zones,
        rows=dealer_rows,
        absences=absences,
        routes=tuple(interest_routes()),
    )


def _in_front(held: Mapping) -> ChainMap:
    """A map to note the changed dealers in, in front of the whole load's (left as it
    is, so a change costs as much as the dealers changed, not the network)."""
    if isinstance(held, ChainMap):
        return ChainMap(dict(held.maps[0]), held.maps[1])
    return ChainMap({}, held)


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


# Dealers (the columns routing reads), their tag rows and the interest routes; a change
# to dealers is followed row by row.
NETWORK = VersionedCache(
    "network",
    lambda: load_network(NETWORK.version()),
    {"dealers": _NETWORK_COLUMNS, "dealer_tags": None, "interest_routes": None},
    # The copy lives until the next change: keep the garbage collector's full passes
    # from walking its hundred thousand objects again and again.
    freeze=True,
    rows=RowStamps("dealers", "routing_version", update_network),
)


def chosen_dealer(code: str) -> Dealer:
    """The dealer a decision chose, as this session's object, made from the network's
    copy of its row without a query (which cost intake about 0.4 ms of CPU a lead).

    The copy is the one routing decided on; intake's confirm checks inside the write
    that the network is unchanged since. Columns it does not hold (a name, a phone
    number) are read on first use, as after any query that left them out.
    """
    row = current_network().rows.get(code)
    if row is None:  # a decision made on a network this transaction no longer sees
        return db.session.scalar(_DEALER_BY_CODE, {"code": code})
    return instance_in_session(Dealer, dict(zip(_DEALER_ROW_KEYS, row, strict=True)))


# Built once: building it for every lead cost more than running it.
_DEALER_BY_CODE = select(Dealer).where(Dealer.code == bindparam("code"))


def network_version() -> int:
    """The network's version as the database has it now."""
    return db.session.connection().execute(NETWORK.version_query()).scalar() or 0


# --- Decisions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A decision made before a write transaction, the network version and the lead it saw."""

    decision: RoutingDecision
    version: int
    request: LeadRequest


class DecisionStale(Exception):
    """What a prepared decision rested on changed; the caller routes again in the lock."""


def prepare(lead: Lead, now: datetime) -> Prepared:
    """Decide before writing anything, so no write lock is held while ranking."""
    network = current_network()
    request = lead_request(lead, codes_already_offered(lead))
    return Prepared(_rank(network, request, now), network.version, request)


def fits(prepared: Prepared, lead: Lead) -> bool:
    """Was the decision made for the lead as it is now (same traits, same dealers tried)?"""
    return lead_request(lead, codes_already_offered(lead)) == prepared.request


def confirm(prepared: Prepared, offer: Offer | None, now: datetime) -> bool:
    """Inside the write transaction, after the offer is written: does the decision hold?

    It does when no dealer changed since it was made and its dealer's offers today,
    this one included, are within its capacity (on SQLite the write lock is held, so
    nobody can add one now; on PostgreSQL this narrows the window to the commit).
    Offers made to other dealers meanwhile may have changed their load, which only
    breaks ties of distance: that is not worth routing again.
    """
    capacity = None if offer is None else offer.dealer.daily_capacity
    if capacity is None:
        return network_version() == prepared.version
    dealer = offer.dealer
    connection = db.session.connection()  # the offer is flushed: no autoflush needed
    query = compiled_once(connection.dialect, "confirm", lambda: _VERSION_AND_OFFERS_TODAY)
    ((version, today),) = query.rows(
        connection,
        {"dealer_id": dealer.id, "day_start": local_day_start(dealer.timezone or "UTC", now)},
    )
    return version == prepared.version and today <= capacity


# The network's version and a dealer's offers since its local midnight (index-only), in
# one round trip. Run inside the write lock, so on the driver's cursor
# (services/driver_statements).
_VERSION_AND_OFFERS_TODAY = select(
    NETWORK.version_query().scalar_subquery(),
    select(func.count())
    .select_from(Offer.__table__)
    .where(
        OFFERS.dealer_id == bindparam("dealer_id"),
        OFFERS.offered_at >= bindparam("day_start", type_=OFFERS.offered_at.type),
    )
    .scalar_subquery(),
)


def decide(
    lead: Lead,
    now: datetime,
    *,
    complete: bool = False,
    routes: Sequence[RouteRule] | None = None,
    excluded: frozenset[str] | None = None,
) -> RoutingDecision:
    """Where the lead goes next, and why (nothing is stored).

    Only the best-ranked dealers are checked for capacity and load unless ``complete``
    (a preview shows the whole ranking). ``routes`` and ``excluded`` replace the stored
    interest routes and the dealers that already had the lead (to try out a change).
    """
    if excluded is None:
        excluded = codes_already_offered(lead)
    request = lead_request(lead, excluded)
    return _rank(current_network(), request, now, routes, complete)


def _rank(
    network: Network,
    request: LeadRequest,
    now: datetime,
    routes: Sequence[RouteRule] | None = None,
    complete: bool = False,
) -> RoutingDecision:
    return network.index.rank(
        request,
        network.routes if routes is None else routes,
        absent=network.absent_at(now),
        load=lambda dealers: load_counts(network, dealers, now),
        enough=None if complete else BEST_CHECKED,
    )


def full_scan_decision(lead: Lead, now: datetime) -> RoutingDecision:
    """The same decision the plain way: every dealer read and counted, then ranked.

    No memory, no index, no laziness: the reference that tests and bench/routing.py
    hold the production path against.
    """
    network = load_network(network_version())
    dealers = list(network.index.dealers)
    counts = load_counts(network, dealers, now)
    absent = network.absent_at(now)
    profiles = [
        replace(
            dealer,
            offers_today=counts[dealer.code][0],
            open_offers=counts[dealer.code][1],
            absent=dealer.code in absent,
        )
        for dealer in dealers
    ]
    return rank_dealers(lead_request(lead, codes_already_offered(lead)), profiles, network.routes)


def load_counts(
    network: Network, dealers: list[DealerProfile], now: datetime
) -> dict[str, tuple[int, int]]:
    """(offers made today in the dealer's time zone, open offers) for each dealer, by code.

    One statement of index-only parts: open offers read (dealer_id, status), today's
    offers read (dealer_id, offered_at), one part per local day start in play. Kept
    apart rather than one `status = 'pending' OR offered_at >= ...`, which could use
    only the dealer_id half of either index and grows with every offer ever made.
    """
    ids = [network.ids[dealer.code] for dealer in dealers]
    by_day_start: dict[datetime, list[int]] = {}
    starts_by_zone: dict[str, datetime] = {}
    for dealer, dealer_id in zip(dealers, ids, strict=True):
        zone = network.zones[dealer.code]
        start = starts_by_zone.get(zone)
        if start is None:
            start = starts_by_zone[zone] = local_day_start(zone, now)
        by_day_start.setdefault(start, []).append(dealer_id)
    connection = db.session.connection()
    dialect = connection.dialect
    id_list = _ID_LISTS[dialect.name]
    all_ids = id_list.bind(ids)
    params: dict[str, object] = {"pending_ids": all_ids}
    for number, (start, some) in enumerate(by_day_start.items()):
        params[f"ids{number}"] = all_ids if len(some) == len(ids) else id_list.bind(some)
        params[f"start{number}"] = start
    rows = _load_query(dialect, len(by_day_start)).rows(connection, params)
    today: dict[int, int] = {}
    pending: dict[int, int] = {}
    for dealer_id, is_today, count in rows:
        (today if is_today else pending)[dealer_id] = count
    return {
        dealer.code: (today.get(dealer_id, 0), pending.get(dealer_id, 0))
        for dealer, dealer_id in zip(dealers, ids, strict=True)
    }


@dataclass(frozen=True)
class _IdList:
    """A list of dealer ids as one bound parameter, so the load counts' statement is
    compiled once and reused (an expanding IN is rewritten for every list length):
    a JSON array read by json_each on SQLite, an integer array on PostgreSQL."""

    among: Callable[[str], ColumnElement[bool]]  # OFFERS.dealer_id in the list named so
    bind: Callable[[list[int]], object]  # the list as the parameter's value


_ID_LISTS = {
    "sqlite": _IdList(
        lambda name: OFFERS.dealer_id.in_(
            select(literal_column("value")).select_from(func.json_each(bindparam(name)))
        ),
        json.dumps,
    ),
    "postgresql": _IdList(
        lambda name: OFFERS.dealer_id == any_(bindparam(name, type_=ARRAY(Integer))), list
    ),
}


# 'pending' written into the statement, not bound: SQLite plans a bound status less
# well (on issue 9's dense network the load counts ran in 55 microseconds, 22 so).
_PENDING = literal_column(f"'{OfferStatus.PENDING}'")


def _load_query(dialect: Dialect, day_starts: int) -> DriverStatement:
    """The load counts' statement for this many local day starts, compiled once."""
    return compiled_once(
        dialect,
        ("load counts", day_starts),
        lambda: _load_statement(_ID_LISTS[dialect.name], day_starts),
    )


def _load_statement(id_list: _IdList, day_starts: int):
    """The load counts' statement for dealers in this many local days."""
    parts = [
        select(OFFERS.dealer_id, literal_column("0"), func.count())
        .where(id_list.among("pending_ids"), OFFERS.status == _PENDING)
        .group_by(OFFERS.dealer_id)
    ]
    for number in range(day_starts):
        start = bindparam(f"start{number}", type_=OFFERS.offered_at.type)
        parts.append(
            select(OFFERS.dealer_id, literal_column("1"), func.count())
            .where(id_list.among(f"ids{number}"), OFFERS.offered_at >= start)
            .group_by(OFFERS.dealer_id)
        )
    return union_all(*parts)


def local_day_start(zone: str, now: datetime) -> datetime:
    """Midnight of `now`'s day in the time zone (capacity counts that day's offers)."""
    local = now.astimezone(clock.zone(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
