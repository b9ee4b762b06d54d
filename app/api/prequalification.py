"""Pre-qualification rules (coordinator): which new leads wait in review."""

from app.api import bp
from app.api.spec import api_endpoint
from app.api.views import json_body
from app.auth import token_required
from app.enums import Role
from app.responses import HeldLeadOut, Items, ReviewRuleOut
from app.schemas import ReviewRuleIn, ReviewRulePatch
from app.services import review_rules
from app.services.serialisation import review_rule_out


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
