"""Reports per dealer, region, product group and campaign; campaign spend for ROI."""

from flask import Response, jsonify, request

from app.api import bp
from app.api.views import json_body
from app.auth import token_required
from app.inputs import date_arg
from app.schemas import CampaignSpendIn, parse
from app.services import reports
from app.services.errors import ValidationFailed


@bp.get("/reports/<grouping>")
@token_required("coordinator")
def get_report(grouping: str):
    """Offers, acceptance, response time, conversion and order value per group (JSON or CSV)."""
    key_name = reports.check_grouping(grouping)
    items = reports.report(grouping, date_arg("from"), date_arg("to"))
    output = request.args.get("format", "json")
    if output == "csv":
        return csv_response(reports.to_csv(items, key_name), f"report-{grouping}.csv")
    if output != "json":
        raise ValidationFailed("bad format", {"format": "must be json or csv"})
    return jsonify({"items": items})


@bp.put("/campaigns/<campaign>")
@token_required("coordinator")
def put_campaign(campaign: str):
    """Record what a campaign cost; the campaign report then shows its ROI."""
    payload = parse(CampaignSpendIn, json_body())
    return jsonify(reports.set_campaign_spend(campaign, payload.spend))


def csv_response(text: str, filename: str) -> Response:
    """CSV text as a download."""
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
