"""Coordinator intake tools: pre-qualification rules and their queue, CSV import of leads."""

from flask import request

from app.api import bp
from app.api.spec import api_endpoint
from app.api.views import json_body, query_args
from app.auth import api_user, token_required
from app.enums import Role
from app.responses import ErrorsOut, HeldLeadOut, Items, LeadImportReportOut, ReviewRuleOut
from app.schemas import LeadImportQuery, ReviewRuleIn, ReviewRulePatch
from app.services import lead_import, review_rules
from app.services.errors import UnsupportedMediaType
from app.services.serialisation import lead_import_report_out, review_rule_out


@bp.get("/review-rules")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Every pre-qualification rule, in the order they are tried", returns=Items[ReviewRuleOut]
)
def list_review_rules():
    """Every pre-qualification rule, in the order they are tried."""
    return Items[ReviewRuleOut](items=[review_rule_out(rule) for rule in review_rules.list_rules()])


@bp.post("/review-rules")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Add a rule: leads it matches wait in review instead of being routed",
    body=ReviewRuleIn,
    returns=ReviewRuleOut,
    status=201,
)
def create_review_rule():
    """Add a rule: leads it matches wait in review instead of being routed."""
    return review_rule_out(review_rules.create_rule(json_body()))


@bp.patch("/review-rules/<int:rule_id>")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Change a rule (name, threshold or value, active)", body=ReviewRulePatch, returns=ReviewRuleOut
)
def update_review_rule(rule_id: int):
    """Change a rule (name, threshold or value, active)."""
    return review_rule_out(review_rules.update_rule(rule_id, json_body()))


@bp.delete("/review-rules/<int:rule_id>")
@token_required(Role.COORDINATOR)
@api_endpoint("Remove a rule; leads it already holds stay in review", returns=None, status=204)
def delete_review_rule(rule_id: int):
    """Remove a rule; leads it already holds stay in review."""
    review_rules.delete_rule(rule_id)
    return "", 204


@bp.get("/review-queue")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Leads waiting in review, longest first, each with the rule that holds it",
    returns=Items[HeldLeadOut],
)
def get_review_queue():
    """Leads waiting in review, longest first, each with the rule that holds it."""
    return Items[HeldLeadOut](
        items=[
            HeldLeadOut(
                lead=held.lead.id, title=held.lead.title, reason=held.reason, held_at=held.held_at
            )
            for held in review_rules.review_queue()
        ]
    )


# --- CSV import of leads ------------------------------------------------------------------


@bp.post("/leads/import")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Import leads from CSV: ?dry_run=true checks only; errors by row and column; all or "
    "nothing unless ?import_valid_rows=true (also ?country=DE, ?campaign=...)",
    body_media_types=("text/csv",),
    query=LeadImportQuery,
    returns=LeadImportReportOut,
    status=201,
    responses={200: LeadImportReportOut, 422: (LeadImportReportOut, ErrorsOut)},
    errors=(415,),
)
def import_leads():
    """Leads from a CSV body; ?dry_run=true checks only (see services/lead_import.py)."""
    if request.mimetype not in ("text/csv", "text/plain"):
        raise UnsupportedMediaType("send CSV", {"content_type": "send the file as text/csv"})
    options = query_args(LeadImportQuery)
    report = lead_import.import_leads(
        request.get_data(),
        dry_run=options.dry_run,
        import_valid_rows=options.import_valid_rows,
        default_country=options.country,
        campaign=options.campaign or None,
        actor=api_user(),
    )
    status = 201 if report.stored else 422 if report.errors else 200
    return lead_import_report_out(report), status
