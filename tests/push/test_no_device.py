"""A push to a user with no device costs the worker nothing: the row is written settled.

The readers of the users to notify learn in the same statement whether each has any push
subscription (app/services/notify.py); such a user's outbox row is written as the worker
would have settled it, so a pass claims and writes nothing for it. Users with a device
keep the queued path, delivered by the worker.
"""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from app import worker
from app.models import Notification, User
from app.services import push_delivery
from app.services.push_subscriptions import save_subscription
from app.services.users import create_user
from tests.factories import lead_body, make_dealer


def _create_lead(oem, **overrides) -> dict:
    response = oem.post("/api/v1/leads", json=lead_body(**overrides))
    assert response.status_code == 201
    return response.get_json()


def _rows_of(db, user: User) -> list[Notification]:
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


class _Statements:
    """Records the SQL the engine runs meanwhile."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(" ".join(statement.split()).upper())

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def writes_to(self, table: str) -> list[str]:
        prefixes = (f"UPDATE {table.upper()} ", f"INSERT INTO {table.upper()} ", "DELETE FROM ")
        return [s for s in self.seen if s.startswith(prefixes) and table.upper() in s]


@pytest.fixture
def dealer(app):
    return make_dealer("D-BER-1", name="Autohaus Mitte")


@pytest.mark.both_databases
def test_lead_to_dealer_without_devices_leaves_nothing_due_for_the_worker(
    app, db, oem, dealer, coordinator, clock
):
    sales = create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    manager = create_user("boss@example.com", "dealer_manager", "D-BER-1", "password-123")
    lead = _create_lead(oem)

    for user in (sales, manager):
        [row] = _rows_of(db, user)
        # The row is there (kind, lead, payload as ever), settled as the worker would.
        assert (row.kind, row.lead_id) == ("new_offer", lead["id"])
        assert row.payload["title"] == "New lead: TR-500"
        assert row.failed_at == clock.now and row.sent_at is None
        assert row.last_error == push_delivery.NO_DEVICE
        assert row.attempts == 0
    assert push_delivery.due_notification_ids(clock.now + timedelta(minutes=5)) == []

    with _Statements(db.engine) as statements:
        done = worker.run_pass(app)
    assert done["delivered"] == 0
    assert statements.writes_to("notifications") == []
    assert [row.attempts for user in (sales, manager) for row in _rows_of(db, user)] == [0, 0]


@pytest.mark.both_databases
def test_unassigned_lead_to_coordinator_without_device_is_settled_at_once(
    app, db, oem, coordinator, clock
):
    # No dealer at all: the lead goes to the OEM queue and the coordinator hears of it.
    lead = _create_lead(oem)
    [row] = _rows_of(db, coordinator)
    assert (row.kind, row.lead_id) == ("unassigned", lead["id"])
    assert row.failed_at == clock.now and row.last_error == push_delivery.NO_DEVICE
    with _Statements(db.engine) as statements:
        assert push_delivery.deliver_due_notifications() == 0
    assert statements.writes_to("notifications") == []


@pytest.mark.both_databases
def test_dealer_user_with_a_device_still_gets_the_push_delivered(
    db, oem, dealer, push_receiver, keys, clock
):
    with_device = create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    without = create_user("other@example.com", "salesperson", "D-BER-1", "password-123")
    save_subscription(with_device, push_receiver.subscription, "Test phone")
    lead = _create_lead(oem)

    [queued] = _rows_of(db, with_device)
    assert queued.failed_at is None and queued.sent_at is None and queued.last_error is None
    [settled] = _rows_of(db, without)
    assert settled.failed_at == clock.now and settled.last_error == push_delivery.NO_DEVICE

    assert push_delivery.deliver_due_notifications() == 1
    [push] = push_receiver.wait_for(1)
    assert push.errors == [] and push.json["url"] == f"/inbox/leads/{lead['id']}"
    [sent] = _rows_of(db, with_device)
    assert sent.sent_at == clock.now and sent.attempts == 1 and sent.failed_at is None


def test_deactivated_or_absent_users_still_get_no_row(db, oem, dealer, clock):
    present = create_user("here@example.com", "salesperson", "D-BER-1", "password-123")
    away = create_user("away@example.com", "salesperson", "D-BER-1", "password-123")
    gone = create_user("gone@example.com", "salesperson", "D-BER-1", "password-123")
    away.absent_from, away.absent_until = clock.now - timedelta(hours=1), None
    gone.active = False
    db.session.commit()

    _create_lead(oem)
    assert [row.kind for row in _rows_of(db, present)] == ["new_offer"]
    assert _rows_of(db, away) == [] and _rows_of(db, gone) == []


def test_device_subscribed_after_the_lead_gets_the_next_push_not_that_one(
    db, oem, dealer, push_receiver, keys, clock
):
    # The accepted trade-off: the row was settled when the lead came in, deviceless.
    sales = create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    _create_lead(oem)
    save_subscription(sales, push_receiver.subscription, "Test phone")
    assert push_delivery.deliver_due_notifications() == 0
    assert push_receiver.received == []

    clock.advance(minutes=1)
    _create_lead(oem, customer={**lead_body()["customer"], "email": "jo@example.com"})
    assert push_delivery.deliver_due_notifications() == 1
    assert len(push_receiver.wait_for(1)) == 1
