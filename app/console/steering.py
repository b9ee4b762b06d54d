"""Console: the coordinator steers a lead by hand (assign, approve, reject)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.auth import COORDINATORS, login_required_role
from app.console import bp
from app.console.forms import AssignForm
from app.forms import ConfirmForm
from app.services import dispatch
from app.services.errors import DomainError


@bp.post("/leads/<lead_id>/assign")
@login_required_role(*COORDINATORS, relation="lead")
def assign_lead(lead_id: str):
    """Offer the lead by hand to a dealer the coordinator picks."""
    form = AssignForm()
    if form.validate_on_submit():
        try:
            dispatch.assign_lead(lead_id, form.dealer.data.strip(), current_user)
            flash(f"Offered to {form.dealer.data.strip()}.")
        except DomainError as error:
            flash("Not assigned: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))


@bp.post("/leads/<lead_id>/approve")
@login_required_role(*COORDINATORS, relation="lead")
def approve_lead(lead_id: str):
    """Pre-qualification passed: route the lead now."""
    if ConfirmForm().validate_on_submit():
        try:
            dispatch.approve_lead(lead_id, current_user)
            flash("Approved and routed.")
        except DomainError as error:
            flash("Not approved: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))


@bp.post("/leads/<lead_id>/reject")
@login_required_role(*COORDINATORS, relation="lead")
def reject_lead(lead_id: str):
    """Pre-qualification failed: the lead is rejected and never routed."""
    if ConfirmForm().validate_on_submit():
        try:
            dispatch.reject_lead(lead_id, current_user, request.form.get("note") or None)
            flash("Rejected.")
        except DomainError as error:
            flash("Not rejected: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))
