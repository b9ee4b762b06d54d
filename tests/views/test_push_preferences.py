"""Notification preferences per kind per device: the settings page's switches, with and
without htmx, and the rules behind them (app/services/push_preferences.py)."""

import re

import pytest
from sqlalchemy import select

from app.models import PushSubscription
from app.services import push_preferences
from app.services.push_subscriptions import save_subscription
from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import ANDROID_CHROME, IPHONE_SAFARI, WINDOWS_EDGE, make_dealer
from tests.push.receiver import PushReceiver


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (ANDROID_CHROME, "Chrome Mobile · Pixel 8"),
        (WINDOWS_EDGE, "Edge · Windows"),
        (IPHONE_SAFARI, "Mobile Safari · iPhone"),
        ("curl/8.0", "curl"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_device_is_named_from_its_user_agent(agent, name):
    assert push_preferences.device_name(agent) == name


def test_the_four_switches_govern_their_kinds_and_leave_the_others_alone():
    assert push_preferences.PREFERENCE_OF_KIND == {
        "new_offer": "new_lead",
        "assigned": "new_lead",
        "reminder": "reminder",
        "answer": "answer",
        "withdrawn": "taken_back",
    }
    for kind in ("question", "unassigned", "customer_again"):
        assert kind not in push_preferences.PREFERENCE_OF_KIND


@pytest.fixture
def devices(app, db, auth):
    """A signed-in salesperson with a phone and a PC, and a colleague's phone;
    returns {"phone", "pc", "colleague"} subscription ids."""
    make_dealer("D-BER-1", name="Autohaus Mitte")
    me = create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    other = create_user("other@example.com", "salesperson", "D-BER-1", "password-123")
    with PushReceiver() as receiver:  # only for well-formed subscriptions; nothing is sent
        ids = {
            "phone": save_subscription(me, receiver.new_subscription(), ANDROID_CHROME).id,
            "pc": save_subscription(me, receiver.new_subscription(), WINDOWS_EDGE).id,
            "colleague": save_subscription(other, receiver.new_subscription(), IPHONE_SAFARI).id,
        }
    auth.login("sales@example.com")
    return ids


def _wants(db, device_id: int) -> dict:
    db.session.expire_all()
    subscription = db.session.get(PushSubscription, device_id)
    return {name: getattr(subscription, f"wants_{name}") for name in push_preferences.PREFERENCES}


def _token(client) -> str:
    return csrf_token_in(client.get("/inbox/settings").get_data(as_text=True))


def test_settings_lists_each_device_with_four_switches_all_on(client, devices):
    page = client.get("/inbox/settings").get_data(as_text=True)
    assert "Chrome Mobile · Pixel 8" in page and "Edge · Windows" in page
    assert "Safari · iPhone" not in page  # the colleague's phone is not ours to set
    for device in ("phone", "pc"):
        form = re.search(rf'<form id="device-{devices[device]}".*?</form>', page, re.S).group(0)
        switches = re.findall(r'<input type="checkbox" role="switch"[^>]*>', form)
        assert len(switches) == 4 and all("checked" in switch for switch in switches)
        assert 'name="csrf_token"' in form
        for label in (
            "New leads",
            "Reminders before a deadline",
            "Answers from the manufacturer",
            "Leads taken back",
        ):
            assert label in form


def test_a_plain_form_post_saves_the_switches_and_comes_back_to_settings(client, db, devices):
    response = client.post(
        "/inbox/settings/devices",
        data={
            "device": devices["phone"],
            "csrf_token": _token(client),
            "wants": ["reminder", "answer"],
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inbox/settings#device-{devices['phone']}")
    assert _wants(db, devices["phone"]) == {
        "new_lead": False,
        "reminder": True,
        "answer": True,
        "taken_back": False,
    }
    assert all(_wants(db, devices["pc"]).values())  # the other device is untouched
    assert "Saved for this device." in client.get("/inbox/settings").get_data(as_text=True)


def test_an_htmx_change_answers_only_the_status_text(client, db, devices):
    response = client.post(
        "/inbox/settings/devices",
        data={"device": devices["pc"], "csrf_token": _token(client), "wants": ["new_lead"]},
        headers={"HX-Request": "true", "Accept-Language": "de"},
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "Für dieses Gerät gespeichert."
    assert _wants(db, devices["pc"])["new_lead"] is True
    assert _wants(db, devices["pc"])["answer"] is False


def test_another_users_device_is_a_404_and_stays_as_it_was(client, db, devices):
    response = client.post(
        "/inbox/settings/devices",
        data={"device": devices["colleague"], "csrf_token": _token(client)},
    )
    assert response.status_code == 404
    assert all(_wants(db, devices["colleague"]).values())


def test_an_unknown_kind_is_a_422_naming_the_field_and_nothing_changes(client, db, devices):
    response = client.post(
        "/inbox/settings/devices",
        data={
            "device": devices["phone"],
            "csrf_token": _token(client),
            "wants": ["new_lead", "lottery"],
        },
    )
    assert response.status_code == 422
    assert "wants: unknown kind of notification" in response.get_data(as_text=True)
    assert all(_wants(db, devices["phone"]).values())


def test_a_post_without_the_csrf_token_is_refused(client, db, devices):
    response = client.post("/inbox/settings/devices", data={"device": devices["phone"]})
    assert response.status_code == 400
    assert all(_wants(db, devices["phone"]).values())


def test_the_device_that_subscribed_in_this_session_is_marked(client, db, devices):
    with PushReceiver() as receiver:
        response = client.post(
            "/inbox/push-subscriptions",
            json=receiver.new_subscription(),
            headers={"X-CSRFToken": _token(client), "User-Agent": IPHONE_SAFARI},
        )
    assert response.status_code == 201
    newest = db.session.scalar(select(PushSubscription).order_by(PushSubscription.id.desc()))
    fragment = client.get("/inbox/settings/devices", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert html.startswith('<div id="devices"')
    mine = re.search(rf'<form id="device-{newest.id}".*?</form>', html, re.S).group(0)
    assert "This device" in mine and "Safari · iPhone" in mine
    assert html.count("This device") == 1


def test_a_device_field_that_is_no_id_is_a_422_naming_it(client, db, devices):
    response = client.post(
        "/inbox/settings/devices",
        data={"csrf_token": _token(client), "device": "../1", "wants": []},
    )
    assert response.status_code == 422
    assert "device: not a device" in response.get_data(as_text=True)
    assert all(_wants(db, devices["phone"]).values())
