"""The dealer's phone app: inbox, lead page, accept and decline."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

from app.inbox import views  # noqa: E402,F401
