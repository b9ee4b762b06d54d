"""Objects written with add_new: the same rows the ORM's flush writes, then kept as loaded."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select

from app.clock import set_clock
from app.enums import OfferKind, OfferStatus
from app.extensions import db
from app.models import AuditEvent, Dealer, Lead, LeadEvent, LineItem, Offer, new_lead_id
from app.services.intake import build_lead
from app.services.unit_of_work import add_new, unit_of_work, write_queued
from tests.factories import lead_body

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    set_clock(lambda: NOW)
    yield
    set_clock(None)


def lead_with_offer(dealer: Dealer) -> tuple[Lead, Offer]:
    """A built lead (as intake builds one, line items and all) and a pending offer of it."""
    lead = build_lead(lead_body(custom_fields={"utm_campaign": "spring"}))
    offer = Offer(
        lead=lead,
        dealer=dealer,
        status=OfferStatus.PENDING,
        kind=OfferKind.ROUTED,
        offered_at=NOW,
        expires_at=NOW,
        explanation="nearest",
    )
    return lead, offer


def stored_row(model: type, key) -> dict:
    """A row's stored values, read past the session."""
    table = model.__table__
    row = db.session.connection().execute(select(table).where(table.c.id == key)).mappings().one()
    return dict(row)


def test_add_new_writes_the_rows_the_flush_writes(app, network):
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D1"))
    by_flush, by_flush_offer = lead_with_offer(dealer)
    by_core, by_core_offer = lead_with_offer(dealer)
    audit_by_flush = AuditEvent(action="lead.create", detail={"a": 1})
    audit_by_core = AuditEvent(action="lead.create", detail={"a": 1})
    with unit_of_work():
        db.session.add_all([by_flush, by_flush_offer, audit_by_flush])
        db.session.flush()
        by_core.line_items = []  # (intake queues them as rows)
        for instance in (by_core, by_core_offer, audit_by_core):
            add_new(instance)
        write_queued()

    lead_flushed, lead_written = stored_row(Lead, by_flush.id), stored_row(Lead, by_core.id)
    assert lead_written.pop("id") != lead_flushed.pop("id")
    assert lead_written == lead_flushed
    assert lead_written["campaign"] == "spring"
    offer_flushed = stored_row(Offer, by_flush_offer.id)
    offer_written = stored_row(Offer, by_core_offer.id)
    assert offer_written.pop("lead_id") == by_core.id
    assert offer_flushed.pop("lead_id") == by_flush.id
    assert offer_written.pop("id") == offer_flushed.pop("id") + 1
    assert offer_written == offer_flushed
    audit_flushed = stored_row(AuditEvent, audit_by_flush.id)
    audit_written = stored_row(AuditEvent, audit_by_core.id)
    assert audit_written.pop("id") == audit_flushed.pop("id") + 1
    assert audit_written == audit_flushed


def test_written_objects_are_kept_as_loaded_and_their_changes_saved(app, network):
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D1"))
    lead, offer = lead_with_offer(dealer)
    with unit_of_work(keep_loaded=True):
        add_new(lead)
        add_new(offer)
        write_queued()
        assert inspect(lead).persistent and inspect(offer).persistent
        assert not db.session.dirty and not db.session.new  # nothing for a flush to write
        assert lead.offers == [offer] and offer.lead is lead
        assert offer.id is not None and offer.lead_id == lead.id and offer.dealer_id == dealer.id
        assert all(inspect(item).transient for item in lead.line_items)  # not the session's
        lead.message = "changed after writing"
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 1
    assert db.session.scalar(select(func.count()).select_from(LineItem)) == 0
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).message == "changed after writing"


def test_a_rolled_back_transaction_leaves_them_new_with_their_values(app, network):
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D1"))
    lead, offer = lead_with_offer(dealer)
    items = list(lead.line_items)
    with pytest.raises(RuntimeError), unit_of_work():
        add_new(lead)
        add_new(offer)
        write_queued()
        raise RuntimeError
    assert inspect(lead).transient and inspect(offer).transient
    assert lead.first_name == "Eva" and lead.line_items == items and lead.offers == [offer]
    assert offer.dealer is dealer and offer.status == OfferStatus.PENDING
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0


def test_a_flush_writes_the_queued_objects_first(app, network):
    """An ORM object the flush writes may name a queued one (a foreign key)."""
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D1"))
    lead, _offer = lead_with_offer(dealer)
    lead.id = new_lead_id()
    with unit_of_work():
        add_new(lead)
        db.session.add(LeadEvent(lead_id=lead.id, kind="note", at=NOW, detail={}))
        db.session.flush()
        assert inspect(lead).persistent
    assert db.session.scalar(select(LeadEvent.lead_id)) == lead.id


def test_a_queued_object_the_session_took_in_is_the_flushs_to_write(app, network):
    """Adding an object that names a queued one cascades it into the session: the flush
    writes it then, and add_new leaves it alone (one row, not two)."""
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D1"))
    lead, offer = lead_with_offer(dealer)
    lead.line_items = []
    with unit_of_work():
        add_new(lead)
        db.session.add(offer)
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 1
    assert db.session.scalar(select(Offer.lead_id)) == lead.id


def test_a_queued_object_naming_one_the_flush_has_yet_to_write_goes_with_the_flush(app, network):
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D1"))
    lead, offer = lead_with_offer(dealer)
    with unit_of_work():
        db.session.add(lead)  # pending: the flush writes it
        add_new(offer)
        write_queued()
        assert inspect(offer).persistent and offer.lead_id == lead.id
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 1
