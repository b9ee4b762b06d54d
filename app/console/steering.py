"""Console: a lead's page and steering it by hand: the dealer picker, assign,
distribute, approve, and reject with a confirmation."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import COORDINATORS, login_required_role
from app.console import bp
from app.console.forms import AnswerForm, LeadActionForm, RejectForm
from app.forms import ConfirmForm
from app.services import dealer_picker, dispatch, questions, timeline, visibility
from app.services.errors import DomainError, ValidationFailed


def _lead_page(lead_id: str, action_form=None, reject_form=None, picked=(), status=200):
    """The lead's page: customer, actions with the dealer picker, offers, questions,
    and the whole timeline in words."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    query = (request.values.get("q") or "").strip()[:80]  # kept after a refused POST
    steerable = lead.status in dispatch.STEERABLE
    return (
        render_template(
            "console/lead.html",
            lead=lead,
            lead_state=timeline.lead_state,
            timeline=timeline.lead_timeline(lead),
            questions=[
                (question, AnswerForm(formdata=None))
                for question in questions.questions_for_lead(lead.id, current_user)
            ],
            options=dealer_picker.picker_options(lead, current_user, query) if steerable else [],
            picker_query=query,
            picked=list(picked),
            assign_form=action_form or LeadActionForm(formdata=None),
            reject_form=reject_form or RejectForm(formdata=None),
            confirm_form=ConfirmForm(),
        ),
        status,
    )


@bp.get("/leads/<lead_id>")
@login_required_role(*COORDINATORS, relation="lead")
def lead_detail(lead_id: str):
    """A lead with its offers, the routing explanations and its whole history."""
    return _lead_page(lead_id)


@bp.get("/leads/<lead_id>/picker")
@login_required_role(*COORDINATORS, relation="lead")
def pick_dealer(lead_id: str):
    """The picker's results for a search: the partial htmx swaps in as one types."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    query = (request.args.get("q") or "").strip()[:80]
    return render_template(
        "console/_picker.html",
        options=dealer_picker.picker_options(lead, current_user, query),
        picker_query=query,
        picked=request.args.getlist("picked"),
    )


def _steer(lead_id: str, action: str):
    """Assign (one dealer) or distribute (several): codes typed or picked, any case."""
    form = LeadActionForm()
    picked = request.form.getlist("picked")
    if form.validate_on_submit():
        try:
            codes = dealer_picker.resolve_codes(form.chosen_codes(picked), "dealers")
            if action == "assign" and len(codes) != 1:
                raise ValidationFailed(
                    "one dealer", {"dealers": "choose exactly one dealer to offer the lead to"}
                )
            lead = dealer_picker.steer_lead(lead_id, codes, current_user, action)
        except DomainError as error:
            form.dealers.errors = [*form.dealers.errors, *error.errors.values()] or [error.message]
        else:
            verb = "Offered to" if action == "assign" else "Distributed to"
            flash(f"{verb} {', '.join(codes)}.")
            for warning in dealer_picker.fit_warnings(lead, codes):
                flash(f"Note: {warning}")
            return redirect(url_for("console.lead_detail", lead_id=lead_id))
    return _lead_page(lead_id, action_form=form, picked=picked, status=422)


@bp.post("/leads/<lead_id>/assign")
@login_required_role(*COORDINATORS, relation="lead")
def assign_lead(lead_id: str):
    """Offer the lead by hand to the one dealer the coordinator picked."""
    return _steer(lead_id, "assign")


@bp.post("/leads/<lead_id>/distribute")
@login_required_role(*COORDINATORS, relation="lead")
def distribute_lead(lead_id: str):
    """Offer the lead to several dealers at once; the first to accept wins."""
    return _steer(lead_id, "distribute")


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
    """Reject a lead in pre-qualification (from its page or the review queue): first a
    confirmation page, then the rejection, then back where the coordinator came from."""
    form = RejectForm()
    if not form.validate_on_submit():
        return _lead_page(lead_id, reject_form=form, status=422)
    lead = visibility.get_visible_lead(lead_id, current_user)
    if form.confirmed.data != "yes":
        return render_template("console/confirm_reject.html", lead=lead, form=form)
    try:
        dispatch.reject_lead(lead_id, current_user, form.note_text())
        flash(f"Rejected: {lead.title} will not be routed.")
    except DomainError as error:
        flash("Not rejected: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(form.back_url(lead_id))
