"""The routing engine's inputs: a dealer's profile, a lead's request, interest routes."""

from dataclasses import dataclass

INQUIRY_TYPES = frozenset({"b2c", "b2b", "service"})
DELIVERY_MODES = frozenset({"pickup", "ship"})

ALL_CATEGORIES = "ALL"
"""The catch-all interest route's category."""

# A route naming more dealers than this is described by their number, not their codes.
_NAMED_ROUTE_DEALERS = 5


@dataclass(frozen=True, slots=True)
class DealerProfile:
    """What routing knows about one dealer at the moment of the decision.

    Tags and product groups are compared exactly; the service layer normalises them
    (lower case) when it stores them.
    """

    code: str
    active: bool
    tags: frozenset[str]
    inventory: frozenset[str]  # SKUs in stock
    lat: float | None
    lon: float | None
    service_radius_km: float
    daily_capacity: int | None  # None = unlimited
    offers_today: int = 0  # offers made to this dealer today (capacity)
    open_offers: int = 0  # currently pending offers (fairness / load)
    absent: bool = False  # on holiday right now
    acceptance_rate: float | None = None  # 0..1, None = no history yet
    median_response_seconds: float | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, for region routes
    postal_code: str | None = None  # for region routes by postal-code prefix

    @property
    def located(self) -> bool:
        """True when the dealer's coordinates are known."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class LeadRequest:
    """What routing knows about one lead."""

    inquiry_type: str  # "b2c" | "b2b" | "service"
    interest_category: str | None  # e.g. "new", "used", "service"
    delivery: str  # "pickup" | "ship"
    lat: float | None
    lon: float | None
    product_groups: tuple[str, ...]
    skus: tuple[str, ...]
    preferred_dealer: str | None = None
    # Dealers that already had this lead (declined, expired, withdrawn or accepted).
    excluded_dealers: frozenset[str] = frozenset()
    # Why the location is unknown, e.g. "postal code 99999 (DE) is not in our dataset",
    # or how it was approximated (then location_approximate is set).
    location_note: str | None = None
    # The customer's country (ISO 3166-1 alpha-2). Without a location, routing keeps to
    # the dealers of this country: an unknown postal code never crosses a border.
    country: str | None = None
    # lat/lon are a guess (the centre of the known postal codes sharing a prefix).
    location_approximate: bool = False

    def __post_init__(self) -> None:
        if self.inquiry_type not in INQUIRY_TYPES:
            raise ValueError(f"inquiry_type must be one of {sorted(INQUIRY_TYPES)}")
        if self.delivery not in DELIVERY_MODES:
            raise ValueError(f"delivery must be one of {sorted(DELIVERY_MODES)}")
        if self.lat is not None and not -90.0 <= self.lat <= 90.0:
            raise ValueError("lat must lie within [-90, 90]")
        if self.lon is not None and not -180.0 <= self.lon <= 180.0:
            raise ValueError("lon must lie within [-180, 180]")

    @property
    def located(self) -> bool:
        """True when the customer's coordinates are known (both of them)."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One interest-category route: which dealers may receive leads of a category.

    A route admits a dealer when every restriction it sets holds: the dealer's code is
    listed (when ``dealer_codes`` is set), the dealer's country is listed (when
    ``countries`` is set), and the dealer's postal code starts with one of the prefixes
    (when ``postal_prefixes`` is set). A route that sets nothing admits every dealer.
    Several routes for one category are alternatives: a dealer admitted by any of them
    is admitted. To restrict by prefixes in two countries, configure two routes.
    """

    category: str  # an interest category or "ALL"
    dealer_codes: frozenset[str] = frozenset()  # empty = no dealer restriction
    countries: frozenset[str] = frozenset()  # region by country ...
    postal_prefixes: tuple[str, ...] = ()  # ... and/or dealer postal-code prefixes

    def __post_init__(self) -> None:
        # Normalise once so that admits(), called per dealer, compares plain strings.
        object.__setattr__(self, "countries", frozenset(c.strip().upper() for c in self.countries))
        object.__setattr__(
            self, "postal_prefixes", tuple(_compact(prefix) for prefix in self.postal_prefixes)
        )

    @property
    def admits_everyone(self) -> bool:
        """True when the route sets no restriction at all."""
        return not (self.dealer_codes or self.countries or self.postal_prefixes)

    def admits(self, dealer: DealerProfile) -> bool:
        """True when this route lets the dealer receive the lead."""
        if self.dealer_codes and dealer.code not in self.dealer_codes:
            return False
        if self.countries and (dealer.country or "").strip().upper() not in self.countries:
            return False
        if self.postal_prefixes and not _compact(dealer.postal_code or "").startswith(
            self.postal_prefixes
        ):
            return False
        return True

    def describe(self) -> str:
        """A short phrase naming what the route restricts, for explanations."""
        parts = []
        if len(self.dealer_codes) > _NAMED_ROUTE_DEALERS:
            parts.append(f"a list of {len(self.dealer_codes):,} dealers")
        elif self.dealer_codes:
            parts.append("dealers " + ", ".join(sorted(self.dealer_codes)))
        if self.countries:
            parts.append("country " + "/".join(sorted(self.countries)))
        if self.postal_prefixes:
            parts.append("postal codes starting " + "/".join(self.postal_prefixes))
        return " in ".join(parts) if parts else "the whole network"


def _compact(postal_code: str) -> str:
    """Postal code without spaces or dashes, upper case: "1234 ab" -> "1234AB"."""
    return postal_code.replace(" ", "").replace("-", "").upper()
