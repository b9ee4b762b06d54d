"""Rows queued with insert_with_transaction are written exactly when their transaction commits."""

import pytest
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import AuditEvent, Lead, LeadEvent, new_lead_id
from app.services.events import record_event
from app.services.unit_of_work import insert_with_transaction, unit_of_work
from tests.services.helpers import new_lead

pytestmark = pytest.mark.both_databases


def queue_audit_row(action: str) -> None:
    insert_with_transaction(
        AuditEvent.__table__, {"at": utcnow(), "action": action, "via": "cli", "detail": {}}
    )


def stored_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_queued_rows_are_written_by_the_commit_in_the_order_queued(app):
    queue_audit_row("first")
    queue_audit_row("second")
    db.session.commit()
    assert stored_actions() == ["first", "second"]


def test_queued_rows_of_a_transaction_that_ends_unwritten_are_dropped(app):
    queue_audit_row("rolled back")
    db.session.rollback()
    queue_audit_row("closed")
    db.session.close()
    db.session.commit()
    queue_audit_row("kept")
    db.session.commit()
    assert stored_actions() == ["kept"]


def test_a_failed_unit_of_work_leaves_no_event(app, network):
    lead = new_lead()
    before = db.session.scalar(select(func.count()).select_from(LeadEvent))
    with pytest.raises(RuntimeError), unit_of_work():
        record_event(lead, "note", text="never stored")
        db.session.flush()  # the event is written after this flush, then rolled back
        raise RuntimeError
    assert db.session.scalar(select(func.count()).select_from(LeadEvent)) == before


def test_an_event_for_a_new_lead_follows_the_lead_into_the_database(app):
    """The lead is only pending in the session when its event is queued: the commit's
    flush writes the lead first, then the event that names it (a foreign key)."""
    lead = Lead(
        id=new_lead_id(), first_name="Ada", last_name="Berg", inquiry_type="b2c", delivery="pickup"
    )
    with unit_of_work():
        db.session.add(lead)
        record_event(lead, "received", source="api")
    kinds = db.session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id))
    assert list(kinds) == ["received"]
