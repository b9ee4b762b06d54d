"""The versioned JSON API: /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import (  # noqa: E402,F401  (registers the routes)
    deliveries,
    followup,
    forms,
    prequalification,
    reports,
    steering,
    tokens,
    views,
)
