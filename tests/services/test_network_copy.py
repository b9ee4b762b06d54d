"""Routing reads the dealer network from each process's memory: it must never be stale.

A second app on the same database stands for a second gunicorn process: it has its own
copy of the network, and the two share nothing but the database.
"""

import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from app.extensions import db
from app.models import Dealer, Lead, LeadEvent, LineItem, Offer
from app.services import candidates, offers, recycling
from app.services.absence import set_absence
from app.services.deadlines import offer_deadline, validate_opening_hours
from app.services.dealers import get_dealer, set_daily_capacity
from app.services.intake import build_lead, create_lead
from app.services.offers import decline_offer
from app.services.users import find_user_by_email
from tests.factories import lead_body, make_dealer
from tests.services.helpers import new_lead, offers_of

pytestmark = pytest.mark.both_databases


def offered_to(lead: Lead) -> str:
    return offers_of(lead.id)[-1][0]


def rank_while_another_connection_writes(monkeypatch, database_uri: str) -> list[bool]:
    """Make every ranking first write through another SQLite connection that does not
    wait: it fails if the write lock is held while ranking. Returns one True a ranking."""
    path = database_uri.removeprefix("sqlite:///")
    rank = candidates.DealerIndex.rank
    written: list[bool] = []

    def rank_while_another_writes(self, *args, **kwargs):
        other = sqlite3.connect(path, timeout=0)  # no waiting: fails if the lock is held
        other.execute("UPDATE users SET active = active")
        other.commit()
        other.close()
        written.append(True)
        return rank(self, *args, **kwargs)

    monkeypatch.setattr(candidates.DealerIndex, "rank", rank_while_another_writes)
    return written


def line_items_of(lead_id: str) -> list[LineItem]:
    return list(
        db.session.scalars(
            select(LineItem).where(LineItem.lead_id == lead_id).order_by(LineItem.id)
        )
    )


def events_of(lead_id: str) -> list[LeadEvent]:
    return list(
        db.session.scalars(
            select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
        )
    )


def test_dealer_changes_made_by_another_process_reach_routing_here(network, other_process):
    assert offered_to(new_lead()) == "D1"  # this process now holds its copy
    with other_process.app_context():
        set_absence(get_dealer("D1"), None, None)
        db.session.remove()
    assert offered_to(new_lead()) == "D2"
    with other_process.app_context():
        set_daily_capacity(get_dealer("D2"), 0)
        db.session.remove()
    assert offered_to(new_lead()) == "D3"
    with other_process.app_context():
        make_dealer("D0", lat=52.52, lon=13.40, inventory=["TR-500"], daily_capacity=None)
        db.session.remove()
    assert offered_to(new_lead()) == "D0"


def test_bulk_update_of_dealers_bumps_the_network_version(network):
    assert offered_to(new_lead()) == "D1"
    before = candidates.network_version()
    db.session.execute(update(Dealer).where(Dealer.code == "D1").values(active=False))
    db.session.commit()
    assert candidates.network_version() == before + 1
    assert offered_to(new_lead()) == "D2"


def test_changes_routing_does_not_read_leave_the_copy_in_place(network):
    before = candidates.network_version()
    dealer = get_dealer("D1")
    dealer.name = "Mitte (renamed)"
    dealer.phone = "+49 30 5550000"
    db.session.commit()
    assert candidates.network_version() == before


