"""Coordinator pages: thin views over the lead services."""

from flask import render_template
from flask_login import current_user

from app.auth import COORDINATORS, login_required_role
from app.clock import utcnow
from app.console import bp
from app.console.forms import AssignForm
from app.htmx import is_htmx_request
from app.services import board, events, visibility


@bp.get("")
@login_required_role(*COORDINATORS)
def lead_board():
    """Every lead by state (a regional coordinator's regions); the board refreshes itself."""
    columns = board.lead_board(current_user)
    template = "console/_board.html" if is_htmx_request() else "console/board.html"
    return render_template(template, board=columns, now=utcnow())


@bp.get("/leads/<lead_id>")
@login_required_role(*COORDINATORS, relation="lead")
def lead_detail(lead_id: str):
    """A lead with its offers, the routing explanations and its history."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    return render_template(
        "console/lead.html",
        lead=lead,
        events=events.lead_events(lead),
        assign_form=AssignForm(),
        now=utcnow(),
    )
