"""Pages anyone may reach: sign in and out, the service worker, the offline page."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import views  # noqa: E402,F401
