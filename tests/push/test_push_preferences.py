"""A kind switched off on one device is not delivered there, and still is to the user's
other devices: real VAPID-signed, aes128gcm-encrypted pushes to the local receiver."""

import pytest
from sqlalchemy import select

from app.models import Notification
from app.services import push_delivery, push_preferences, questions
from app.services.push_subscriptions import save_subscription
from app.services.users import create_user
from tests.factories import lead_body, make_dealer


@pytest.fixture
def phone_and_pc(db, keys, push_receiver):
    """A salesperson with two devices; returns (user, phone path, pc path, phone id)."""
    make_dealer("D-BER-1", name="Autohaus Mitte")
    user = create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    phone = push_receiver.new_subscription()
    pc = push_receiver.new_subscription()
    phone_id = save_subscription(user, phone, "phone").id
    save_subscription(user, pc, "pc")
    path = lambda subscription: subscription["endpoint"].removeprefix(push_receiver.origin)  # noqa: E731
    return user, path(phone), path(pc), phone_id


def _delivered_paths(push_receiver, count: int) -> list[str]:
    pushes = push_receiver.wait_for(count)
    assert all(push.errors == [] for push in pushes)  # signed and decryptable
    return [push.path for push in pushes]


@pytest.mark.both_databases
def test_new_leads_switched_off_on_the_phone_reach_only_the_pc(
    db, oem, coordinator, phone_and_pc, push_receiver
):
    user, phone, pc, phone_id = phone_and_pc
    push_preferences.save_preferences(user, str(phone_id), ["reminder", "answer", "taken_back"])

    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    assert push_delivery.deliver_due_notifications() == 1

    assert _delivered_paths(push_receiver, 1) == [pc]
    [push] = push_receiver.received
    assert push.json["url"] == f"/inbox/leads/{lead['id']}"

    # The answer to a question is still on for the phone: both devices get it.
    question = questions.ask_question(lead["id"], user, "Is the blue one in stock?")
    questions.answer_question(question.id, coordinator, "Yes, two of them.")
    push_delivery.deliver_due_notifications()
    answers = [
        push for push in push_receiver.wait_for(3) if push.json["title"].startswith("Answer")
    ]
    assert sorted(push.path for push in answers) == sorted([phone, pc])


def test_a_kind_every_device_switched_off_is_settled_unsent(db, oem, phone_and_pc, push_receiver):
    user, _phone, _pc, phone_id = phone_and_pc
    for device in push_preferences.devices_of(user):
        push_preferences.save_preferences(user, device.id, ["answer"])

    oem.post("/api/v1/leads", json=lead_body())
    assert push_delivery.deliver_due_notifications() == 0

    assert push_receiver.received == []
    row = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert row.failed_at is not None and row.sent_at is None
    assert row.last_error == "every device of the user turned this kind off"
    assert push_delivery.deliver_due_notifications() == 0  # nothing left due
