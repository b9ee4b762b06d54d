"""Coordinator and distributor steering, reports, interest routes and the routing preview."""

from flask import jsonify

from app.api import bp
from app.api.views import json_body, optional_json_body
from app.auth import COORDINATORS, api_user, token_required
from app.inputs import date_arg
from app.models import DEALER_ROLES
from app.schemas import DealerRefIn, DealersRefIn, RejectIn, parse
from app.services import dispatch, leads, reports, routes
from app.services.errors import ValidationFailed


def _lead_response(lead):
    return jsonify(leads.lead_to_dict(lead, api_user()))


@bp.post("/leads/<lead_id>/approve")
@token_required(*COORDINATORS, relation="lead")
def approve_lead(lead_id: str):
    """Route a lead that waited for pre-qualification."""
    return _lead_response(dispatch.approve_lead(lead_id, api_user()))


@bp.post("/leads/<lead_id>/reject")
@token_required(*COORDINATORS, relation="lead")
def reject_lead(lead_id: str):
    """Reject a lead in review."""
    note = parse(RejectIn, optional_json_body()).note
    return _lead_response(dispatch.reject_lead(lead_id, api_user(), note))


@bp.post("/leads/<lead_id>/assign")
@token_required(*COORDINATORS, relation="lead")
def assign_lead(lead_id: str):
    """Offer the lead to a dealer by hand."""
    payload = parse(DealerRefIn, json_body())
    return _lead_response(dispatch.assign_lead(lead_id, payload.dealer, api_user()))


@bp.post("/leads/<lead_id>/distribute")
@token_required(*COORDINATORS, relation="lead")
def distribute_lead(lead_id: str):
    """Offer the lead to several dealers at once; first accept wins."""
    payload = parse(DealersRefIn, json_body())
    return _lead_response(dispatch.distribute_lead(lead_id, payload.dealers, api_user()))


@bp.post("/leads/<lead_id>/forward")
@token_required(*DEALER_ROLES, relation="lead", tier="distributor")
def forward_lead(lead_id: str):
    """A distributor hands a lead to one of its sub-dealers."""
    payload = parse(DealerRefIn, json_body())
    return _lead_response(dispatch.forward_lead(lead_id, payload.dealer, api_user()))


@bp.get("/reports/dealers")
@token_required("coordinator")
def dealer_report():
    """Acceptance, response time, conversion and order value per dealer."""
    start, end = date_arg("from"), date_arg("to")
    if start and end and end <= start:
        raise ValidationFailed("bad range", {"to": "must be after from"})
    return jsonify({"items": reports.dealer_report(start, end)})


@bp.get("/interest-routes")
@token_required("coordinator")
def list_interest_routes():
    """The interest-category routes."""
    return jsonify({"items": [routes.route_to_dict(r) for r in routes.list_routes()]})


@bp.post("/interest-routes")
@token_required("coordinator")
def create_interest_route():
    """Bind an interest category (or ALL) to dealers or a region."""
    return jsonify(routes.route_to_dict(routes.create_route(json_body()))), 201


@bp.delete("/interest-routes/<int:route_id>")
@token_required("coordinator")
def delete_interest_route(route_id: int):
    """Remove an interest-category route."""
    routes.delete_route(route_id)
    return "", 204


@bp.post("/routing/preview")
@token_required("coordinator")
def preview_routing():
    """Rank the dealers for a lead body, with reasons, storing nothing."""
    return jsonify(leads.preview_routing(json_body()))
