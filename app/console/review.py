"""Console: the pre-qualification queue (approve or reject) and the rules that fill it."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth import login_required_role
from app.console import bp
from app.console.forms import RejectForm, ReviewRuleForm
from app.enums import Role
from app.forms import ConfirmForm
from app.services import dispatch, review_rules
from app.services.errors import DomainError


def _page(rule_form: ReviewRuleForm | None = None, status: int = 200):
    return (
        render_template(
            "console/review.html",
            queue=review_rules.review_queue(),
            rules=review_rules.list_rules(),
            describe=review_rules.describe,
            rule_form=rule_form or ReviewRuleForm(formdata=None),
            confirm_form=ConfirmForm(),
            reject_form=RejectForm(formdata=None),
        ),
        status,
    )


@bp.get("/review")
@login_required_role(Role.COORDINATOR)
def review_queue():
    """Leads waiting for pre-qualification, with the rule that held each; and the rules."""
    return _page()


@bp.post("/review/rules")
@login_required_role(Role.COORDINATOR)
def create_review_rule():
    """Add a rule from the console form."""
    form = ReviewRuleForm()
    if form.validate_on_submit():
        threshold_kind = form.kind.data in review_rules.THRESHOLD_KINDS
        setting = form.setting.data.strip()
        data = {"kind": form.kind.data, "name": form.name.data or None}
        if threshold_kind:
            try:
                data["threshold"] = float(setting.replace(",", "."))
            except ValueError:
                form.setting.errors.append("Give a number, e.g. 10 or 0.6.")
        else:
            data["value"] = setting
        if not form.setting.errors:
            try:
                rule = review_rules.create_rule(data)
            except DomainError as error:
                form.setting.errors.extend(error.errors.values())
            else:
                flash(f"Rule added: {review_rules.describe(rule)}.")
                return redirect(url_for("console.review_queue"))
    return _page(form, status=422)


@bp.post("/review/rules/<int:rule_id>/toggle")
@login_required_role(Role.COORDINATOR)
def toggle_review_rule(rule_id: int):
    """Pause or resume a rule."""
    if ConfirmForm().validate_on_submit():
        rule = review_rules.get_rule(rule_id)
        review_rules.update_rule(rule_id, {"active": not rule.active})
        flash(f"Rule {'resumed' if rule.active else 'paused'}: {rule.name}.")
    return redirect(url_for("console.review_queue"))


@bp.post("/review/rules/<int:rule_id>/delete")
@login_required_role(Role.COORDINATOR)
def delete_review_rule(rule_id: int):
    """Remove a rule; leads it already holds stay in the queue."""
    if ConfirmForm().validate_on_submit():
        review_rules.delete_rule(rule_id)
        flash("Rule removed.")
    return redirect(url_for("console.review_queue"))


@bp.post("/review/<lead_id>/approve")
@login_required_role(Role.COORDINATOR, relation="lead")
def approve_held_lead(lead_id: str):
    """Pre-qualified: route the lead now, and stay on the queue."""
    if ConfirmForm().validate_on_submit():
        try:
            lead = dispatch.approve_lead(lead_id, current_user)
            flash(f"Approved and routed: {lead.title} ({lead.status}).")
        except DomainError as error:
            flash("Not approved: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.review_queue"))
