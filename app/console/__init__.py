"""The OEM coordinator's console."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from app.console import deliveries, questions, reports, routing, views  # noqa: E402,F401
