"""Coordinator pages: thin views over the lead services."""

from flask import render_template
from flask_login import current_user

from app.auth import login_required_role
from app.clock import utcnow
from app.console import bp
from app.console.forms import AssignForm
from app.enums import Role
from app.htmx import render_page_or_fragment
from app.services import board, events, visibility


@bp.get("")
@login_required_role(Role.COORDINATOR)
def lead_board():
    """Every lead by state; the board refreshes itself."""
    return render_page_or_fragment(
        "console/board.html", "console/_board.html", board=board.lead_board(), now=utcnow()
    )


@bp.get("/leads/<lead_id>")
@login_required_role(Role.COORDINATOR)
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
