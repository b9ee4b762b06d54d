"""An in-memory spatial index over a dealer network, for callers that hold it all.

Coverage grids: each dealer is filed under every grid cell that its own service circle
touches, so the dealers that may reach a customer are the ones filed under the
customer's cell: one dictionary look-up per grid. Dealers are split into bands of
service radius (a factor of 2 ** 0.25 apart), each band with cells a third of its
radius wide, so every dealer touches a few dozen cells whatever its radius.

Beside the grids: online sellers by tag (they join shipped leads of their product
groups wherever they are), all dealers by tag (for leads without a location, where no
radius can be checked), and the preferred seller, who always joins.

Dealers sharing a service circle (a place and a radius) are filed together, with a bit
mask of their tags, so a lead passes over a circle, or a dealer in it, that sells none
of its product groups with one AND: routing's per-dealer work grows with the dealers
who sell what the lead asks for, not with all the dealers near it.

Every dealer left out could never be eligible (its circle misses the customer, or it
sells none of the lead's product groups), so ranking the prefiltered dealers chooses
and ranks exactly as ranking the whole network does. Dealers that could serve the
customer but fail another filter stay in, so explanations still name them; of the
dealers left out for their portfolio, the explanation names one nearby example.

A ``DealerIndex`` is built once and never changed. ``with_changes`` lays the dealers
changed since then over it (``ChangedIndex``): building ten thousand dealers' index
takes about half a second, laying a few changed ones over it a fraction of a
millisecond, and the two choose and rank alike for every lead.
"""

import math
from array import array
from collections.abc import Container, Iterable, Mapping, Sequence, Set
from itertools import compress

from app.routing.decision import RoutingDecision
from app.routing.geo import EARTH_RADIUS_KM, bounding_box, distance_km
from app.routing.profiles import DealerProfile, LeadRequest, RouteRule
from app.routing.rank import LoadCounts, TaggedDealer, decide, tag_mask

_KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180.0
# Cells per radius: smaller cells cut the dealers whose circle touches the customer's
# cell without reaching the customer, but file each dealer under more cells.
_CELLS_PER_RADIUS = 3
_SMALLEST_BAND_KM = 10.0
_BANDS_PER_DOUBLING = 4
# Widen every circle a little so a dealer exactly on its radius is never lost to rounding.
_SLACK_KM = 0.001
# A circle spanning more cells than this (huge radius, or near a pole) is not filed
# cell by cell: the dealer joins every located lead and the exact check decides.
_MAX_CELLS_PER_DEALER = 20_000
# How many of a cell's circles to look through for an example of a dealer not examined.
_EXAMPLES_SCANNED = 64

Cell = tuple[int, int]


class _Circle:
    """The dealers sharing one service circle (same place, same radius), filed together.

    Dense networks put dozens of dealers at one postal code: filing each circle once
    instead of each dealer keeps building the index quick. ``masks`` has a bit per tag
    of each dealer, ``mask`` their union, so a lead skips a whole circle, or one dealer,
    that sells none of its product groups with one AND.
    """

    __slots__ = ("pairs", "mask")

    def __init__(self) -> None:
        self.pairs: list[TaggedDealer] = []  # (tag mask, dealer)
        self.mask = 0


class _Sellers:
    """The (tag mask, dealer) pairs filed under one cell, and their masks in an array."""

    __slots__ = ("pairs", "masks")

    def __init__(self, pairs: list[TaggedDealer]) -> None:
        self.pairs = pairs
        masks = [mask for mask, _ in pairs]
        # An array holds the numbers themselves, side by side; past 64 tags (never seen
        # yet) a list does the same work.
        self.masks: Sequence[int] = (
            array("Q", masks) if all(mask < _MASK_LIMIT for mask in masks) else masks
        )

    def selling(self, wanted: int) -> list[TaggedDealer]:
        """The pairs whose mask shares a bit with `wanted`."""
        return list(compress(self.pairs, map(wanted.__and__, self.masks)))


