"""Reports per dealer, region, product group and campaign; campaign spend for ROI."""

from flask import jsonify, request

from app.api import bp
from app.api.spec import api_endpoint
from app.api.views import json_body, query_args
from app.auth import COORDINATORS, api_user, token_required
from app.downloads import csv_response
from app.enums import Role
from app.responses import CampaignSpendOut, Items, ReportItemOut
from app.schemas import CampaignSpendIn, ReportQuery, parse
from app.services import reports
from app.services.errors import ValidationFailed


@bp.get("/reports/<grouping>")
@token_required(*COORDINATORS)
@api_endpoint(
    "Report per dealer, region, product group or campaign (JSON, or CSV with ?format=csv)",
    query=ReportQuery,
    returns=Items[ReportItemOut],
    description="grouping: dealers, regions, product-groups or campaigns. format=csv answers "
    "text/csv with a header row of the same field names (decline reasons as "
    "decline_reasons.REASON).",
)
def get_report(grouping: str):
    """Offers, acceptance, response time, conversion and order value per group (JSON or CSV)."""
    key_name = reports.check_grouping(grouping)
    query = query_args(ReportQuery)
    items = reports.report(grouping, query.start, query.end, viewer=api_user())
    output = request.args.get("format", "json")
    if output == "csv":
        return csv_response(reports.to_csv(items, key_name), f"report-{grouping}.csv")
    if output != "json":
        raise ValidationFailed("bad format", {"format": "must be json or csv"})
    return jsonify({"items": items})


@bp.put("/campaigns/<campaign>")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Record a campaign's spend (for its ROI)", body=CampaignSpendIn, returns=CampaignSpendOut
)
def put_campaign(campaign: str):
    """Record what a campaign cost; the campaign report then shows its ROI."""
    payload = parse(CampaignSpendIn, json_body())
    return jsonify(reports.set_campaign_spend(campaign, payload.spend))
