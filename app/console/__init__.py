"""The OEM coordinator's console."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from app.console import (  # noqa: E402,F401
    audit,
    dealers,
    deliveries,
    display,
    forms_pages,
    lead_import,
    questions,
    reports,
    review,
    route_editor,
    settings,
    steering,
    users,
    views,
)
