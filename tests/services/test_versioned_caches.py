"""What each process caches (review rules, webhooks, the network) is never stale.

A second app on the same database stands for a second gunicorn process: it keeps its
own copies, and the two share nothing but the database. A change made through one is
seen by the other at its next transaction.
"""

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import Delivery, ReviewRule
from app.services import review_rules, webhooks
from app.services.intake import build_lead
from tests.factories import lead_body
from tests.services.helpers import lead_status, new_lead

pytestmark = pytest.mark.both_databases

RECEIVER = "http://127.0.0.1:9/hook"


def queued_for(lead_id: str) -> list[str]:
    """The webhook events queued for a lead."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Delivery.event).where(Delivery.lead_id == lead_id).order_by(Delivery.id)
        )
    )


def test_review_rules_changed_by_another_process_hold_leads_here(network, other_process):
    assert lead_status(new_lead().id) == "offered"  # this process now holds its copy
    with other_process.app_context():
        rule_id = review_rules.create_rule({"kind": "product_group", "value": "tractors"}).id
        db.session.remove()
    assert lead_status(new_lead().id) == "review"
    with other_process.app_context():
        review_rules.update_rule(rule_id, {"value": "mowers"})
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"
    with other_process.app_context():
        review_rules.update_rule(rule_id, {"value": "tractors", "active": False})
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"
    with other_process.app_context():
        review_rules.update_rule(rule_id, {"active": True})
        db.session.remove()
    assert lead_status(new_lead().id) == "review"
    with other_process.app_context():
        review_rules.delete_rule(rule_id)
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"


def test_webhooks_changed_by_another_process_hear_leads_from_here(network, other_process):
    assert queued_for(new_lead().id) == []  # this process now holds its copy
    with other_process.app_context():
        hook_id = webhooks.create_webhook(RECEIVER, ["lead.created"], "s" * 32).id
        db.session.remove()
    assert queued_for(new_lead().id) == ["lead.created"]
    with other_process.app_context():
        webhooks.delete_webhook(hook_id)
        db.session.remove()
    assert queued_for(new_lead().id) == []


def test_a_rolled_back_rule_never_stays_in_the_copy(network, other_process):
    """A rule seen inside its own transaction, then rolled back, is not kept in memory,
    even when the next change elsewhere reuses the rolled-back version number."""
    db.session.add(ReviewRule(name="big", kind="product_group", value="tractors"))
    db.session.flush()
    assert review_rules.first_matching_rule(build_lead(lead_body())).name == "big"
    db.session.rollback()
    with other_process.app_context():
        review_rules.create_rule({"kind": "product_group", "value": "mowers"})
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"


def test_a_lead_reads_the_versions_of_all_caches_in_one_statement(network, app):
    new_lead()  # the copies are loaded
    webhooks.create_webhook(RECEIVER, ["lead.created"], "s" * 32)
    new_lead()  # the webhooks' copy reloaded
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        new_lead()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    # (Inside the write, the decision is confirmed against the network's version afresh.)
    reads = [sql for sql in statements if sql.startswith("SELECT cache_versions.name")]
    assert len(reads) == 1, statements
    assert not any("FROM review_rules" in sql or "FROM webhooks" in sql for sql in statements)
