"""Audit every state-changing request a coordinator makes, whichever view serves it.

One hook instead of a line in each view: a coordinator endpoint added later is
audited without anyone remembering to. Views and services that record a richer row
themselves (sign-in, tokens) mark the request as audited, and the hook stays quiet.
"""

from flask import Flask, Response, current_app, g, request, session

from app.extensions import db
from app.services.audit import record_audit, request_action_recorded, request_detail

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask) -> None:
    """Install the after-request hook."""
    app.after_request(_audit_coordinator_action)


def _audit_coordinator_action(response: Response) -> Response:
    if (
        request.method not in STATE_CHANGING
        or g.get("audited")
        or request.endpoint is None
        or request_action_recorded()  # written with the change itself (services/audit.py)
    ):
        return response
    actor = _coordinator()
    if actor is None:
        return response
    try:
        # Whatever the view left uncommitted would be dropped at teardown anyway; drop it
        # now so that writing this row cannot commit a failed request's half-changes.
        db.session.rollback()
        record_audit(
            request.endpoint,
            actor=actor,
            target=request.path,
            status=response.status_code,
            detail=request_detail(),
        )
        db.session.commit()
    except Exception:  # the answer the user gets must not depend on the audit write
        db.session.rollback()
        current_app.logger.exception(
            "audit row for %s %s not written", request.method, request.path
        )
    return response


def _coordinator():
    user = g.get("api_user")
    if user is None and "_user_id" in session:
        from flask_login import current_user

        user = current_user._get_current_object() if current_user.is_authenticated else None
    return user if user is not None and user.is_coordinator else None
