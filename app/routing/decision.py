"""The routing engine's output: ranked candidates, exclusions, and their explanation."""

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields

from app.routing.route_selection import FALLBACK, UNRESTRICTED

FILTER_ORDER = (
    "inactive",
    "absent",
    "already_offered",
    "country",
    "route",
    "portfolio",
    "b2b",
    "service",
    "store",
    "delivery",
    "radius",
    "capacity",
)
"""The eligibility filters in the order they are applied; an excluded dealer is recorded
under the first one it fails, so the same dealer always gets the same reason."""

RANKING_ORDER = (
    "preferred seller",
    "product groups covered",
    "SKUs in stock",
    "distance",
    "fewer open offers",
    "acceptance rate",
    "response time",
    "dealer code",
)
"""The contract's order, then two reliability tiebreaks, then the code for determinism.

Acceptance rate and median response time come after open offers: the contract says
ties of distance are broken fairly (fewer open offers first), so reliability only
separates dealers that are equal on everything the contract names.
"""

# How many dealers an explanation names before it summarises by counts.
_NAMED_RUNNERS_UP = 3
_NAMED_EXCLUSIONS = 5


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible dealer, with the facts that placed it in the ranking."""

    code: str
    distance_km: float | None  # None when either location is unknown
    covered_groups: tuple[str, ...]  # the lead's product groups the dealer carries
    skus_in_stock: tuple[str, ...]  # the lead's SKUs in the dealer's inventory
    preferred: bool  # the customer's preferred seller
    open_offers: int = 0
    qualified_as: str = "store"  # "store" (within radius) or "online" (ships anywhere)
    acceptance_rate: float | None = None
    median_response_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A dealer that may not receive the lead, and the first filter that excluded it."""

    code: str
    rule: str  # a key from FILTER_ORDER
    reason: str  # a sentence a person reads
    distance_km: float | None = None


class Exclusions(Sequence[Exclusion]):
    """A decision's excluded dealers, nearest first (unknown distance last), then by code.

    Ranking a dense lead excludes dozens of dealers, and intake reads only the handful
    its explanation names. So ranking hands over plain rows, sorted and turned into
    ``Exclusion`` objects (and their radius sentences) only when someone reads them; the
    explanation reads the rules and the few rows it names. As a sequence it is the tuple
    of ``Exclusion`` it stands for, and equal to it.
    """

    __slots__ = ("_rows", "_built")

    def __init__(self, rows: list[tuple] | None = None, built: Iterable[Exclusion] = ()) -> None:
        """``rows``, in any order: (distance or inf, code, rule, reason, distance_km,
        radius_km), reason None for the radius sentence; or ``built``: exclusions in
        the order given."""
        self._rows = rows
        self._built: tuple[Exclusion, ...] | None = None if rows is not None else tuple(built)
        if rows is not None:
            rows.sort()  # codes are unique, so a sort never compares past them

    def __len__(self) -> int:
        return len(self._rows) if self._built is None else len(self._built)

    def __getitem__(self, position):  # an int or a slice, as a tuple's
        return self._all()[position]

    def __iter__(self) -> Iterator[Exclusion]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Exclusions | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def rules(self) -> list[str]:
        """Each exclusion's rule, in order (without building the exclusions)."""
        if self._built is not None:
            return [exclusion.rule for exclusion in self._built]
        return [row[2] for row in self._rows]

    def at(self, position: int) -> Exclusion:
        """The exclusion at this position (without building the others)."""
        if self._built is not None:
            return self._built[position]
        return _built_exclusion(self._rows[position])

    def of_dealer(self, code: str) -> Exclusion | None:
        """The exclusion of the dealer with this code, if excluded."""
        if self._built is not None:
            return next((exclusion for exclusion in self._built if exclusion.code == code), None)
        return next((_built_exclusion(row) for row in self._rows if row[1] == code), None)

    def _all(self) -> tuple[Exclusion, ...]:
        if self._built is None:
            self._built = tuple(map(_built_exclusion, self._rows))
            self._rows = None
        return self._built


def _built_exclusion(row: tuple) -> Exclusion:
    _, code, rule, reason, distance, radius = row
    if reason is None:
        reason = radius_reason(distance, radius)
    return new_exclusion(code, rule, reason, distance)