_NO_SELLERS = _Sellers([])
_MASK_LIMIT = 1 << 64


class _CoverageGrid:
    """Dealers of one radius band, each circle filed under every cell it touches."""

    def __init__(self, tagged: list[TaggedDealer], cell_degrees: float | None) -> None:
        if cell_degrees is None:
            smallest = min(dealer.service_radius_km for _, dealer in tagged)
            cell_degrees = max(smallest, 1.0) / _KM_PER_DEGREE_LATITUDE / _CELLS_PER_RADIUS
        self.cell_degrees = float(cell_degrees)
        self.cells: dict[Cell, list[_Circle]] = {}
        self.everywhere: list[_Circle] = []
        # The same, flat: each cell's (tag mask, dealer) pairs, and beside them their
        # masks in one array, so that a lead's sellers are one pass in C over a few
        # cache lines of masks: on a busy server the pairs, scattered through memory,
        # are seldom in the CPU cache, and only a third of them sell the lead's groups.
        self.sellers: dict[Cell, _Sellers] = {}
        self.sellers_everywhere = _Sellers([])
        pairs_by_cell: dict[Cell, list[TaggedDealer]] = {}
        circles: dict[tuple[float, float, float], _Circle] = {}
        for pair in tagged:
            mask, dealer = pair
            place = (dealer.lat, dealer.lon, dealer.service_radius_km)
            circle = circles.get(place)
            if circle is None:
                circle = circles[place] = _Circle()
            circle.pairs.append(pair)
            circle.mask |= mask
        everywhere: list[TaggedDealer] = []
        for (lat, lon, radius), circle in circles.items():
            covered = self._cells_touched(lat, lon, radius)
            if covered is None:
                self.everywhere.append(circle)
                everywhere.extend(circle.pairs)
                continue
            for cell in covered:
                self.cells.setdefault(cell, []).append(circle)
                pairs_by_cell.setdefault(cell, []).extend(circle.pairs)
        self.sellers_everywhere = _Sellers(everywhere)
        self.sellers = {cell: _Sellers(pairs) for cell, pairs in pairs_by_cell.items()}

    def cell(self, lat: float, lon: float) -> Cell:
        size = self.cell_degrees
        return (math.floor(lat / size), math.floor(lon / size))

    def circles_reaching(self, lat: float, lon: float) -> list[_Circle]:
        """Circles that touch the cell holding (lat, lon)."""
        found = self.cells.get(self.cell(lat, lon), [])
        return found + self.everywhere if self.everywhere else found

    def dealers_reaching(self, lat: float, lon: float) -> list[DealerProfile]:
        """Dealers whose circle touches the cell holding (lat, lon)."""
        return [d for circle in self.circles_reaching(lat, lon) for _, d in circle.pairs]

    def sellers_reaching(
        self, lat: float, lon: float, wanted: int, unless: int = 0
    ) -> list[TaggedDealer]:
        """(tag mask, dealer) of the dealers with a tag in the `wanted` mask, and none in
        `unless`, whose circle touches (lat, lon)'s cell."""
        found = self.sellers.get(self.cell(lat, lon), _NO_SELLERS).selling(wanted)
        if self.sellers_everywhere.pairs:
            found += self.sellers_everywhere.selling(wanted)
        if unless:
            return [pair for pair in found if not pair[0] & unless]
        return found

    def _cells_touched(self, lat: float, lon: float, radius_km: float) -> list[Cell] | None:
        """Every cell the circle touches, or None when that is too many to list."""
        reach = max(radius_km, 0.0) + _SLACK_KM
        if not math.isfinite(reach):
            return None
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, reach)
        size = self.cell_degrees
        if min_lon == -180.0 and max_lon == 180.0:
            return None  # a pole or the antimeridian inside: rare, keep it simple
        first_row = math.floor(min_lat / size)
        last_row = math.floor(max_lat / size)
        span = (last_row - first_row + 1) * (
            math.floor(max_lon / size) - math.floor(min_lon / size) + 1
        )
        if span > _MAX_CELLS_PER_DEALER:
            return None
        cells = []
        for row in range(first_row, last_row + 1):
            half_width = _cap_half_width(
                lat, reach, max(row * size, min_lat), min((row + 1) * size, max_lat)
            )
            first_col = math.floor((lon - half_width) / size)
            last_col = math.floor((lon + half_width) / size)
            cells.extend((row, col) for col in range(first_col, last_col + 1))
        return cells


