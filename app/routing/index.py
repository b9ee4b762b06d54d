"""An in-memory spatial index over a dealer network, for callers that hold it all.

Dealers sit in a grid of latitude/longitude cells. For a lead, only the cells within
reach of the largest store service radius are read, plus the online sellers (for
shipped leads), the dealers without a location (when the lead has none either), and the
preferred seller. Every dealer left out could never be eligible, so ranking the
prefiltered dealers chooses and ranks exactly as ranking the whole network does.
"""

import math
from collections.abc import Iterable, Sequence

from app.routing.geo import EARTH_RADIUS_KM, bounding_box
from app.routing.profiles import DealerProfile, InterestRoute, LeadRequest
from app.routing.rank import decide

_KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180.0
# A reach query reads about (2 * CELLS_PER_RADIUS + 1)^2 / cos(lat) cells: smaller cells
# hug the circle more closely but cost more dictionary look-ups.
_CELLS_PER_RADIUS = 2
# Widen the reach a little so a dealer exactly on its radius is never lost to rounding.
_REACH_SLACK_KM = 0.001

Cell = tuple[int, int]


class DealerIndex:
    """Grid index of dealers: candidates_for(lead) returns the dealers that could serve it."""

    def __init__(self, dealers: Iterable[DealerProfile], cell_degrees: float | None = None):
        """Index the dealers; cell_degrees defaults to half the largest store radius."""
        self._dealers = tuple(dealers)
        self._by_code: dict[str, DealerProfile] = {}
        for dealer in self._dealers:
            if dealer.code in self._by_code:
                raise ValueError(f"dealer code {dealer.code!r} appears twice")
            self._by_code[dealer.code] = dealer
        # Only stores are ever admitted by distance; online sellers are kept apart.
        self.max_radius_km = max(
            (
                dealer.service_radius_km
                for dealer in self._dealers
                if dealer.active and "store" in dealer.tags and dealer.located
            ),
            default=0.0,
        )
        if cell_degrees is None:
            reach_degrees = self.max_radius_km / _KM_PER_DEGREE_LATITUDE
            cell_degrees = max(reach_degrees / _CELLS_PER_RADIUS, 0.05)
        self.cell_degrees = float(cell_degrees)
        self._cells: dict[Cell, list[DealerProfile]] = {}
        self._cell_of: dict[str, Cell] = {}
        for dealer in self._dealers:
            if dealer.located:
                cell = self._cell(dealer.lat, dealer.lon)
                self._cells.setdefault(cell, []).append(dealer)
                self._cell_of[dealer.code] = cell
        self._online = tuple(dealer for dealer in self._dealers if "online" in dealer.tags)

    def __len__(self) -> int:
        return len(self._dealers)

    @property
    def dealers(self) -> tuple[DealerProfile, ...]:
        """Every indexed dealer, in the order given."""
        return self._dealers

    def get(self, code: str) -> DealerProfile | None:
        """The dealer with this code, if indexed."""
        return self._by_code.get(code)

    def candidates_for(self, lead: LeadRequest) -> list[DealerProfile]:
        """The dealers that could be eligible for the lead (a superset of the eligible ones)."""
        if not lead.located:
            # No radius can be checked, so any store anywhere may qualify.
            return list(self._dealers)
        min_lat, max_lat, min_lon, max_lon = bounding_box(
            lead.lat, lead.lon, self.max_radius_km + _REACH_SLACK_KM
        )
        first_row, first_col = self._cell(min_lat, min_lon)
        last_row, last_col = self._cell(max_lat, max_lon)

        def reached(cell: Cell) -> bool:
            return first_row <= cell[0] <= last_row and first_col <= cell[1] <= last_col

        found: list[DealerProfile] = []
        cells = self._cells
        if (last_row - first_row + 1) * (last_col - first_col + 1) <= len(cells):
            for row in range(first_row, last_row + 1):
                for col in range(first_col, last_col + 1):
                    members = cells.get((row, col))
                    if members:
                        found.extend(members)
        else:  # A huge box (near a pole or the antimeridian): scanning the cells is cheaper.
            for cell, members in cells.items():
                if reached(cell):
                    found.extend(members)

        cell_of = self._cell_of
        if lead.delivery == "ship":
            for dealer in self._online:
                cell = cell_of.get(dealer.code)
                if cell is None or not reached(cell):
                    found.append(dealer)
        preferred = self._by_code.get(lead.preferred_dealer) if lead.preferred_dealer else None
        if preferred is not None:
            cell = cell_of.get(preferred.code)
            shipped_online = lead.delivery == "ship" and "online" in preferred.tags
            if (cell is None or not reached(cell)) and not shipped_online:
                found.append(preferred)
        return found

    def rank(self, lead: LeadRequest, routes: Sequence[InterestRoute] = ()):
        """rank_dealers over the candidates only; same choice and ranking as a full scan.

        The decision's ``out_of_reach`` counts the dealers left out; they are not listed
        among the exclusions.
        """
        candidates = self.candidates_for(lead)
        return decide(lead, candidates, routes, out_of_reach=len(self._dealers) - len(candidates))

    def _cell(self, lat: float, lon: float) -> Cell:
        size = self.cell_degrees
        return (math.floor(lat / size), math.floor(lon / size))
