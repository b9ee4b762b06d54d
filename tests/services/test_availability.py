"""Opening hours and absences, end to end through routing, offers and the worker."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Dealer, Offer
from app.services import recycling
from app.services.absence import clear_absence, set_absence
from app.services.deadlines import validate_opening_hours
from app.services.errors import ValidationFailed
from app.services.offers import decline_offer
from app.services.users import find_user_by_email
from tests.factories import make_dealer
from tests.services.helpers import events, lead_status, new_lead, notifications, offers_of

pytestmark = pytest.mark.both_databases

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE_HOURS = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def dealer(code: str) -> Dealer:
    db.session.expire_all()
    return db.session.scalar(select(Dealer).where(Dealer.code == code))


def set_opening_hours(shop: Dealer, hours: dict | None, timezone: str) -> None:
    """Opening hours as the dealers API stores them (validated there, see tests/api)."""
    shop.opening_hours = validate_opening_hours(hours)
    shop.timezone = timezone
    db.session.commit()


def test_lead_at_night_does_not_expire_overnight(network, clock):
    set_opening_hours(dealer("D1"), OFFICE_HOURS, "Europe/Berlin")
    clock.now = datetime(2026, 11, 23, 22, 0, tzinfo=BERLIN)  # Monday night
    lead = new_lead()
    offer = db.session.scalars(select(Offer).where(Offer.lead_id == lead.id)).one()
    assert offer.expires_at == datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
    assert offer.remind_at == datetime(2026, 11, 24, 8, 30, tzinfo=BERLIN)
    clock.now = datetime(2026, 11, 24, 8, 59, tzinfo=BERLIN)
    assert recycling.send_due_reminders() == 1
    assert recycling.expire_overdue_offers() == 0
    assert offers_of(lead.id) == [("D1", "pending")]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
    assert recycling.expire_overdue_offers() == 1
    assert offers_of(lead.id) == [("D1", "expired"), ("D2", "pending")]


def test_absent_dealer_is_skipped_meanwhile_and_eligible_again_after(network, clock):
    set_absence(dealer("D1"), clock.now, clock.now + timedelta(days=7))
    during = new_lead()
    assert offers_of(during.id) == [("D2", "pending")]
    clock.advance(days=7)
    after = new_lead()
    assert offers_of(after.id) == [("D1", "pending")]


def test_cleared_absence_makes_the_dealer_eligible_at_once(network, clock):
    set_absence(dealer("D1"), clock.now, None)
    assert offers_of(new_lead().id) == [("D2", "pending")]
    clear_absence(dealer("D1"))
    assert offers_of(new_lead().id) == [("D1", "pending")]


def test_going_away_hands_on_the_pending_offers(network, clock):
    lead = new_lead()
    set_absence(dealer("D1"), clock.now, clock.now + timedelta(days=3))
    assert offers_of(lead.id) == [("D1", "withdrawn"), ("D2", "pending")]
    (withdrawn,) = events("withdrawn", lead.id)
    assert withdrawn.detail["reason"] == "absent"
    assert notifications("withdrawn") == 1


def test_a_planned_absence_takes_effect_in_the_worker_when_it_begins(network, clock):
    lead = new_lead()
    set_absence(dealer("D1"), clock.now + timedelta(minutes=20), clock.now + timedelta(days=1))
    assert offers_of(lead.id) == [("D1", "pending")]
    assert recycling.hand_on_offers_of_absent_dealers() == 0
    clock.advance(minutes=20)
    assert recycling.hand_on_offers_of_absent_dealers() == 1
    assert offers_of(lead.id) == [("D1", "withdrawn"), ("D2", "pending")]


def test_an_offer_assigned_by_hand_waits_for_its_deadline(network, clock):
    from app.services.dispatch import assign_lead

    lead = new_lead()
    assign_lead(lead.id, "D3", find_user_by_email("oem@example.com"))
    set_absence(dealer("D3"), clock.now, None)
    assert offers_of(lead.id) == [("D1", "withdrawn"), ("D3", "pending")]


def test_absence_is_validated(network, clock):
    now = clock.now
    with pytest.raises(ValidationFailed) as raised:
        set_absence(dealer("D1"), now, now - timedelta(hours=1))
    assert "absent_until" in raised.value.errors
    with pytest.raises(ValidationFailed) as raised:
        set_absence(dealer("D1"), datetime(2026, 12, 1), None)
    assert "absent_from" in raised.value.errors
    assert not dealer("D1").is_absent(now)


def test_only_absent_dealer_leaves_the_lead_unassigned(app, clock):
    make_dealer("ONLY", daily_capacity=None)
    set_absence(dealer("ONLY"), clock.now, None)
    lead = new_lead()
    assert lead_status(lead.id) == "unassigned"


def test_decline_during_absence_of_the_next_dealer_skips_it(network, clock):
    lead = new_lead()
    set_absence(dealer("D2"), clock.now, clock.now + timedelta(hours=5))
    decline_offer(lead.id, find_user_by_email("sales@d1.example"), "capacity")
    assert offers_of(lead.id) == [("D1", "declined"), ("D3", "pending")]
