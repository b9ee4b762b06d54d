"""Interest-category routes: the coordinator binds a category (or ALL) to dealers or a region."""

from sqlalchemy import select

from app.extensions import db
from app.models import InterestRoute
from app.schemas import InterestRouteIn, parse
from app.services.errors import NotFound, ValidationFailed


def list_routes() -> list[InterestRoute]:
    """Every route, ALL last."""
    rows = db.session.scalars(
        select(InterestRoute).order_by(InterestRoute.category, InterestRoute.id)
    )
    return sorted(rows, key=lambda row: (row.category == "ALL", row.category, row.id))


def create_route(data: dict) -> InterestRoute:
    """Add a route; it needs dealers or a region, or it would admit everyone."""
    payload = parse(InterestRouteIn, data)
    if not (payload.dealer_codes or payload.countries or payload.postal_prefixes):
        raise ValidationFailed(
            "empty route", {"dealer_codes": "name dealers, countries or postal-code prefixes"}
        )
    route = InterestRoute(
        category="ALL" if payload.category.upper() == "ALL" else payload.category.lower(),
        dealer_codes=list(dict.fromkeys(payload.dealer_codes)),
        countries=sorted({c.upper() for c in payload.countries}),
        postal_prefixes=list(dict.fromkeys(payload.postal_prefixes)),
        active=payload.active,
    )
    db.session.add(route)
    db.session.commit()
    return route


def delete_route(route_id: int) -> None:
    """Remove a route."""
    route = db.session.get(InterestRoute, route_id)
    if route is None:
        raise NotFound("no such route", {"id": "no such route"})
    db.session.delete(route)
    db.session.commit()
