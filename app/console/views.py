"""Coordinator pages: thin views over the lead services."""

from flask import render_template, request
from flask_login import current_user

from app.auth import login_required_role
from app.clock import utcnow
from app.console import bp
from app.console.forms import AssignForm
from app.htmx import is_htmx_request
from app.models import STAGES
from app.services import board, leads
from app.services.errors import ValidationFailed


@bp.get("")
@login_required_role("coordinator")
def lead_board():
    """Leads filtered and searched, newest change first, a page at a time; htmx polls it."""
    zone = current_user.timezone
    errors: dict[str, str] = {}
    try:
        filters = board.parse_filters(request.args, zone)
        page = board.board_page(filters, request.args.get("cursor") or None, timezone=zone)
    except ValidationFailed as error:
        errors = error.errors
        filters = board.BoardFilters()
        page = board.board_page(filters, timezone=zone)
    template = "console/_board.html" if is_htmx_request() else "console/board.html"
    return (
        render_template(
            template,
            page=page,
            errors=errors,
            args=request.args,
            statuses=board.BOARD_STATUSES,
            stages=STAGES,
        ),
        422 if errors else 200,
    )


@bp.get("/leads/<lead_id>")
@login_required_role("coordinator")
def lead_detail(lead_id: str):
    """A lead with its offers, the routing explanations and its history."""
    lead = leads.get_visible_lead(lead_id, current_user)
    return render_template(
        "console/lead.html",
        lead=lead,
        events=leads.lead_events(lead),
        assign_form=AssignForm(),
        now=utcnow(),
    )
