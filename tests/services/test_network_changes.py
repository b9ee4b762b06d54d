"""A change to a few dealers reaches routing in every process without reloading the network.

Each process holds the network at a version; a dealer changed through another process
is read alone (its row carries the version of its change) and laid over the held
index. The next decision here must be the one a full scan of the database gives, and
what only a whole load can follow (a dealer deleted, a bulk statement) is loaded whole.
A second app on the same database stands for the other gunicorn process.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, update

from app.extensions import db
from app.models import Dealer
from app.routing import ChangedIndex, DealerIndex
from app.services import candidates, versioned_cache
from app.services.absence import clear_absence, set_absence
from app.services.dealers import get_dealer, set_daily_capacity
from app.services.intake import build_lead
from app.services.interest_routes import create_route, delete_route
from tests.factories import lead_body, make_dealer

pytestmark = pytest.mark.both_databases

MOWERS = [{"product_group": "mowers", "sku": "MW-20"}]
# Pickup and ship, tractors and mowers, near D1 and out at Potsdam, new and used.
LEADS = (
    lead_body(),
    lead_body(delivery="ship"),
    lead_body(line_items=MOWERS),
    lead_body(postal_code=None, lat=52.40, lon=13.07),
    lead_body(interest_category="used", delivery="ship", line_items=MOWERS),
)


def decisions_match_a_full_scan() -> list[str | None]:
    """Decide each lead here as production does and as a full scan of the database does;
    they must agree. Returns the chosen dealers' codes."""
    db.session.remove()  # a new request
    now = datetime.now(UTC)
    chosen = []
    for body in LEADS:
        lead = build_lead(body)
        full = candidates.full_scan_decision(lead, now)
        fast = candidates.decide(lead, now)
        assert fast.chosen == full.chosen
        assert fast.ranked == full.ranked[: len(fast.ranked)]
        assert candidates.decide(lead, now, complete=True).ranked == full.ranked
        chosen.append(full.chosen.code if full.chosen else None)
    return chosen


def held_index():
    """The index this process holds now."""
    return candidates.current_network().index


def in_other(other_process, change) -> None:
    """Make a change through the other process and commit it there."""
    with other_process.app_context():
        change()
        db.session.commit()
        db.session.remove()
    db.session.remove()


def edit(code: str, **values):
    """A change to a dealer's stored row, as any code of the app may make it."""

    def change():
        dealer = get_dealer(code)
        for name, value in values.items():
            setattr(dealer, name, value)

    return change


def laid_over(*codes: str) -> bool:
    """Did this process follow the change by reading these dealers alone?"""
    index = held_index()
    return isinstance(index, ChangedIndex) and set(codes) <= set(index.changes)


def test_radius_moving_a_dealer_out_of_reach_and_back_is_followed(network, other_process):
    assert decisions_match_a_full_scan()[0] == "D1"
    in_other(other_process, edit("D1", service_radius_km=1.0))  # the customer is 1.7 km off
    assert decisions_match_a_full_scan()[0] == "D2"
    assert laid_over("D1")
    in_other(other_process, edit("D1", service_radius_km=100.0))
    assert decisions_match_a_full_scan()[0] == "D1"
    assert laid_over("D1")


def test_tags_and_stock_changed_elsewhere_are_followed(network, other_process):
    assert decisions_match_a_full_scan()[:3] == ["D1", "D1", "D1"]
    in_other(other_process, edit("D1", inventory=[], tags=["tractors", "online"]))
    first, shipped, mowers = decisions_match_a_full_scan()[:3]
    assert (first, shipped) == ("D2", "D1")  # no store for pickup; online for shipping
    assert mowers != "D1"
    in_other(other_process, edit("D3", inventory=["TR-500"], tags=["tractors", "store"]))
    assert decisions_match_a_full_scan()[0] == "D3"
    assert laid_over("D1", "D3")


def test_deactivation_absence_and_capacity_elsewhere_are_followed(network, other_process):
    assert decisions_match_a_full_scan()[0] == "D1"
    in_other(other_process, edit("D1", active=False))
    assert decisions_match_a_full_scan()[0] == "D2"
    in_other(other_process, edit("D1", active=True))
    in_other(other_process, lambda: set_absence(get_dealer("D1"), None, None))
    assert decisions_match_a_full_scan()[0] == "D2"
    in_other(other_process, lambda: set_daily_capacity(get_dealer("D2"), 0))
    assert decisions_match_a_full_scan()[0] == "D3"
    in_other(other_process, lambda: clear_absence(get_dealer("D1")))
    assert decisions_match_a_full_scan()[0] == "D1"
    assert laid_over("D1", "D2")