class _RanksCandidates:
    """rank() for an index that answers tagged_candidates_for and unexamined_example,
    numbers tags in ``tag_bits`` and counts its dealers in ``_count``."""

    _count: int
    tag_bits: Mapping[str, int]

    def candidates_for(self, lead: LeadRequest) -> list[DealerProfile]:
        """The dealers that could be eligible for the lead (a superset of the eligible ones)."""
        return [dealer for _, dealer in self.tagged_candidates_for(lead)]

    def rank(
        self,
        lead: LeadRequest,
        routes: Sequence[RouteRule] = (),
        *,
        absent: Set[str] = frozenset(),
        load: LoadCounts | None = None,
        enough: int | None = None,
    ) -> RoutingDecision:
        """rank_dealers over the candidates only: the same choice and ranking as a full scan.

        The decision's ``out_of_reach`` counts the dealers left out; they are not listed
        among the exclusions. ``absent`` names dealers to treat as absent now (the index
        holds what does not change by the minute); ``load`` and ``enough`` ask for the
        load figures of the best-ranked dealers only (see ``rank.decide``).
        """
        candidates = self.tagged_candidates_for(lead)
        out_of_reach = self._count - len(candidates)
        example = self.unexamined_example(lead) if out_of_reach else None
        return decide(
            lead,
            candidates,
            self.tag_bits,
            routes,
            out_of_reach,
            codes_are_unique=True,
            load=load,
            enough=enough,
            unexamined_example=example,
            absent=absent,
        )


