"""Pre-qualification rules (coordinator): which new leads wait in review."""

from flask import jsonify

from app.api import bp
from app.api.views import json_body
from app.auth import token_required
from app.services import review_rules


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
