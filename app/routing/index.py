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
from collections.abc import Container, Iterable, Mapping, Sequence, Set

from app.routing.decision import RoutingDecision
from app.routing.geo import EARTH_RADIUS_KM, bounding_box, distance_km
from app.routing.profiles import DealerProfile, LeadRequest, RouteRule
from app.routing.rank import LoadCounts, decide

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

    __slots__ = ("dealers", "masks", "mask")

    def __init__(self) -> None:
        self.dealers: list[DealerProfile] = []
        self.masks: list[int] = []
        self.mask = 0


class _CoverageGrid:
    """Dealers of one radius band, each circle filed under every cell it touches."""

    def __init__(
        self, dealers: list[DealerProfile], cell_degrees: float | None, bits: dict[str, int]
    ) -> None:
        if cell_degrees is None:
            smallest = min(dealer.service_radius_km for dealer in dealers)
            cell_degrees = max(smallest, 1.0) / _KM_PER_DEGREE_LATITUDE / _CELLS_PER_RADIUS
        self.cell_degrees = float(cell_degrees)
        self.cells: dict[Cell, list[_Circle]] = {}
        self.everywhere: list[_Circle] = []
        # The same, flat: each cell's dealers with their tag masks, so that a lead's
        # sellers are one pass over a list (circles hold one or two dealers each).
        self.sellers: dict[Cell, list[tuple[int, DealerProfile]]] = {}
        self.sellers_everywhere: list[tuple[int, DealerProfile]] = []
        circles: dict[tuple[float, float, float], _Circle] = {}
        for dealer in dealers:
            place = (dealer.lat, dealer.lon, dealer.service_radius_km)
            circle = circles.get(place)
            if circle is None:
                circle = circles[place] = _Circle()
            mask = _mask(dealer.tags, bits)
            circle.dealers.append(dealer)
            circle.masks.append(mask)
            circle.mask |= mask
        for (lat, lon, radius), circle in circles.items():
            covered = self._cells_touched(lat, lon, radius)
            pairs = list(zip(circle.masks, circle.dealers, strict=True))
            if covered is None:
                self.everywhere.append(circle)
                self.sellers_everywhere.extend(pairs)
                continue
            for cell in covered:
                self.cells.setdefault(cell, []).append(circle)
                self.sellers.setdefault(cell, []).extend(pairs)

    def cell(self, lat: float, lon: float) -> Cell:
        size = self.cell_degrees
        return (math.floor(lat / size), math.floor(lon / size))

    def circles_reaching(self, lat: float, lon: float) -> list[_Circle]:
        """Circles that touch the cell holding (lat, lon)."""
        found = self.cells.get(self.cell(lat, lon), [])
        return found + self.everywhere if self.everywhere else found

    def dealers_reaching(self, lat: float, lon: float) -> list[DealerProfile]:
        """Dealers whose circle touches the cell holding (lat, lon)."""
        return [d for circle in self.circles_reaching(lat, lon) for d in circle.dealers]

    def sellers_reaching(
        self, lat: float, lon: float, wanted: int, unless: int = 0
    ) -> list[DealerProfile]:
        """Dealers with a tag in the `wanted` mask, and none in `unless`, whose circle
        touches (lat, lon)'s cell."""
        sellers = self.sellers.get(self.cell(lat, lon), [])
        if self.sellers_everywhere:
            sellers = sellers + self.sellers_everywhere
        if unless:
            return [dealer for mask, dealer in sellers if mask & wanted and not mask & unless]
        return [dealer for mask, dealer in sellers if mask & wanted]

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
    """rank() for an index that answers candidates_for and unexamined_example and counts
    its dealers in ``_count``."""

    _count: int

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
        candidates = self.candidates_for(lead)
        out_of_reach = self._count - len(candidates)
        example = self.unexamined_example(lead) if out_of_reach else None
        return decide(
            lead,
            candidates,
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

        bands: dict[int, list[DealerProfile]] = {}
        for dealer in self._dealers:
            if dealer.located:
                bands.setdefault(_band(dealer.service_radius_km), []).append(dealer)
        # A bit per tag: any tag may name a product group.
        self._bits: dict[str, int] = {}
        for dealer in self._dealers:
            for tag in dealer.tags:
                self._bits.setdefault(tag, 1 << len(self._bits))
        self._grids = [
            _CoverageGrid(bands[band], cell_degrees, self._bits) for band in sorted(bands)
        ]

        # Any tag may name a product group, so every tag is indexed.
        self._by_tag: dict[str, list[DealerProfile]] = {}
        self._online_by_tag: dict[str, list[DealerProfile]] = {}
        for dealer in self._dealers:
            online = "online" in dealer.tags
            for tag in dealer.tags:
                self._by_tag.setdefault(tag, []).append(dealer)
                if online:
                    self._online_by_tag.setdefault(tag, []).append(dealer)

    def __len__(self) -> int:
        return self._count

    @property
    def dealers(self) -> tuple[DealerProfile, ...]:
        """Every indexed dealer, in the order given."""
        return self._dealers

    def get(self, code: str) -> DealerProfile | None:
        """The dealer with this code, if indexed."""
        return self._by_code.get(code)

    def candidates_for(self, lead: LeadRequest) -> list[DealerProfile]:
        """The dealers that could be eligible for the lead (a superset of the eligible ones).

        With the customer's location: the dealers selling one of the lead's product
        groups whose service circle touches the customer's cell, plus, for shipped
        leads, the online sellers of those groups. Without it (no radius can be
        checked): every dealer selling one of the groups. The preferred seller always.
        """
        groups = tuple(dict.fromkeys(lead.product_groups))
        additions: list[DealerProfile] = []
        # A dealer sits in one circle of one grid, so a located lead finds it once; it
        # may be found twice as a seller of two groups, or as the preferred seller too.
        may_repeat = len(groups) > 1
        if lead.located:
            wanted = _mask(groups, self._bits)
            found = []
            # A shipped lead takes the online sellers of its groups from anywhere: leave
            # them out of the grids, and add them all.
            shipped = lead.delivery == "ship"
            online = self._bits.get("online", 0) if shipped else 0
            if wanted:
                for grid in self._grids:
                    found.extend(grid.sellers_reaching(lead.lat, lead.lon, wanted, online))
            if shipped:
                for group in groups:
                    additions.extend(self._online_by_tag.get(group, ()))
            else:
                may_repeat = False
        else:
            found = [dealer for group in groups for dealer in self._by_tag.get(group, ())]
        if lead.preferred_dealer:
            preferred = self._by_code.get(lead.preferred_dealer)
            if preferred is not None:
                additions.append(preferred)
                may_repeat = True
        found.extend(additions)
        if may_repeat:
            found = list({id(dealer): dealer for dealer in found}.values())
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
        groups = frozenset(lead.product_groups)
        wanted = _mask(groups, self._bits)
        for grid in self._grids:
            for circle in grid.circles_reaching(lead.lat, lead.lon)[:_EXAMPLES_SCANNED]:
                if circle.mask & wanted == circle.mask:
                    continue  # every dealer here sells one of the groups
                for dealer, mask in zip(circle.dealers, circle.masks, strict=True):
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
        self._by_tag: dict[str, list[DealerProfile]] = {}
        for dealer in self.changes.values():
            for tag in dealer.tags if dealer is not None else ():
                self._by_tag.setdefault(tag, []).append(dealer)

    def __len__(self) -> int:
        return self._count

    def with_changes(self, changes: Mapping[str, DealerProfile | None]) -> "ChangedIndex":
        """The same base with these changes laid over the ones already held."""
        return ChangedIndex(self.base, {**self.changes, **changes})

    def candidates_for(self, lead: LeadRequest) -> list[DealerProfile]:
        """The dealers that could be eligible for the lead, as DealerIndex.candidates_for."""
        changes = self.changes
        found = [dealer for dealer in self.base.candidates_for(lead) if dealer.code not in changes]
        changed = {
            dealer.code: dealer
            for group in dict.fromkeys(lead.product_groups)
            for dealer in self._by_tag.get(group, ())
            if _may_reach(dealer, lead)
        }
        preferred = changes.get(lead.preferred_dealer) if lead.preferred_dealer else None
        if preferred is not None:
            changed[preferred.code] = preferred
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


def _mask(tags: Iterable[str], bits: dict[str, int]) -> int:
    """The bits of the tags (a tag no dealer carries has none)."""
    mask = 0
    for tag in tags:
        mask |= bits.get(tag, 0)
    return mask


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