class DealerIndex(_RanksCandidates):
    """Coverage index of a dealer network: candidates_for(lead) could serve the lead."""

    def __init__(self, dealers: Iterable[DealerProfile], cell_degrees: float | None = None):
        """Index the dealers; cell_degrees fixes the cell size of every band (for tests)."""
        self._dealers = tuple(dealers)
        self._by_code: dict[str, DealerProfile] = {}
        for dealer in self._dealers:
            if dealer.code in self._by_code:
                raise ValueError(f"dealer code {dealer.code!r} appears twice")
            self._by_code[dealer.code] = dealer
        self._count = len(self._dealers)
        self.max_radius_km = max(
            (dealer.service_radius_km for dealer in self._dealers), default=0.0
        )

        # A bit per tag: any tag may name a product group.
        self.tag_bits: dict[str, int] = {}
        for dealer in self._dealers:
            for tag in dealer.tags:
                self.tag_bits.setdefault(tag, 1 << len(self.tag_bits))
        # Each dealer with its tag mask, one pair filed everywhere the dealer is.
        tagged = [(tag_mask(dealer.tags, self.tag_bits), dealer) for dealer in self._dealers]
        self._tagged_by_code = {pair[1].code: pair for pair in tagged}
        bands: dict[int, list[TaggedDealer]] = {}
        for pair in tagged:
            if pair[1].located:
                bands.setdefault(_band(pair[1].service_radius_km), []).append(pair)
        self._grids = [_CoverageGrid(bands[band], cell_degrees) for band in sorted(bands)]

        # Any tag may name a product group, so every tag is indexed.
        self._by_tag: dict[str, list[TaggedDealer]] = {}
        self._online_by_tag: dict[str, list[TaggedDealer]] = {}
        for pair in tagged:
            tags = pair[1].tags
            online = "online" in tags
            for tag in tags:
                self._by_tag.setdefault(tag, []).append(pair)
                if online:
                    self._online_by_tag.setdefault(tag, []).append(pair)

    def __len__(self) -> int:
        return self._count

    @property
    def dealers(self) -> tuple[DealerProfile, ...]:
        """Every indexed dealer, in the order given."""
        return self._dealers

    def get(self, code: str) -> DealerProfile | None:
        """The dealer with this code, if indexed."""
        return self._by_code.get(code)

    def tagged_candidates_for(self, lead: LeadRequest) -> list[TaggedDealer]:
        """(tag mask, dealer) of the dealers that could be eligible for the lead (a
        superset of the eligible ones).

        With the customer's location: the dealers selling one of the lead's product
        groups whose service circle touches the customer's cell, plus, for shipped
        leads, the online sellers of those groups. Without it (no radius can be
        checked): every dealer selling one of the groups. The preferred seller always.
        """
        groups = tuple(dict.fromkeys(lead.product_groups))
        additions: list[TaggedDealer] = []
        # A dealer sits in one circle of one grid, so a located lead finds it once; it
        # may be found twice as a seller of two groups, or as the preferred seller too.
        may_repeat = len(groups) > 1
        if lead.located:
            wanted = tag_mask(groups, self.tag_bits)
            found = []
            # A shipped lead takes the online sellers of its groups from anywhere: leave
            # them out of the grids, and add them all.
            shipped = lead.delivery == "ship"
            online = self.tag_bits.get("online", 0) if shipped else 0
            if wanted:
                for grid in self._grids:
                    found.extend(grid.sellers_reaching(lead.lat, lead.lon, wanted, online))
            if shipped:
                for group in groups:
                    additions.extend(self._online_by_tag.get(group, ()))
            else:
                may_repeat = False
        else:
            found = [pair for group in groups for pair in self._by_tag.get(group, ())]
        if lead.preferred_dealer:
            preferred = self._tagged_by_code.get(lead.preferred_dealer)
            if preferred is not None:
                additions.append(preferred)
                may_repeat = True
        found.extend(additions)
        if may_repeat:
            found = list({id(pair): pair for pair in found}.values())
        return found

    def unexamined_example(
        self, lead: LeadRequest, passing_over: Container[str] = ()
    ) -> DealerProfile | None:
        """A dealer near the customer that was not examined as it sells none of the groups.

        The explanation names it, so that a reader sees what "not examined" means.
        ``passing_over`` names dealers not to give (changed since the index was built).
        """
        if not lead.located:
            return None
        wanted = tag_mask(lead.product_groups, self.tag_bits)
        for grid in self._grids:
            for circle in grid.circles_reaching(lead.lat, lead.lon)[:_EXAMPLES_SCANNED]:
                if circle.mask & wanted == circle.mask:
                    continue  # every dealer here sells one of the groups
                for mask, dealer in circle.pairs:
                    if (
                        not mask & wanted
                        and dealer.code != lead.preferred_dealer
                        and dealer.code not in passing_over
                    ):
                        return dealer
        return None

    def with_changes(self, changes: Mapping[str, DealerProfile | None]) -> "ChangedIndex":
        """This index with dealers added, replaced or removed (None), by code."""
        return ChangedIndex(self, changes)


