"""Pushes speak their recipient's language, whoever or whatever caused them.

The lead comes in through the API (an English request) and the reminder from the worker
(no request at all); each salesperson's device still decrypts a push in their own language.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Offer, User
from app.services import push_delivery, recycling
from app.services.push_subscriptions import save_subscription
from app.services.users import create_user, set_language
from tests.factories import lead_body, make_dealer


@pytest.fixture
def colleagues(db, keys, push_receiver):
    """A German and an English salesperson of one Berlin dealer, one phone each;
    returns {language: receiver path of that phone}."""
    make_dealer("D-BER-1", name="Autohaus Mitte", timezone="Europe/Berlin")
    paths = {}
    for language in ("de", "en"):
        user = create_user(f"{language}@example.com", "salesperson", "D-BER-1", "password-123")
        set_language(user, language)
        subscription = push_receiver.new_subscription()
        save_subscription(user, subscription, f"{language} phone")
        paths[language] = subscription["endpoint"].removeprefix(push_receiver.origin)
    return paths


def _by_language(pushes, paths) -> dict:
    """The decrypted payloads, keyed by the language of the phone that got them."""
    assert all(push.errors == [] for push in pushes)
    language_of_path = {path: language for language, path in paths.items()}
    return {language_of_path[push.path]: push.json for push in pushes}


def test_new_lead_push_is_german_for_a_german_user_and_english_for_an_english_one(
    db, oem, colleagues, push_receiver
):
    response = oem.post("/api/v1/leads", json=lead_body())  # an English request
    assert response.status_code == 201
    assert push_delivery.deliver_due_notifications() == 2

    payloads = _by_language(push_receiver.wait_for(2), colleagues)

    assert payloads["de"]["title"] == "Neuer Lead: TR-500"
    assert payloads["de"]["body"] == "Eva bei 10117. Annehmen oder ablehnen in LeadRelay."
    assert payloads["en"]["title"] == "New lead: TR-500"
    assert payloads["en"]["body"] == "Eva near 10117. Accept or decline in LeadRelay."


def test_worker_reminder_writes_the_deadline_each_recipients_way(
    app, db, oem, colleagues, push_receiver, clock
):
    response = oem.post("/api/v1/leads", json=lead_body())
    assert response.status_code == 201
    push_delivery.deliver_due_notifications()
    push_receiver.wait_for(2)
    offer = db.session.scalar(select(Offer))
    # Friday 27 November 2026, 14:30 in Berlin (13:30 UTC).
    offer.expires_at = offer.expires_at.replace(
        year=2026, month=11, day=27, hour=13, minute=30, second=0, microsecond=0
    )
    offer.remind_at = clock.now - timedelta(minutes=1)
    db.session.commit()

    # The worker's path: an app context and no request.
    with app.app_context():
        recycling.remind_dealer(db.session.get(Offer, offer.id), clock.now)
    assert push_delivery.deliver_due_notifications() == 2

    payloads = _by_language(push_receiver.wait_for(4)[2:], colleagues)
    assert payloads["de"]["title"] == "Wartet noch: TR-500"
    assert "bis Fr. 14:30" in payloads["de"]["body"]
    assert payloads["en"]["title"] == "Still waiting: TR-500"
    assert "by Fri 14:30" in payloads["en"]["body"]


def test_a_user_without_a_language_gets_the_default(app, db, oem, keys, push_receiver):
    make_dealer("D-BER-2", name="Autohaus Ost")
    user = create_user("none@example.com", "salesperson", "D-BER-2", "password-123")
    assert db.session.get(User, user.id).language is None
    save_subscription(user, push_receiver.subscription)
    app.config["BABEL_DEFAULT_LOCALE"] = "de"
    response = oem.post("/api/v1/leads", json=lead_body(preferred_seller={"dealer": "D-BER-2"}))
    assert response.status_code == 201
    push_delivery.deliver_due_notifications()
    [push] = push_receiver.wait_for(1)
    assert push.json["title"] == "Neuer Lead: TR-500"