def test_a_dealer_added_elsewhere_is_followed(network, other_process):
    assert decisions_match_a_full_scan()[0] == "D1"
    in_other(
        other_process,
        lambda: make_dealer(
            "D0",
            lat=52.518,
            lon=13.389,
            inventory=["TR-500"],
            tags=["tractors", "store", "new-line"],
        ),
    )
    assert decisions_match_a_full_scan()[0] == "D0"
    assert laid_over("D0")


def test_a_dealer_deleted_elsewhere_makes_every_process_load_the_network_whole(
    network, other_process
):
    make_dealer("D9", lat=52.518, lon=13.389, inventory=["TR-500"], daily_capacity=None)
    assert decisions_match_a_full_scan()[0] == "D9"
    in_other(other_process, lambda: db.session.delete(get_dealer("D9")))
    assert decisions_match_a_full_scan()[0] == "D1"
    assert isinstance(held_index(), DealerIndex)
    assert held_index().get("D9") is None


def test_a_bulk_statement_on_dealers_makes_every_process_load_the_network_whole(
    network, other_process
):
    assert decisions_match_a_full_scan()[0] == "D1"
    in_other(
        other_process,
        lambda: db.session.execute(update(Dealer).where(Dealer.code == "D1").values(active=False)),
    )
    assert decisions_match_a_full_scan()[0] == "D2"
    assert isinstance(held_index(), DealerIndex)


def test_interest_routes_changed_elsewhere_are_followed(network, other_process):
    assert decisions_match_a_full_scan()[0] == "D1"
    route_id = []
    in_other(
        other_process,
        lambda: route_id.append(create_route({"category": "new", "dealer_codes": ["D3"]}).id),
    )
    assert decisions_match_a_full_scan()[0] == "D3"
    in_other(other_process, lambda: delete_route(route_id[0]))
    assert decisions_match_a_full_scan()[0] == "D1"


def test_a_rolled_back_change_is_never_kept_though_its_version_is_reused(network, other_process):
    assert decisions_match_a_full_scan()[0] == "D1"
    version = candidates.network_version()
    get_dealer("D1").active = False
    db.session.flush()
    inside = candidates.decide(build_lead(lead_body()), datetime.now(UTC))
    assert inside.chosen.code == "D2"  # seen inside its own transaction
    db.session.rollback()
    in_other(other_process, lambda: set_daily_capacity(get_dealer("D3"), 5))
    assert candidates.network_version() == version + 1  # the rolled-back number, again
    assert decisions_match_a_full_scan()[0] == "D1"
    assert laid_over("D3") and "D1" not in held_index().changes


def test_a_change_to_one_dealer_reads_only_that_dealer(network, other_process):
    decisions_match_a_full_scan()
    in_other(other_process, edit("D2", daily_capacity=7))
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        candidates.decide(build_lead(lead_body()), datetime.now(UTC))
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    dealer_reads = [sql for sql in statements if "FROM dealers" in sql]
    assert len(dealer_reads) == 1 and "dealers.routing_version >" in dealer_reads[0]
    assert laid_over("D2")


def test_past_the_bound_the_changed_dealers_are_built_into_a_new_index(
    network, other_process, monkeypatch
):
    monkeypatch.setattr(candidates, "MAX_CHANGED", 2)
    decisions_match_a_full_scan()
    in_other(other_process, edit("D1", daily_capacity=3))
    in_other(other_process, edit("D2", daily_capacity=3))
    decisions_match_a_full_scan()
    assert laid_over("D1", "D2")
    in_other(other_process, edit("D3", daily_capacity=3))
    assert decisions_match_a_full_scan()[0] == "D1"
    assert isinstance(held_index(), DealerIndex)


def test_dealers_changed_together_are_all_followed(network, other_process, monkeypatch):
    """Several dealers in one transaction (an import), stamped a few at a time."""
    monkeypatch.setattr(versioned_cache, "_STAMPED_AT_ONCE", 2)
    assert decisions_match_a_full_scan()[0] == "D1"

    def import_stock():  # one flush writes all three
        dealers = [get_dealer(code) for code in ("D1", "D2", "D3")]
        for dealer, stock in zip(dealers, ([], ["MW-20"], ["TR-500"]), strict=True):
            dealer.inventory = stock
        dealers[0].active = False

    in_other(other_process, import_stock)
    assert decisions_match_a_full_scan()[0] == "D3"
    assert laid_over("D1", "D2", "D3")