class ChangedIndex(_RanksCandidates):
    """A built DealerIndex and the dealers changed since: it answers as a rebuild would.

    A lead's candidates are the base index's, less every changed or removed dealer, plus
    the changed dealers selling one of its groups that could serve it, checked one by
    one (they are few: the caller builds a new index once many have piled up). Each part
    holds every dealer of its own that could be eligible, so the whole does too, and
    ranking chooses and ranks exactly as over a rebuilt index. (Which ineligible dealers
    are examined, and so the explanation's "not examined" count, may differ, as it does
    between cell sizes.)
    """

    def __init__(self, base: DealerIndex, changes: Mapping[str, DealerProfile | None]):
        """Lay `changes` (code -> new profile, or None for a dealer gone) over `base`."""
        self.base = base
        self.changes = dict(changes)
        self._count = len(base) + sum(
            (dealer is not None) - (base.get(code) is not None)
            for code, dealer in self.changes.items()
        )
        # The base's tag bits, and the next ones for tags only changed dealers carry.
        self.tag_bits = dict(base.tag_bits)
        self._by_tag: dict[str, list[TaggedDealer]] = {}
        for dealer in self.changes.values():
            for tag in dealer.tags if dealer is not None else ():
                self.tag_bits.setdefault(tag, 1 << len(self.tag_bits))
        for dealer in self.changes.values():
            if dealer is not None:
                pair = (tag_mask(dealer.tags, self.tag_bits), dealer)
                for tag in dealer.tags:
                    self._by_tag.setdefault(tag, []).append(pair)

    def __len__(self) -> int:
        return self._count

    def with_changes(self, changes: Mapping[str, DealerProfile | None]) -> "ChangedIndex":
        """The same base with these changes laid over the ones already held."""
        return ChangedIndex(self.base, {**self.changes, **changes})

    def tagged_candidates_for(self, lead: LeadRequest) -> list[TaggedDealer]:
        """As DealerIndex.tagged_candidates_for, tag masks by ``tag_bits``."""
        changes = self.changes
        found = [
            pair for pair in self.base.tagged_candidates_for(lead) if pair[1].code not in changes
        ]
        changed = {
            pair[1].code: pair
            for group in dict.fromkeys(lead.product_groups)
            for pair in self._by_tag.get(group, ())
            if _may_reach(pair[1], lead)
        }
        preferred = changes.get(lead.preferred_dealer) if lead.preferred_dealer else None
        if preferred is not None:
            changed[preferred.code] = (tag_mask(preferred.tags, self.tag_bits), preferred)
        found.extend(changed.values())
        return found

    def unexamined_example(self, lead: LeadRequest) -> DealerProfile | None:
        """A dealer near the customer not examined as it sells none of the groups."""
        return self.base.unexamined_example(lead, passing_over=self.changes)


def _may_reach(dealer: DealerProfile, lead: LeadRequest) -> bool:
    """Could the dealer serve the customer from where it is: its circle reaches them, it
    ships to them (online), or the customer's place is unknown (no radius applies)?"""
    if not lead.located or (lead.delivery == "ship" and "online" in dealer.tags):
        return True
    return (
        dealer.located
        and distance_km(lead.lat, lead.lon, dealer.lat, dealer.lon)
        <= dealer.service_radius_km + _SLACK_KM
    )


def _band(radius_km: float) -> int:
    """Band number of a radius: 0 up to 10 km, then one band per 2 ** 0.25 step."""
    if not radius_km > _SMALLEST_BAND_KM:  # also a NaN radius, which reaches nobody
        return 0
    return math.ceil(_BANDS_PER_DOUBLING * math.log2(min(radius_km, 1e9) / _SMALLEST_BAND_KM))


def _cap_half_width(lat: float, radius_km: float, low: float, high: float) -> float:
    """Half the longitude span (degrees) of the circle around lat, within latitudes [low, high].

    The circle is widest in longitude at the latitude asin(sin(lat) / cos(radius)),
    slightly poleward of its centre; within the band the widest point is the one nearest
    to that latitude. The band lies within the circle's latitudes (the caller clips it
    to the bounding box) and the circle holds no pole (bounding_box widens to every
    longitude then, and the caller files such dealers apart).
    """
    angular = radius_km / EARTH_RADIUS_KM
    phi0 = math.radians(lat)
    widest = math.asin(max(-1.0, min(1.0, math.sin(phi0) / math.cos(angular))))
    phi = min(max(widest, math.radians(low)), math.radians(high))
    denominator = math.cos(phi0) * math.cos(phi)
    if denominator <= 0.0:
        return 180.0
    cosine = (math.cos(angular) - math.sin(phi0) * math.sin(phi)) / denominator
    if cosine >= 1.0:  # the band only touches the circle's northmost or southmost point
        return 0.0
    if cosine <= -1.0:
        return 180.0
    return math.degrees(math.acos(cosine))