def radius_reason(distance_km: float, radius_km: float) -> str:
    """Why a dealer this far away, with this service radius, may not have the lead."""
    return (
        f"The customer is {distance_km:.1f} km away, beyond the dealer's "
        f"{radius_km:g} km service radius."
    )


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Who gets the lead, who would be next, and why the others may not have it."""

    chosen: Candidate | None
    ranked: tuple[Candidate, ...]  # all eligible, best first
    excluded: Sequence[Exclusion]  # nearest first, then by code (held as Exclusions)
    route: str | None  # the applied interest route's category, None = unrestricted/fallback
    route_status: str = UNRESTRICTED  # "unrestricted" | "routed" | "fallback"
    route_summary: str = ""
    requested_groups: tuple[str, ...] = ()
    requested_skus: tuple[str, ...] = ()
    location_known: bool = True
    location_note: str | None = None
    location_approximate: bool = False
    country_only: str | None = None  # unlocated lead: only this country's dealers considered
    preferred_dealer: str | None = None
    out_of_reach: int = 0  # dealers an index left out as unable to serve the lead
    # Dealers that pass every filter but capacity, ranked below all of `ranked`, whose
    # capacity was not checked: only the best-ranked need be (see rank.decide).
    unchecked: int = 0
    # One dealer near the customer that the index left out for its portfolio.
    unexamined_example: Exclusion | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.excluded, Exclusions):
            object.__setattr__(self, "excluded", Exclusions(built=self.excluded))

    def explanation(self) -> str:
        """Plain-language text for the offer: why this dealer, why not the others."""
        paragraphs = [self._explain_choice()]
        if self.route_status != FALLBACK and self.route_summary:
            paragraphs.append(self.route_summary)
        preferred = self._explain_preferred()
        if preferred:
            paragraphs.append(preferred)
        paragraphs.extend(self._explain_location())
        exclusions = self._explain_exclusions()
        if exclusions:
            paragraphs.append(exclusions)
        if self.out_of_reach:
            why = (
                "their service areas do not reach the customer, or they sell none of the "
                "requested product groups"
                if self.location_known
                else "they sell none of the requested product groups"
            )
            verb = "was" if self.out_of_reach == 1 else "were"
            text = f"{_count(self.out_of_reach, 'more dealer')} {verb} not examined: {why}."
            example = self.unexamined_example
            if example is not None:
                where = f", {example.distance_km:.1f} km" if example.distance_km is not None else ""
                text += f"\n- for example {example.code}{where}: {example.reason}"
            paragraphs.append(text)
        return "\n".join(paragraphs)

    def to_dict(self) -> dict:
        """A JSON-able view, e.g. for a routing preview endpoint."""
        return {
            "chosen": asdict(self.chosen) if self.chosen else None,
            "ranked": [
                {"rank": position, **asdict(candidate)}
                for position, candidate in enumerate(self.ranked, start=1)
            ],
            "excluded": [asdict(exclusion) for exclusion in self.excluded],
            "excluded_by_rule": dict(self._rule_counts()),
            "route": self.route,
            "route_status": self.route_status,
            "location_known": self.location_known,
            "location_note": self.location_note,
            "location_approximate": self.location_approximate,
            "country_only": self.country_only,
            "preferred_dealer": self.preferred_dealer,
            "out_of_reach": self.out_of_reach,
            "unchecked": self.unchecked,
            "unexamined_example": asdict(self.unexamined_example)
            if self.unexamined_example
            else None,
            "ranking_order": list(RANKING_ORDER),
            "filter_order": list(FILTER_ORDER),
            "explanation": self.explanation(),
        }

    def _explain_location(self) -> list[str]:
        note = f": {self.location_note.strip().rstrip('.')}" if self.location_note else ""
        if self.location_known and self.location_approximate:
            return [
                f"The customer's location is approximate{note}. Distances and service "
                "radii were measured from there."
            ]
        if self.location_known:
            return []
        within = (
            f"Only dealers in {self.country_only} were considered. " if self.country_only else ""
        )
        return [
            f"The customer's location is unknown{note}. {within}Service radii were not "
            "checked and distance played no part in the order."
        ]

    def _explain_choice(self) -> str:
        if self.route_status == FALLBACK:
            return self.route_summary
        if self.chosen is None:
            return "No dealer is eligible, so the lead goes to the OEM queue (the fallback owner)."
        chosen = self.chosen
        text = f"Offered to {chosen.code}: {self._facts(chosen)}."
        unchecked = (
            f" {_count(self.unchecked, 'more dealer')} ranked below pass every other filter; "
            "their daily capacity is checked when their turn comes."
            if self.unchecked
            else ""
        )
        if len(self.ranked) == 1:
            if self.unchecked:
                return text + unchecked
            return text + " It was the only eligible dealer."
        runner_up = self.ranked[1]
        text += f" It ranks above {runner_up.code} because {_decisive_step(chosen, runner_up)}."
        next_in_line = self.ranked[1 : 1 + _NAMED_RUNNERS_UP]
        listed = "; ".join(f"{c.code} ({self._facts(c)})" for c in next_in_line)
        more = len(self.ranked) - 1 - len(next_in_line)
        text += f" Next in line: {listed}"
        text += f"; and {_count(more, 'more eligible dealer')}." if more else "."
        return text + unchecked

    def _facts(self, candidate: Candidate) -> str:
        facts = []
        if candidate.preferred:
            facts.append("the customer's preferred seller")
        facts.append(
            f"covers {len(candidate.covered_groups)} of {len(self.requested_groups)} "
            f"product groups ({', '.join(candidate.covered_groups)})"
        )
        if self.requested_skus:
            in_stock = ", ".join(candidate.skus_in_stock) or "none"
            facts.append(
                f"{len(candidate.skus_in_stock)} of {len(self.requested_skus)} SKUs in stock "
                f"({in_stock})"
            )
        if candidate.distance_km is not None:
            facts.append(f"{candidate.distance_km:.1f} km away")
        if candidate.qualified_as == "online":
            facts.append("ships online")
        facts.append(_count(candidate.open_offers, "open offer"))
        return ", ".join(facts)

    def _explain_preferred(self) -> str | None:
        wanted = self.preferred_dealer
        if not wanted or (self.chosen is not None and self.chosen.code == wanted):
            return None
        exclusion = self.excluded.of_dealer(wanted)
        if exclusion is not None:
            return f"The preferred seller {wanted} is not eligible. {exclusion.reason}"
        return f"The preferred seller {wanted} is not in the dealer network."

    def _rule_counts(self) -> list[tuple[str, int]]:
        counts = Counter(self.excluded.rules())
        return [(rule, counts[rule]) for rule in FILTER_ORDER if counts[rule]]

    def _explain_exclusions(self) -> str | None:
        if not self.excluded:
            return None
        total = len(self.excluded)
        by_rule = ", ".join(f"{rule} {count:,}" for rule, count in self._rule_counts())
        lines = [f"Not eligible: {_count(total, 'dealer')} ({by_rule})."]
        named = self._named_exclusions()
        if len(named) < total:
            with_distance = any(exclusion.distance_km is not None for exclusion in named)
            lines.append(
                "Nearest of them, at least one per reason:"
                if with_distance
                else "Some of them, at least one per reason:"
            )
        for exclusion in named:
            where = f", {exclusion.distance_km:.1f} km" if exclusion.distance_km is not None else ""
            lines.append(f"- {exclusion.code}{where}: {exclusion.reason}")
        return "\n".join(lines)

    def _named_exclusions(self) -> tuple[Exclusion, ...]:
        """All exclusions when few; else the nearest of each rule, topped up with the nearest.

        One per rule first, so a crowd of dealers outside the route does not hide the
        one nearby dealer that is on holiday. Exclusions are already nearest first.
        """
        excluded = self.excluded
        if len(excluded) <= _NAMED_EXCLUSIONS + 1:
            return tuple(excluded)
        chosen: set[int] = set()
        seen_rules: set[str] = set()
        for position, rule in enumerate(excluded.rules()):
            if rule not in seen_rules:
                seen_rules.add(rule)
                chosen.add(position)
        position = 0
        while len(chosen) < _NAMED_EXCLUSIONS:  # more than that many exclusions: stops
            chosen.add(position)
            position += 1
        return tuple(excluded.at(position) for position in sorted(chosen))


def _decisive_step(better: Candidate, worse: Candidate) -> str:
    """The first ranking step that separates two candidates, as a clause."""
    if better.preferred != worse.preferred:
        return "it is the customer's preferred seller"
    if len(better.covered_groups) != len(worse.covered_groups):
        return (
            f"it covers more of the requested product groups "
            f"({len(better.covered_groups)} vs {len(worse.covered_groups)})"
        )
    if len(better.skus_in_stock) != len(worse.skus_in_stock):
        return (
            f"it has more of the requested SKUs in stock "
            f"({len(better.skus_in_stock)} vs {len(worse.skus_in_stock)})"
        )
    if better.distance_km != worse.distance_km:
        if worse.distance_km is None:
            return "its distance to the customer is known and the other's is not"
        return f"it is nearer ({better.distance_km:.1f} km vs {worse.distance_km:.1f} km)"
    if better.open_offers != worse.open_offers:
        equally = "it is equally near and" if better.distance_km is not None else "it"
        return f"{equally} has fewer open offers ({better.open_offers} vs {worse.open_offers})"
    if better.acceptance_rate != worse.acceptance_rate:
        return f"it accepts more of its offers ({_percent(better.acceptance_rate)} vs " + (
            f"{_percent(worse.acceptance_rate)})"
        )
    if better.median_response_seconds != worse.median_response_seconds:
        return (
            f"it answers faster (median {_duration(better.median_response_seconds)} vs "
            f"{_duration(worse.median_response_seconds)})"
        )
    return "everything else is equal and its dealer code sorts first"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _percent(rate: float | None) -> str:
    return "unknown" if rate is None else f"{rate:.0%}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --- Fast construction for the hot path -----------------------------------------------
# A frozen dataclass's __init__ sets each field through object.__setattr__ to get past
# its own guard; writing the slots directly builds the same object in half the time.
# rank_dealers builds one Candidate per eligible dealer and one Exclusion per excluded
# dealer, thousands per decision when a lead has no location, so this is worth having.
# The field lists below are checked against the dataclasses at import time, so adding or
# reordering a field fails loudly here instead of building wrong objects.

_CANDIDATE_FIELDS = (
    "code",
    "distance_km",
    "covered_groups",
    "skus_in_stock",
    "preferred",
    "open_offers",
    "qualified_as",
    "acceptance_rate",
    "median_response_seconds",
)
_EXCLUSION_FIELDS = ("code", "rule", "reason", "distance_km")
if (
    tuple(f.name for f in fields(Candidate)) != _CANDIDATE_FIELDS
    or tuple(f.name for f in fields(Exclusion)) != _EXCLUSION_FIELDS
):
    raise RuntimeError("update new_candidate / new_exclusion to the dataclasses' fields")

_new = object.__new__
(
    _set_code,
    _set_distance,
    _set_groups,
    _set_skus,
    _set_preferred,
    _set_open_offers,
    _set_qualified_as,
    _set_acceptance,
    _set_response,
) = (getattr(Candidate, name).__set__ for name in _CANDIDATE_FIELDS)


def new_candidate(
    code: str,
    distance_km: float | None,
    covered_groups: tuple[str, ...],
    skus_in_stock: tuple[str, ...],
    preferred: bool,
    open_offers: int,
    qualified_as: str,
    acceptance_rate: float | None,
    median_response_seconds: float | None,
) -> Candidate:
    """Candidate(...) with every field given, built faster (see above)."""
    candidate = _new(Candidate)
    _set_code(candidate, code)
    _set_distance(candidate, distance_km)
    _set_groups(candidate, covered_groups)
    _set_skus(candidate, skus_in_stock)
    _set_preferred(candidate, preferred)
    _set_open_offers(candidate, open_offers)
    _set_qualified_as(candidate, qualified_as)
    _set_acceptance(candidate, acceptance_rate)
    _set_response(candidate, median_response_seconds)
    return candidate


_set_exclusion_code, _set_rule, _set_reason, _set_exclusion_distance = (
    getattr(Exclusion, name).__set__ for name in _EXCLUSION_FIELDS
)


def new_exclusion(code: str, rule: str, reason: str, distance_km: float | None) -> Exclusion:
    """Exclusion(...) with every field given, built faster (see above)."""
    exclusion = _new(Exclusion)
    _set_exclusion_code(exclusion, code)
    _set_rule(exclusion, rule)
    _set_reason(exclusion, reason)
    _set_exclusion_distance(exclusion, distance_km)
    return exclusion
