"""The audit log page: who did what, when, from where."""

from flask import render_template, request

from app.auth import login_required_role
from app.console import bp
from app.enums import Role
from app.inputs import id_arg
from app.services.audit import PAGE_SIZE, recent_audit_events

KINDS = {
    "": "Everything",
    "login": "Sign-ins",
    "logout": "Sign-outs",
    "token": "API tokens",
    "password": "Password changes",
    "api.": "Coordinator API calls",
    "console.": "Coordinator console actions",
}


@bp.get("/audit")
@login_required_role(Role.COORDINATOR)
def audit_log():
    """The newest audit rows, optionally of one kind, a page at a time."""
    kind = request.args.get("kind", "")
    if kind not in KINDS:
        kind = ""
    events = recent_audit_events(kind or None, id_arg("before"))
    older = events[-1].id if len(events) == PAGE_SIZE else None
    return render_template("console/audit.html", events=events, kinds=KINDS, kind=kind, older=older)
