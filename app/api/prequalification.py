"""Coordinator intake tools: pre-qualification rules and their queue, CSV import of leads."""

from flask import jsonify, request

from app.api import bp
from app.api.views import json_body
from app.auth import api_user, token_required
from app.services import lead_import, review_rules
from app.services.errors import UnsupportedMediaType, ValidationFailed


@bp.get("/review-rules")
@token_required("coordinator")
def list_review_rules():
    """Every pre-qualification rule, in the order they are tried."""
    return jsonify({"items": [review_rules.rule_to_dict(r) for r in review_rules.list_rules()]})


@bp.post("/review-rules")
@token_required("coordinator")
def create_review_rule():
    """Add a rule: leads it matches wait in review instead of being routed."""
    return jsonify(review_rules.rule_to_dict(review_rules.create_rule(json_body()))), 201


@bp.patch("/review-rules/<int:rule_id>")
@token_required("coordinator")
def update_review_rule(rule_id: int):
    """Change a rule (name, threshold or value, active)."""
    return jsonify(review_rules.rule_to_dict(review_rules.update_rule(rule_id, json_body())))


@bp.delete("/review-rules/<int:rule_id>")
@token_required("coordinator")
def delete_review_rule(rule_id: int):
    """Remove a rule; leads it already holds stay in review."""
    review_rules.delete_rule(rule_id)
    return "", 204


@bp.get("/review-queue")
@token_required("coordinator")
def get_review_queue():
    """Leads waiting in review, longest first, each with the rule that holds it."""
    return jsonify(
        {
            "items": [
                {
                    "lead": held.lead.id,
                    "title": held.lead.title,
                    "reason": held.reason,
                    "held_at": held.held_at.isoformat() if held.held_at else None,
                }
                for held in review_rules.review_queue()
            ]
        }
    )


# --- CSV import of leads ------------------------------------------------------------------


@bp.post("/leads/import")
@token_required("coordinator")
def import_leads():
    """Leads from a CSV body; ?dry_run=true checks only (see services/lead_import.py)."""
    if request.mimetype not in ("text/csv", "text/plain"):
        raise UnsupportedMediaType("send CSV", {"content_type": "send the file as text/csv"})
    args = request.args
    country = (args.get("country") or "").strip().upper() or None
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise ValidationFailed("bad country", {"country": "a two-letter ISO code such as DE"})
    report = lead_import.import_leads(
        request.get_data(),
        dry_run=_flag("dry_run"),
        import_valid_rows=_flag("import_valid_rows"),
        default_country=country,
        campaign=(args.get("campaign") or "").strip()[:120] or None,
        actor=api_user(),
    )
    status = 201 if report.stored else 422 if report.errors else 200
    return jsonify(report.to_dict()), status


def _flag(name: str) -> bool:
    raw = (request.args.get(name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise ValidationFailed("bad flag", {name: "must be true or false"})
    return raw in ("true", "1")
