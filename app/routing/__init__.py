"""Pure lead routing: dealer profiles and a lead in, a ranked, explained decision out.

Standard library only: no Flask, no database. The service layer loads the profiles,
calls ``rank_dealers`` and stores ``decision.explanation()`` on the offer.
"""

from app.routing.decision import (
    FILTER_ORDER,
    RANKING_ORDER,
    Candidate,
    Exclusion,
    RoutingDecision,
)
from app.routing.geo import EARTH_RADIUS_KM, bounding_box, distance_km
from app.routing.index import ChangedIndex, DealerIndex
from app.routing.profiles import (
    ALL_CATEGORIES,
    DELIVERY_MODES,
    INQUIRY_TYPES,
    DealerProfile,
    LeadRequest,
    RouteRule,
)
from app.routing.rank import rank_dealers
from app.routing.route_selection import (
    FALLBACK,
    ROUTED,
    UNRESTRICTED,
    RouteSelection,
    select_routes,
)

__all__ = [
    "ALL_CATEGORIES",
    "DELIVERY_MODES",
    "EARTH_RADIUS_KM",
    "FALLBACK",
    "FILTER_ORDER",
    "INQUIRY_TYPES",
    "RANKING_ORDER",
    "ROUTED",
    "UNRESTRICTED",
    "Candidate",
    "ChangedIndex",
    "DealerIndex",
    "DealerProfile",
    "Exclusion",
    "RouteRule",
    "LeadRequest",
    "RouteSelection",
    "RoutingDecision",
    "bounding_box",
    "distance_km",
    "rank_dealers",
    "select_routes",
]
