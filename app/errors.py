"""Error responses: `{"errors": {...}}` under /api, a readable page elsewhere."""

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.ratelimits import (
    page_for_rate_limited,
    retry_after_seconds,
    too_many_requests,
    wait_minutes,
)
from app.services.errors import Conflict, DomainError

_GENERIC_FIELD = {
    400: ("body", "the request could not be read"),
    401: ("authorization", "a valid API token is required"),
    403: ("authorization", "this token may not do this"),
    404: ("id", "not found"),
    405: ("method", "method not allowed"),
    409: ("status", "not allowed in the lead's current state"),
    413: ("body", "the request body is too large"),
    415: ("body", "send JSON with Content-Type: application/json"),
    429: ("rate_limit", "too many requests; try again later"),
}


def wants_json() -> bool:
    """API paths always answer JSON."""
    return request.path.startswith("/api/")


def json_error(status: int, errors: dict[str, str] | None = None):
    """A JSON error response in the contract's shape."""
    field, message = _GENERIC_FIELD.get(status, ("error", "request failed"))
    return jsonify({"errors": errors or {field: message}}), status


def register(app: Flask) -> None:
    """Install handlers for domain errors, HTTP errors and anything unexpected."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if wants_json():
            return json_error(error.status, error.errors or _message_errors(error))
        return _page(error.status, error.message or None)

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        # A concurrent change won a race the database refereed (e.g. a second pending offer).
        db.session.rollback()
        return handle_domain_error(
            Conflict("the lead changed meanwhile", {"status": "changed meanwhile; reload"})
        )

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        if wants_json():
            return json_error(400, {"csrf_token": error.description})
        return _page(400, "Your session form expired. Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code == 429:
            return rate_limited()
        if wants_json():
            return json_error(error.code or 500)
        return _page(error.code or 500, None)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, {"server": "internal error; it has been logged"})
        return _page(500, None)


def rate_limited():
    """429 with a numeric Retry-After: JSON under /api, else the endpoint's own page or ours."""
    seconds = retry_after_seconds()
    if wants_json():
        response, status = json_error(
            429, {"rate_limit": f"too many requests; try again in {seconds} seconds"}
        )
    else:
        render = page_for_rate_limited(request.endpoint)
        if render is not None:
            response, status = make_response(render(seconds)), 429
        else:
            response, status = _page(429, too_many_requests(wait_minutes(seconds)))
            response = make_response(response)
    response.headers["Retry-After"] = str(seconds)
    return response, status


def _message_errors(error: DomainError) -> dict[str, str] | None:
    if not error.message:
        return None
    field, _ = _GENERIC_FIELD.get(error.status, ("error", ""))
    return {field: error.message}


# Page titles, in the language in force when the page is rendered.
_TITLES = {
    400: _l("That request didn't work"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not allowed"),
    409: _l("That has changed"),
    413: _l("Too large"),
    422: _l("Please check your input"),
    429: _l("Slow down"),
    500: _l("Something went wrong"),
}


def _page(status: int, message: str | None):
    title = _TITLES.get(status) or _l("Error")
    return render_template("error.html", status=status, title=title, message=message), status
