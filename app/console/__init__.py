"""The OEM coordinator's console."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from app.console import audit, forms_pages, questions, route_editor, steering, views  # noqa: E402,F401
