"""Expiry, hand-on, reminders and exhaustion, driven by the injected clock."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, Offer
from app.services import recycling
from app.services.offers import decline_offer
from app.services.users import find_user_by_email
from tests.services.helpers import events, lead_status, new_lead, notifications, offers_of

pytestmark = pytest.mark.both_databases


def test_offer_is_not_expired_before_its_deadline(network, clock):
    lead = new_lead()
    clock.advance(minutes=59, seconds=59)
    assert recycling.expire_overdue_offers() == 0
    assert offers_of(lead.id) == [("D1", "pending")]


def test_overdue_offer_expires_and_goes_to_the_next_dealer(network, clock):
    lead = new_lead()
    clock.advance(hours=1)
    assert recycling.expire_overdue_offers() == 1
    assert offers_of(lead.id) == [("D1", "expired"), ("D2", "pending")]
    assert lead_status(lead.id) == "offered"
    (expired,) = events("expired", lead.id)
    assert expired.dealer.code == "D1"
    assert notifications("new_offer", lead.id) == 2  # D1 first, then D2
    # The next dealer gets a full SLA from the moment it was offered the lead.
    second = db.session.scalars(select(Offer).where(Offer.lead_id == lead.id)).all()[1]
    assert second.offered_at == clock.now
    assert (second.expires_at - second.offered_at).total_seconds() == 3600


def test_each_deadline_is_its_own_dealers_hour(network, clock):
    lead = new_lead()
    for _ in range(2):
        clock.advance(hours=1)
        recycling.expire_overdue_offers()
    assert offers_of(lead.id) == [("D1", "expired"), ("D2", "expired"), ("D3", "pending")]


def test_exhaustion_makes_the_lead_unassigned_and_tells_the_coordinators(network, clock):
    lead = new_lead()
    for _ in range(3):
        clock.advance(hours=1, seconds=1)
        assert recycling.expire_overdue_offers() == 1
    assert offers_of(lead.id) == [("D1", "expired"), ("D2", "expired"), ("D3", "expired")]
    assert lead_status(lead.id) == "unassigned"
    assert len(events("unassigned", lead.id)) == 1
    coordinator = find_user_by_email("oem@example.com")
    told = db.session.scalars(
        select(Notification).where(
            Notification.kind == "unassigned", Notification.lead_id == lead.id
        )
    ).all()
    assert [row.user_id for row in told] == [coordinator.id]
    # Nothing more happens to it: it waits in the OEM queue.
    clock.advance(days=2)
    assert recycling.expire_overdue_offers() == 0
    assert lead_status(lead.id) == "unassigned"


def test_decline_hands_on_in_the_same_transaction(network, clock):
    lead = new_lead()
    decline_offer(lead.id, find_user_by_email("sales@d1.example"), "capacity")
    assert offers_of(lead.id) == [("D1", "declined"), ("D2", "pending")]


def test_an_offer_answered_meanwhile_is_not_expired(network, clock):
    lead = new_lead()
    clock.advance(hours=2)
    stale = db.session.scalars(select(Offer).where(Offer.lead_id == lead.id)).one()
    decline_offer(lead.id, find_user_by_email("sales@d1.example"), "other")
    assert recycling.expire_offer(stale, clock.now) is False
    assert offers_of(lead.id) == [("D1", "declined"), ("D2", "pending")]


def test_expiring_the_same_offer_twice_hands_on_once(network, clock):
    lead = new_lead()
    clock.advance(hours=1)
    offer_id = recycling.overdue_offer_ids(clock.now)[0]
    assert recycling.expire_offer(db.session.get(Offer, offer_id), clock.now) is True
    assert recycling.expire_offer(db.session.get(Offer, offer_id), clock.now) is False
    assert offers_of(lead.id) == [("D1", "expired"), ("D2", "pending")]


def test_many_leads_expire_in_one_pass(network, clock):
    leads = [new_lead() for _ in range(12)]
    clock.advance(hours=1)
    assert recycling.expire_overdue_offers() == 12
    for lead in leads:
        assert offers_of(lead.id) == [("D1", "expired"), ("D2", "pending")]


def test_a_pass_takes_at_most_its_batch_and_the_next_one_the_rest(network, clock):
    leads = [new_lead() for _ in range(5)]
    clock.advance(hours=1)
    assert recycling.expire_overdue_offers(limit=3) == 3
    assert recycling.expire_overdue_offers(limit=3) == 2
    assert all(offers_of(lead.id)[-1] == ("D2", "pending") for lead in leads)


def test_reminder_is_queued_once_at_half_the_sla(network, clock):
    lead = new_lead()
    clock.advance(minutes=29, seconds=59)
    assert recycling.send_due_reminders() == 0
    clock.advance(seconds=1)
    assert recycling.send_due_reminders() == 1
    assert notifications("reminder", lead.id) == 1
    (reminded,) = events("reminded", lead.id)
    assert reminded.dealer.code == "D1"
    clock.advance(minutes=10)
    assert recycling.send_due_reminders() == 0
    assert notifications("reminder", lead.id) == 1
    offer = db.session.scalars(select(Offer).where(Offer.lead_id == lead.id)).one()
    assert offer.reminded_at == clock.now.replace(minute=30, second=0)
    assert offer.remind_at is None


def test_reminder_fraction_is_configurable(app, network, clock):
    app.config["RELAY_REMINDER_FRACTION"] = 0.8
    lead = new_lead()
    clock.advance(minutes=47)
    assert recycling.send_due_reminders() == 0
    clock.advance(minutes=1)
    assert recycling.send_due_reminders() == 1
    assert notifications("reminder", lead.id) == 1


def test_no_reminders_when_the_fraction_is_zero(app, network, clock):
    app.config["RELAY_REMINDER_FRACTION"] = 0
    lead = new_lead()
    clock.advance(minutes=59)
    assert recycling.send_due_reminders() == 0
    assert notifications("reminder", lead.id) == 0


def test_each_new_offer_gets_its_own_reminder(network, clock):
    lead = new_lead()
    clock.advance(minutes=30)
    recycling.send_due_reminders()
    clock.advance(minutes=30)
    recycling.expire_overdue_offers()
    clock.advance(minutes=30)
    assert recycling.send_due_reminders() == 1
    assert [event.dealer.code for event in events("reminded", lead.id)] == ["D1", "D2"]


def test_an_answered_offer_gets_no_reminder(network, clock):
    lead = new_lead()
    decline_offer(lead.id, find_user_by_email("sales@d1.example"), "capacity")
    clock.advance(minutes=45)
    assert recycling.send_due_reminders() == 1  # D2's, not D1's
    assert [event.dealer.code for event in events("reminded", lead.id)] == ["D2"]


def test_an_overdue_offer_is_expired_not_reminded(network, clock):
    lead = new_lead()
    clock.advance(hours=3)
    recycling.send_due_reminders()
    assert notifications("reminder", lead.id) == 0
    assert recycling.expire_overdue_offers() == 1
