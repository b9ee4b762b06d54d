"""The OEM coordinator's console."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from app.console import audit, forms_pages, questions, review, routing, views  # noqa: E402,F401
