"""Coordinator and distributor steering, interest routes and the routing preview."""

from app.api import bp
from app.api.spec import api_endpoint
from app.api.views import json_body, optional_json_body
from app.auth import COORDINATORS, api_user, token_required
from app.enums import DEALER_ROLES, Role
from app.responses import InterestRouteOut, Items, LeadOut, RoutingPreviewOut
from app.schemas import (
    DealerRefIn,
    DealersRefIn,
    InterestRouteIn,
    LeadIn,
    RejectIn,
    parse,
)
from app.services import dispatch, intake, interest_routes
from app.services.serialisation import interest_route_out, lead_out


@bp.post("/leads/<lead_id>/approve")
@token_required(*COORDINATORS, relation="lead")
@api_endpoint("Approve a lead in review: it is routed now", returns=LeadOut, errors=(409,))
def approve_lead(lead_id: str):
    """Route a lead that waited for pre-qualification."""
    return lead_out(dispatch.approve_lead(lead_id, api_user()), api_user())


@bp.post("/leads/<lead_id>/reject")
@token_required(*COORDINATORS, relation="lead")
@api_endpoint(
    "Reject a lead in review", body=RejectIn, body_required=False, returns=LeadOut, errors=(409,)
)
def reject_lead(lead_id: str):
    """Reject a lead in review (an optional JSON body gives a note)."""
    note = parse(RejectIn, optional_json_body()).note
    return lead_out(dispatch.reject_lead(lead_id, api_user(), note), api_user())


@bp.post("/leads/<lead_id>/assign")
@token_required(*COORDINATORS, relation="lead")
@api_endpoint(
    "Offer the lead to a dealer by hand", body=DealerRefIn, returns=LeadOut, errors=(409,)
)
def assign_lead(lead_id: str):
    """Offer the lead to a dealer by hand."""
    payload = parse(DealerRefIn, json_body())
    return lead_out(dispatch.assign_lead(lead_id, payload.dealer, api_user()), api_user())


@bp.post("/leads/<lead_id>/distribute")
@token_required(*COORDINATORS, relation="lead")
@api_endpoint(
    "Offer the lead to several dealers at once; the first accept wins",
    body=DealersRefIn,
    returns=LeadOut,
    errors=(409,),
)
def distribute_lead(lead_id: str):
    """Offer the lead to several dealers at once; first accept wins."""
    payload = parse(DealersRefIn, json_body())
    return lead_out(dispatch.distribute_lead(lead_id, payload.dealers, api_user()), api_user())


@bp.post("/leads/<lead_id>/forward")
@token_required(*DEALER_ROLES, relation="lead", tier="distributor")
@api_endpoint(
    "Distributor: forward a lead to a sub-dealer", body=DealerRefIn, returns=LeadOut, errors=(409,)
)
def forward_lead(lead_id: str):
    """A distributor hands a lead to one of its sub-dealers."""
    payload = parse(DealerRefIn, json_body())
    return lead_out(dispatch.forward_lead(lead_id, payload.dealer, api_user()), api_user())


@bp.get("/interest-routes")
@token_required(Role.COORDINATOR)
@api_endpoint("The interest-category routes", returns=Items[InterestRouteOut])
def list_interest_routes():
    """The interest-category routes."""
    routes = interest_routes.list_routes()
    return Items[InterestRouteOut](items=[interest_route_out(route) for route in routes])


@bp.post("/interest-routes")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Bind an interest category (or ALL) to dealers or a region",
    body=InterestRouteIn,
    returns=InterestRouteOut,
    status=201,
)
def create_interest_route():
    """Bind an interest category (or ALL) to dealers or a region."""
    return interest_route_out(interest_routes.create_route(json_body()))


@bp.delete("/interest-routes/<int:route_id>")
@token_required(Role.COORDINATOR)
@api_endpoint("Remove an interest-category route", returns=None, status=204)
def delete_interest_route(route_id: int):
    """Remove an interest-category route."""
    interest_routes.delete_route(route_id)
    return "", 204


@bp.post("/routing/preview")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Rank the dealers for a lead body, with reasons, storing nothing",
    body=LeadIn,
    returns=RoutingPreviewOut,
)
def preview_routing():
    """Rank the dealers for a lead body, with reasons, storing nothing."""
    return RoutingPreviewOut.model_validate(intake.preview_routing(json_body()))
