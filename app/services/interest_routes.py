"""Interest-category routes: the coordinator binds a category (or ALL) to dealers or a region."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Dealer, InterestRoute
from app.schemas import InterestRouteIn, parse
from app.services.errors import NotFound, ValidationFailed


def list_routes() -> list[InterestRoute]:
    """Every route, ALL last."""
    rows = db.session.scalars(
        select(InterestRoute).order_by(InterestRoute.category, InterestRoute.id)
    )
    return sorted(rows, key=lambda row: (row.category == "ALL", row.category, row.id))


def check_route(data: dict) -> dict:
    """A route's fields checked and normalised, nothing stored.

    It needs dealers or a region, or it would admit everyone; every dealer code must name
    a dealer (any case; stored as the dealer's own code), or the route would silently
    admit nobody.
    """
    payload = parse(InterestRouteIn, data)
    if not (payload.dealer_codes or payload.countries or payload.postal_prefixes):
        raise ValidationFailed(
            "empty route", {"dealer_codes": "name dealers, countries or postal-code prefixes"}
        )
    wanted = list(dict.fromkeys(payload.dealer_codes))
    known = {
        code.lower(): code
        for code in db.session.scalars(
            select(Dealer.code).where(func.lower(Dealer.code).in_([c.lower() for c in wanted]))
        )
    }
    unknown = [code for code in wanted if code.lower() not in known]
    if unknown:
        raise ValidationFailed(
            "unknown dealer", {"dealer_codes": f"no dealer with code {', '.join(unknown)}"}
        )
    return {
        "category": "ALL" if payload.category.upper() == "ALL" else payload.category.lower(),
        "dealer_codes": list(dict.fromkeys(known[code.lower()] for code in wanted)),
        "countries": sorted({c.upper() for c in payload.countries}),
        "postal_prefixes": list(dict.fromkeys(payload.postal_prefixes)),
        "active": payload.active,
    }


def create_route(data: dict) -> InterestRoute:
    """Add a route (checked as `check_route` does)."""
    route = InterestRoute(**check_route(data))
    db.session.add(route)
    db.session.commit()
    return route


def get_route(route_id: int) -> InterestRoute:
    """A route by id, or NotFound."""
    route = db.session.get(InterestRoute, route_id)
    if route is None:
        raise NotFound("no such route", {"id": "no such route"})
    return route


def delete_route(route_id: int) -> None:
    """Remove a route."""
    db.session.delete(get_route(route_id))
    db.session.commit()
