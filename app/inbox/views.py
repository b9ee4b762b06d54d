"""Dealer pages: thin views over the lead and offer services."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth import login_required_role
from app.clock import utcnow
from app.htmx import is_htmx_request
from app.inbox import bp
from app.inbox.forms import ActionForm, DeclineForm
from app.services import leads, offers
from app.services.errors import Conflict, NotFound

DEALER_ROLES = ("dealer_manager", "salesperson")


@bp.get("")
@login_required_role(*DEALER_ROLES)
def list_leads():
    """Pending offers first (with time left), then owned leads by stage."""
    rows = leads.inbox_leads(current_user)
    pending = [(lead, leads.pending_offer_for(lead, current_user)) for lead in rows]
    waiting = sorted(
        [(lead, offer) for lead, offer in pending if offer is not None],
        key=lambda pair: pair[1].expires_at,
    )
    owned = [lead for lead, offer in pending if offer is None]
    template = "inbox/_list.html" if is_htmx_request() else "inbox/list.html"
    return render_template(template, waiting=waiting, owned=owned, now=utcnow())


@bp.get("/leads/<lead_id>")
@login_required_role(*DEALER_ROLES)
def lead_detail(lead_id: str):
    """Everything the customer said, and what the dealer can do now."""
    lead = leads.get_visible_lead(lead_id, current_user)
    return render_template(
        "inbox/lead.html",
        lead=lead,
        offer=leads.pending_offer_for(lead, current_user),
        action_form=ActionForm(),
        decline_form=DeclineForm(),
        now=utcnow(),
    )


@bp.post("/leads/<lead_id>/accept")
@login_required_role(*DEALER_ROLES)
def accept_lead(lead_id: str):
    """One tap: the dealer takes the lead."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("inbox.lead_detail", lead_id=lead_id))
    try:
        offers.accept_offer(lead_id, current_user)
    except Conflict:
        flash("This lead is no longer waiting for you.")
        return redirect(url_for("inbox.list_leads"))
    flash("Lead accepted. It's yours: contact the customer soon.")
    return redirect(url_for("inbox.lead_detail", lead_id=lead_id))


@bp.route("/leads/<lead_id>/decline", methods=["GET", "POST"])
@login_required_role(*DEALER_ROLES)
def decline_lead(lead_id: str):
    """Decline with a reason; the lead goes to the next dealer at once."""
    lead = leads.get_visible_lead(lead_id, current_user)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            offers.decline_offer(lead_id, current_user, form.reason.data, form.note.data or None)
        except (Conflict, NotFound):
            flash("This lead is no longer waiting for you.")
            return redirect(url_for("inbox.list_leads"))
        flash("Declined. The lead went on to the next dealer.")
        return redirect(url_for("inbox.list_leads"))
    status = 422 if form.errors else 200
    return render_template("inbox/decline.html", lead=lead, form=form), status
