"""The contract's CLI commands."""

from app.models import Dealer, Lead, User
from tests.factories import make_dealer


def test_create_user_and_token(runner, db):
    make_dealer("D1")
    result = runner.invoke(
        args=[
            "create-user",
            "s@example.com",
            "--role",
            "salesperson",
            "--dealer",
            "D1",
            "--password",
            "password-123",
        ]
    )
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["create-token", "s@example.com"])
    assert token.exit_code == 0
    last = token.output.strip().splitlines()[-1]
    assert last.startswith("lr_") and " " not in last


def test_create_user_reports_bad_input(runner, db):
    result = runner.invoke(
        args=["create-user", "s@example.com", "--role", "salesperson", "--dealer", "NOPE"]
    )
    assert result.exit_code != 0
    assert "dealer" in result.output
    assert runner.invoke(args=["create-token", "nobody@example.com"]).exit_code != 0


def test_demo_is_idempotent(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = (
        db.session.query(Dealer).count(),
        db.session.query(User).count(),
        db.session.query(Lead).count(),
    )
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert counts == (
        db.session.query(Dealer).count(),
        db.session.query(User).count(),
        db.session.query(Lead).count(),
    )
    assert counts[0] >= 30
    statuses = {lead.status for lead in db.session.query(Lead)}
    assert statuses == {"review", "offered", "accepted", "unassigned", "rejected"}
    assert "coordinator@leadrelay-demo.example" in first.output


def test_worker_once(runner, db):
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0
    assert "expired" in result.output
