"""The outbox, delivered: a lead becomes a real encrypted push the receiver can read."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Notification, PushSubscription
from app.services import push_delivery
from app.services.push_subscriptions import save_subscription, vapid_keys
from app.services.users import create_user
from tests.factories import lead_body, make_dealer


@pytest.fixture
def salesperson(app, keys):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    return create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")


def _create_lead(oem, **overrides) -> dict:
    response = oem.post("/api/v1/leads", json=lead_body(**overrides))
    assert response.status_code == 201
    return response.get_json()


def _rows(db):
    db.session.expire_all()
    return db.session.scalars(select(Notification).order_by(Notification.id)).all()


@pytest.mark.both_databases
def test_new_lead_arrives_as_a_decryptable_push_naming_the_lead(
    db, oem, salesperson, push_receiver, keys, clock
):
    save_subscription(salesperson, push_receiver.subscription, "Test phone")
    lead = _create_lead(oem)
    [row] = [row for row in _rows(db) if row.user_id == salesperson.id]
    assert row.kind == "new_offer" and row.sent_at is None

    assert push_delivery.deliver_due_notifications() == 1

    [push] = push_receiver.wait_for(1)
    assert push.errors == []
    assert push.vapid_key == keys.public_key
    assert push.headers["urgency"] == "high"
    message = push.json
    assert message["title"] == "New lead: TR-500"
    # The push names the customer by first name only: no surname before accept.
    assert message["body"].startswith("Eva near 10117") and "Ng" not in message["body"]
    assert message["url"] == f"/inbox/leads/{lead['id']}"
    assert message["tag"] == f"lead-{lead['id']}"
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.sent_at == clock.now and row.attempts == 1 and row.last_error is None
    subscription = db.session.scalar(select(PushSubscription))
    assert subscription.last_success_at == clock.now
    # Nothing is due any more: a second pass sends nothing.
    assert push_delivery.deliver_due_notifications() == 0
    assert len(push_receiver.received) == 1


def test_each_device_of_the_user_gets_the_push(db, oem, salesperson, push_receiver):
    save_subscription(salesperson, push_receiver.subscription)
    save_subscription(salesperson, push_receiver.new_subscription())
    _create_lead(oem)
    assert push_delivery.deliver_due_notifications() == 1
    pushes = push_receiver.wait_for(2)
    assert len({push.path for push in pushes}) == 2
    assert all(push.errors == [] for push in pushes)


@pytest.mark.both_databases
def test_gone_subscription_is_deleted(db, oem, salesperson, push_receiver):
    save_subscription(salesperson, push_receiver.new_subscription(status=410))
    _create_lead(oem)
    assert push_delivery.deliver_due_notifications() == 0
    assert db.session.scalars(select(PushSubscription)).all() == []
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.failed_at is not None and "410" in row.last_error


@pytest.mark.both_databases
def test_busy_push_service_is_retried_with_backoff_then_marked_failed(
    app, db, oem, salesperson, push_receiver, clock
):
    app.config["RELAY_PUSH_MAX_ATTEMPTS"] = 3
    save_subscription(salesperson, push_receiver.subscription)
    push_receiver.respond_with(503)
    _create_lead(oem)
    start = clock.now

    assert push_delivery.deliver_due_notifications() == 0
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.attempts == 1 and row.failed_at is None
    assert row.next_attempt_at == start + timedelta(seconds=30)
    assert "503" in row.last_error

    clock.advance(seconds=10)
    assert push_delivery.deliver_due_notifications() == 0  # not due yet
    assert len(push_receiver.received) == 1

    clock.advance(seconds=20)
    push_delivery.deliver_due_notifications()
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.attempts == 2
    assert row.next_attempt_at == clock.now + timedelta(seconds=60)

    clock.advance(seconds=60)
    push_delivery.deliver_due_notifications()
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.attempts == 3 and row.failed_at == clock.now and row.sent_at is None
    assert len(push_receiver.received) == 3
    # The subscription itself is kept: the service was busy, not the device gone.
    assert db.session.scalars(select(PushSubscription)).all() != []


def test_recovery_after_a_retry_sends_the_push(db, oem, salesperson, push_receiver, clock):
    save_subscription(salesperson, push_receiver.subscription)
    push_receiver.respond_with(429)
    _create_lead(oem)
    push_delivery.deliver_due_notifications()
    push_receiver.respond_with(201)
    clock.advance(minutes=1)
    assert push_delivery.deliver_due_notifications() == 1
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.sent_at is not None and row.attempts == 2


def test_user_without_devices_is_marked_failed_not_retried(db, oem, salesperson):
    _create_lead(oem)
    assert push_delivery.deliver_due_notifications() == 0
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.failed_at is not None and "no device" in row.last_error


@pytest.mark.both_databases
def test_a_claimed_row_is_not_sent_twice(db, oem, salesperson, push_receiver, clock):
    save_subscription(salesperson, push_receiver.subscription)
    _create_lead(oem)
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    # Another process claimed it a moment ago: this pass leaves it alone.
    assert push_delivery._claim(row.id, clock.now)
    assert push_delivery.deliver_due_notifications() == 0
    assert push_receiver.received == []
    # The claimant died; after the lease the row is due again and goes out once.
    clock.advance(seconds=push_delivery.CLAIM_SECONDS + 1)
    assert push_delivery.deliver_due_notifications() == 1
    assert len(push_receiver.wait_for(1)) == 1


def test_stale_notifications_are_dropped(db, oem, salesperson, push_receiver, clock):
    save_subscription(salesperson, push_receiver.subscription)
    _create_lead(oem)
    clock.advance(hours=25)
    assert push_delivery.deliver_due_notifications() == 0
    assert push_receiver.received == []
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.failed_at is not None and "too old" in row.last_error


def test_private_endpoints_are_refused_in_production(app, db, salesperson, push_receiver):
    from app.services.errors import ValidationFailed

    app.config["RELAY_ALLOW_PRIVATE_ENDPOINTS"] = False
    with pytest.raises(ValidationFailed) as error:
        save_subscription(salesperson, push_receiver.subscription)
    assert "endpoint" in error.value.errors


def test_a_stored_private_endpoint_is_never_contacted_in_production(
    app, db, oem, salesperson, push_receiver
):
    save_subscription(salesperson, push_receiver.subscription)
    app.config["RELAY_ALLOW_PRIVATE_ENDPOINTS"] = False
    _create_lead(oem)
    assert push_delivery.deliver_due_notifications() == 0
    assert push_receiver.received == []
    row = next(row for row in _rows(db) if row.user_id == salesperson.id)
    assert row.failed_at is not None and "must be https" in row.last_error


def test_subscription_moves_to_the_user_now_signed_in_on_that_device(
    db, salesperson, push_receiver
):
    other = create_user("other@example.com", "salesperson", "D-BER-1", "password-123")
    save_subscription(salesperson, push_receiver.subscription)
    save_subscription(other, push_receiver.subscription)
    [subscription] = db.session.scalars(select(PushSubscription)).all()
    assert subscription.user_id == other.id


@pytest.mark.parametrize(
    "body, field",
    [
        ({"keys": {}}, "endpoint"),
        ({"endpoint": "ftp://example.com/x", "keys": {}}, "endpoint"),
        ({"endpoint": "https://push.example.com/x"}, "keys"),
        (
            {"endpoint": "https://push.example.com/x", "keys": {"p256dh": "AAAA", "auth": "x"}},
            "keys.p256dh",
        ),
    ],
)
def test_bad_subscriptions_name_the_field(app, salesperson, body, field):
    from app.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        save_subscription(salesperson, body)
    assert field in error.value.errors


def test_vapid_keys_come_from_config_and_are_cached(app, keys):
    assert vapid_keys() is vapid_keys()
    assert vapid_keys().public_key == keys.public_key
