"""The OEM coordinator's console."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from app.console import (  # noqa: E402,F401
    audit,
    forms_pages,
    questions,
    review,
    route_editor,
    steering,
    views,
)
