"""Interest-category routes: which part of the network may receive a lead.

Follows the website lead-routing flow: the lead's interest category first, then the
``ALL`` catch-all, then the fallback owner (the OEM queue).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.routing.profiles import ALL_CATEGORIES, DealerProfile, RouteRule

UNRESTRICTED = "unrestricted"
"""No routes are configured: every dealer is a candidate."""
ROUTED = "routed"
"""Routes for the lead's category (or ALL) apply: only what they admit is a candidate."""
FALLBACK = "fallback"
"""Routes are configured but none covers the lead: it goes to the OEM queue."""


@dataclass(frozen=True)
class RouteSelection:
    """The routes that apply to one lead, and how they were found."""

    status: str  # UNRESTRICTED | ROUTED | FALLBACK
    category: str | None  # the applied route's category ("new", "ALL"), else None
    routes: tuple[RouteRule, ...] = ()
    requested_category: str | None = None

    @property
    def admits_everyone(self) -> bool:
        """True when no dealer can be turned away by the applied routes."""
        if self.status == UNRESTRICTED:
            return True
        return any(route.admits_everyone for route in self.routes)

    @property
    def admitted_codes(self) -> frozenset[str] | None:
        """The admitted dealer codes when the routes restrict by code list only, else None.

        A set look-up is much cheaper than asking each route per dealer.
        """
        if self.status == UNRESTRICTED or self.admits_everyone:
            return None
        if any(
            route.countries or route.postal_prefixes or not route.dealer_codes
            for route in self.routes
        ):
            return None
        return frozenset().union(*(route.dealer_codes for route in self.routes))

    def admits(self, dealer: DealerProfile) -> bool:
        """True when the dealer may receive the lead under the applied routes."""
        if self.status == UNRESTRICTED:
            return True
        return any(route.admits(dealer) for route in self.routes)

    def describe(self) -> str:
        """One sentence on which route applied and what it restricts to."""
        if self.status == UNRESTRICTED:
            return (
                "No interest-category routes are configured, so the whole network was considered."
            )
        if self.status == FALLBACK:
            wanted = repr(self.requested_category) if self.requested_category else "(none)"
            return (
                f"No interest route covers category {wanted} and there is no ALL route, "
                "so the lead goes to the fallback owner (the OEM queue)."
            )
        scope = "; or ".join(route.describe() for route in self.routes)
        if self.category == ALL_CATEGORIES and self.requested_category:
            return (
                f"No route is set for category {self.requested_category!r}, so the ALL route "
                f"applied, restricting candidates to {scope}."
            )
        return f"Interest route {self.category!r} applied, restricting candidates to {scope}."


def select_routes(routes: Sequence[RouteRule], interest_category: str | None) -> RouteSelection:
    """Pick the routes for a lead's interest category: its own, else ALL, else fallback."""
    if not routes:
        return RouteSelection(UNRESTRICTED, None, (), interest_category)
    wanted = _category_key(interest_category)
    if wanted is not None and wanted != _category_key(ALL_CATEGORIES):
        own = tuple(route for route in routes if _category_key(route.category) == wanted)
        if own:
            return RouteSelection(ROUTED, own[0].category, own, interest_category)
    catch_all = tuple(
        route for route in routes if _category_key(route.category) == _category_key(ALL_CATEGORIES)
    )
    if catch_all:
        return RouteSelection(ROUTED, ALL_CATEGORIES, catch_all, interest_category)
    return RouteSelection(FALLBACK, None, (), interest_category)


def _category_key(category: str | None) -> str | None:
    """Categories match case-insensitively and ignoring surrounding spaces."""
    if category is None:
        return None
    key = category.strip().casefold()
    return key or None
