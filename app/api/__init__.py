"""The versioned JSON API: /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import followup, forms, prequalification, steering, tokens, views  # noqa: E402,F401  (registers the routes)
