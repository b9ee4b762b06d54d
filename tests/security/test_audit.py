"""The audit log records sign-ins, token use and coordinator actions, and the console shows it."""

from app.models import AuditEvent
from app.services.users import create_token, create_user
from tests.conftest import Api
from tests.factories import dealer_body


def _actions(db) -> list[tuple[str, str | None, str]]:
    db.session.expire_all()
    rows = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    return [(row.action, row.actor_email, row.via) for row in rows]


def test_coordinator_actions_token_use_and_sign_ins_are_audited(client, auth, db, coordinator):
    oem = Api(client, create_token(coordinator))
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert oem.put("/api/v1/dealers/D-1", json=dealer_body()).status_code == 201
    assert auth.login("oem@example.com", "wrong-password-1").status_code == 422
    assert auth.login("oem@example.com").status_code == 302
    auth.logout()
    actions = _actions(db)
    assert ("token.used", "oem@example.com", "token") in actions
    assert ("api.put_dealer", "oem@example.com", "token") in actions
    assert ("login.failed", "oem@example.com", "session") in actions
    assert ("login.succeeded", "oem@example.com", "session") in actions
    assert ("logout", "oem@example.com", "session") in actions
    put = db.session.query(AuditEvent).filter_by(action="api.put_dealer").one()
    assert put.ip == "203.0.113.7" and put.target == "/api/v1/dealers/D-1" and put.status == 201


def test_dealer_actions_are_not_coordinator_audit_rows(client, db, oem, dealer_api):
    oem.put("/api/v1/dealers/D-1", json=dealer_body(tags=["tractors", "store"]))
    dealer = dealer_api("D-1")
    dealer.post("/api/v1/leads/nope/accept")
    assert not [row for row in _actions(db) if row[0] == "api.accept_lead"]


def test_console_shows_the_audit_log_to_coordinators_only(client, auth, db, coordinator):
    auth.login("oem@example.com")
    page = client.get("/console/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "login.succeeded" in html and "oem@example.com" in html
    assert client.get("/console/audit?kind=token").status_code == 200
    assert client.get("/console/audit?before=99999999999999999999999").status_code == 200
    auth.logout()
    create_user("m@example.com", "coordinator", password="password-123")
    client.get("/logout")
    assert client.get("/console/audit").status_code == 302


def test_a_coordinators_lead_is_audited_in_its_own_transaction(client, db, oem):
    """The lead, its offer and the request's audit row: one commit, one audit row."""
    from sqlalchemy import event

    from tests.factories import lead_body

    oem.put("/api/v1/dealers/D-1", json=dealer_body())
    commits = []

    def count(connection):
        commits.append(connection)

    event.listen(db.engine, "commit", count)
    try:
        answer = oem.post("/api/v1/leads", json=lead_body())
    finally:
        event.remove(db.engine, "commit", count)
    assert answer.status_code == 201
    assert len(commits) == 1
    db.session.expire_all()
    rows = db.session.query(AuditEvent).filter_by(action="api.create_lead").all()
    assert [(row.status, row.target, row.via) for row in rows] == [(201, "/api/v1/leads", "token")]
