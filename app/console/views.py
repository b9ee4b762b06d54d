"""Coordinator pages: the lead board (a lead's page and acting on it: console/steering.py)."""

from flask import request
from flask_login import current_user

from app.auth import COORDINATORS, login_required_role
from app.console import bp
from app.htmx import render_page_or_fragment
from app.services import board
from app.services.errors import ValidationFailed


@bp.get("")
@login_required_role(*COORDINATORS)
def lead_board():
    """Leads filtered and searched, newest change first, a page at a time; htmx polls it.
    A regional coordinator sees its regions' leads only (visibility.visible_to)."""
    zone = current_user.timezone
    errors: dict[str, str] = {}
    try:
        filters = board.BoardFilters.from_args(request.args)
        page = board.board_page(
            filters, request.args.get("cursor") or None, viewer=current_user, timezone=zone
        )
    except ValidationFailed as error:
        errors = error.errors
        filters = board.BoardFilters()
        page = board.board_page(filters, viewer=current_user, timezone=zone)
    return render_page_or_fragment(
        "console/board.html",
        "console/_board.html",
        422 if errors else 200,
        page=page,
        errors=errors,
        args=request.args,
        statuses=board.BOARD_STATUSES,
        stages=board.STAGES,
    )
