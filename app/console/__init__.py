"""The OEM coordinator's console."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from app.console import dealers, display, questions, routing, settings, views  # noqa: E402,F401