def test_intake_makes_the_chosen_dealer_from_the_copy_without_reading_its_row(network):
    new_lead()  # this process now holds its copy
    statements: list[str] = []

    def note(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        lead = new_lead()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert offered_to(lead) == "D1"
    assert not [statement for statement in statements if "FROM dealers" in statement]


def test_opening_hours_changed_by_another_process_set_the_next_offers_deadline(
    network, other_process
):
    first = new_lead()  # this process now holds its copy
    always_open = db.session.scalars(select(Offer).where(Offer.lead_id == first.id)).one()
    assert always_open.expires_at - always_open.offered_at == timedelta(
        seconds=offers.sla_seconds()
    )
    with other_process.app_context():
        dealer = get_dealer("D1")
        dealer.opening_hours = validate_opening_hours({"sun": [["08:00", "08:30"]]})
        db.session.commit()
        db.session.remove()
    db.session.remove()  # the next request's session holds no dealer of its own yet
    lead = new_lead()
    offer = db.session.scalars(select(Offer).where(Offer.lead_id == lead.id)).one()
    db.session.expire_all()
    shop = get_dealer("D1")
    assert shop.opening_hours == {"sun": [["08:00", "08:30"]]}
    assert offer.dealer_id == shop.id
    assert offer.expires_at == offer_deadline(shop, offer.offered_at, offers.sla_seconds())
    assert offer.expires_at - offer.offered_at > timedelta(days=1)


def test_a_rolled_back_change_never_stays_in_the_copy(network):
    """A change seen inside its own transaction, then rolled back, is not kept in memory,
    even when the next change reuses the rolled-back version number."""
    version = candidates.network_version()
    dealer = get_dealer("D1")
    dealer.active = False
    db.session.flush()
    inside = candidates.decide(build_lead(lead_body()), datetime.now(UTC))
    assert inside.chosen.code == "D2"
    db.session.rollback()
    set_daily_capacity(get_dealer("D3"), 5)  # bumps to the same number as the rolled-back one
    assert candidates.network_version() == version + 1
    assert offered_to(new_lead()) == "D1"


def test_intake_ranks_before_it_takes_the_write_lock(network, monkeypatch, database_uri):
    """While a lead is being ranked, another connection can still write."""
    if not database_uri.startswith("sqlite"):
        pytest.skip("the database-wide write lock is SQLite's")
    written = rank_while_another_connection_writes(monkeypatch, database_uri)
    assert offered_to(new_lead()) == "D1"
    assert written


def test_capacity_taken_between_ranking_and_writing_sends_the_lead_on(
    network, monkeypatch, other_process
):
    set_daily_capacity(get_dealer("D1"), 1)
    prepare = candidates.prepare

    def prepare_then_another_process_fills_d1(lead, now):
        prepared = prepare(lead, now)
        assert prepared.decision.chosen.code == "D1"
        monkeypatch.setattr(candidates, "prepare", prepare)  # the other process's is plain
        with other_process.app_context():
            assert offered_to(new_lead()) == "D1"  # D1's one lead of the day
            db.session.remove()
        return prepared

    monkeypatch.setattr(candidates, "prepare", prepare_then_another_process_fills_d1)
    lead = new_lead()
    assert offered_to(lead) == "D2"
    # The rolled-back first try leaves nothing behind, the second stores the lead whole.
    assert [(item.position, item.sku) for item in line_items_of(lead.id)] == [(0, "TR-500")]
    assert [event.kind for event in events_of(lead.id)] == ["received", "offered"]


def test_a_decline_ranks_the_next_dealer_before_it_takes_the_write_lock(
    network, monkeypatch, database_uri
):
    """While a declined lead's next dealer is being ranked, another connection can write."""
    if not database_uri.startswith("sqlite"):
        pytest.skip("the database-wide write lock is SQLite's")
    lead = new_lead()
    written = rank_while_another_connection_writes(monkeypatch, database_uri)
    decline_offer(lead.id, find_user_by_email("sales@d1.example"), "capacity")
    assert offers_of(lead.id) == [("D1", "declined"), ("D2", "pending")]
    assert written == [True]  # ranked once, outside the lock


def test_the_worker_ranks_an_expired_leads_next_dealer_before_the_write_lock(
    network, clock, monkeypatch, database_uri
):
    """A worker pass expiring an offer does not hold the write lock while it ranks."""
    if not database_uri.startswith("sqlite"):
        pytest.skip("the database-wide write lock is SQLite's")
    lead = new_lead()
    clock.advance(hours=1)
    written = rank_while_another_connection_writes(monkeypatch, database_uri)
    assert recycling.expire_overdue_offers() == 1
    assert offers_of(lead.id) == [("D1", "expired"), ("D2", "pending")]
    assert written == [True]


def test_capacity_taken_while_a_decline_ranks_sends_the_lead_further(
    network, monkeypatch, other_process
):
    """The decline's decision is confirmed after its offer is written; when another process
    filled the chosen dealer meanwhile, the decline is made again, ranking inside the lock."""
    lead = new_lead()
    set_daily_capacity(get_dealer("D2"), 1)
    prepare = candidates.prepare

    def prepare_then_another_process_fills_d2(lead, now):
        prepared = prepare(lead, now)
        assert prepared.decision.chosen.code == "D2"
        monkeypatch.setattr(candidates, "prepare", prepare)
        with other_process.app_context():
            taken = new_lead()  # D1 first: decline it there, so D2 takes its one lead
            decline_offer(taken.id, find_user_by_email("sales@d1.example"), "capacity")
            assert offered_to(taken) == "D2"
            db.session.remove()
        return prepared

    monkeypatch.setattr(candidates, "prepare", prepare_then_another_process_fills_d2)
    decline_offer(lead.id, find_user_by_email("sales@d1.example"), "capacity")
    assert offers_of(lead.id) == [("D1", "declined"), ("D3", "pending")]
    assert [event.kind for event in events_of(lead.id)] == [
        "received",
        "offered",
        "declined",
        "offered",
    ]


def test_a_network_change_while_a_decline_ranks_is_routed_again(
    network, monkeypatch, other_process
):
    lead = new_lead()
    prepare = candidates.prepare

    def prepare_then_d2_goes_away(lead, now):
        prepared = prepare(lead, now)
        assert prepared.decision.chosen.code == "D2"
        with other_process.app_context():
            db.session.execute(update(Dealer).where(Dealer.code == "D2").values(active=False))
            db.session.commit()
            db.session.remove()
        return prepared

    monkeypatch.setattr(candidates, "prepare", prepare_then_d2_goes_away)
    decline_offer(lead.id, find_user_by_email("sales@d1.example"), "capacity")
    assert offers_of(lead.id) == [("D1", "declined"), ("D3", "pending")]


def test_production_decisions_match_a_full_scan_of_the_database(app):
    """Random dealers, offers and absences: the in-memory, lazily counted path chooses and
    ranks the best as reading and counting every dealer does."""
    rng = random.Random(9)
    now = datetime.now(UTC)
    groups = ("tractors", "mowers", "parts")
    for number in range(40):
        make_dealer(
            f"R{number:02d}",
            lat=52.3 + rng.random() * 0.5,
            lon=13.0 + rng.random() * 0.6,
            service_radius_km=rng.choice((5, 15, 40)),
            tags=rng.sample(groups, rng.randint(1, 3))
            + rng.sample(("store", "online", "b2b", "service"), rng.randint(1, 3)),
            inventory=rng.sample(("TR-500", "MW-20", "PA-1"), rng.randint(0, 2)),
            daily_capacity=rng.choice((None, 1, 2, 3)),
            active=rng.random() > 0.1,
        )
    for code in ("R03", "R07"):
        set_absence(get_dealer(code), now - timedelta(hours=1), now + timedelta(days=1))
    leads = [
        create_lead(
            lead_body(
                lat=52.3 + rng.random() * 0.5,
                lon=13.0 + rng.random() * 0.6,
                postal_code=None,
                delivery=rng.choice(("pickup", "ship")),
                line_items=[{"product_group": group, "sku": "TR-500"} for group in groups[:2]],
            )
        )
        for _ in range(30)
    ]
    assert db.session.scalar(select(Offer.id).limit(1)) is not None
    for lead in leads[:10]:
        db.session.refresh(lead)
        full = candidates.full_scan_decision(lead, datetime.now(UTC))
        fast = candidates.decide(lead, datetime.now(UTC))
        complete = candidates.decide(lead, datetime.now(UTC), complete=True)
        assert fast.chosen == full.chosen
        assert fast.ranked == full.ranked[: len(fast.ranked)]
        assert len(fast.ranked) >= min(candidates.BEST_CHECKED, len(full.ranked))
        assert complete.ranked == full.ranked


def test_load_counts_are_offers_since_each_dealers_local_midnight_and_open_ones(network):
    """Dealers in two time zones (two local days in one statement), read on the driver."""
    network["D2"].timezone = "America/New_York"
    lead = new_lead()
    db.session.query(Offer).delete()
    # 02:00 UTC: a new day in Berlin (since 23:00 UTC), still yesterday in New York.
    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    offers = [  # (dealer, hours before now, status)
        ("D1", 1, "pending"),
        ("D1", 2, "declined"),  # 00:00 UTC: today in Berlin
        ("D1", 4, "expired"),  # 22:00 UTC the day before: yesterday in Berlin
        ("D1", 30, "pending"),  # open for long: counts as open, not as today's
        ("D2", 4, "declined"),  # 18:00 in New York (EDT): its today
        ("D2", 8, "accepted"),
        ("D2", 30, "declined"),  # the day before in New York
    ]
    for code, hours, status in offers:
        offered_at = now - timedelta(hours=hours)
        db.session.add(
            Offer(
                lead_id=lead.id,
                dealer_id=network[code].id,
                status=status,
                kind="distributed",  # several pending offers of one lead are allowed
                offered_at=offered_at,
                expires_at=offered_at + timedelta(hours=24),
            )
        )
    db.session.commit()
    held = candidates.current_network()
    dealers = [held.index.get(code) for code in ("D1", "D2", "D3")]
    assert candidates.load_counts(held, dealers, now) == {
        "D1": (2, 2),
        "D2": (2, 0),
        "D3": (0, 0),
    }
    # One time zone: one local day in the statement.
    assert candidates.load_counts(held, dealers[:1], now) == {"D1": (2, 2)}
