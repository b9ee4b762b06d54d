"""The audit log: who did what, when, and from where.

Rows are added to the caller's transaction; the caller commits. This is the one
service that looks at the request, and only to learn where an action came from
(client address, the signed-in user or token) so that no caller has to pass it.
"""

from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import inspect, select

from app.clock import utcnow
from app.extensions import db
from app.models import AuditEvent, User
from app.services.unit_of_work import add_new

PAGE_SIZE = 100


def record_audit(
    action: str,
    *,
    actor: User | None = None,
    actor_email: str | None = None,
    via: str | None = None,
    target: str | None = None,
    status: int | None = None,
    detail: dict | None = None,
    at: datetime | None = None,
    describes_request: bool = True,
    with_core_insert: bool = False,
) -> AuditEvent:
    """Append an audit row (in the caller's transaction) for `action` by `actor`.

    `describes_request=False` for rows noted along the way (a token's use): the
    request's own action is then still audited by the request hook.
    `with_core_insert`: written with the transaction's next write as one INSERT
    (unit_of_work.add_new), for a caller that writes its other rows so too.
    """
    origin = _request_origin()
    actor = actor or origin["actor"]
    event = AuditEvent(
        at=at or utcnow(),
        action=action[:80],
        actor_user_id=actor.id if actor is not None else None,
        actor_email=(actor.email if actor is not None else actor_email or None),
        via=via or origin["via"],
        ip=origin["ip"],
        target=(target or "")[:200] or None,
        status=status,
        detail=detail or {},
    )
    if with_core_insert:
        add_new(event)
    else:
        db.session.add(event)
    if describes_request and has_request_context():
        g.audited = True
    return event


def record_request_action(status: int) -> None:
    """The current request's own audit row, in the caller's transaction.

    For a service whose commit decides the answer (`status`): intake writes the row
    with the lead instead of the request hook (app/auditing.py) writing it in a second
    transaction, which cost every lead another commit and another turn at SQLite's
    write lock. Once per request; if the transaction rolls back, the hook writes it.
    """
    if not has_request_context() or request_action_recorded():
        return
    g.request_audit = record_audit(
        request.endpoint or request.path,
        target=request.path,
        status=status,
        detail=request_detail(),
        describes_request=False,
        with_core_insert=True,  # with the lead's rows
    )


def request_action_recorded() -> bool:
    """Is the current request's audit row stored (by record_request_action)?"""
    event = g.get("request_audit")
    return event is not None and inspect(event).persistent


def request_detail() -> dict:
    """The request's URL arguments, as an audit row's detail."""
    return {key: str(value)[:100] for key, value in (request.view_args or {}).items()}


def _request_origin() -> dict:
    """Client address, acting user and channel of the current request (none for the CLI)."""
    if not has_request_context():
        return {"actor": None, "via": "cli", "ip": None}
    actor = g.get("api_user")
    if actor is not None:
        return {"actor": actor, "via": "token", "ip": request.remote_addr}
    from flask_login import current_user

    user = current_user._get_current_object() if current_user.is_authenticated else None
    return {"actor": user, "via": "session", "ip": request.remote_addr}


def recent_audit_events(
    action_prefix: str | None = None, before_id: int | None = None, limit: int = PAGE_SIZE
) -> list[AuditEvent]:
    """The newest audit rows (optionally of one kind, or older than an id), newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action_prefix:
        query = query.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))
