"""The settings page's notification switches per device, at 390×844 in German and English:
named devices, four switches each, toggled from the keyboard and saved at once (htmx),
said in a live region, nothing wider than the phone, and no axe violation.

`RELAY_SCREENSHOTS=docs/screenshots` also saves the screen as settings-devices[-de].png.
"""

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PushSubscription, User
from app.services.push_subscriptions import save_subscription
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in
from tests.browser.test_dealer_phone_sizes import assert_fits
from tests.factories import ANDROID_CHROME, WINDOWS_EDGE
from tests.push.receiver import PushReceiver

WORDS = {
    "de": {
        "locale": "de-DE",
        "email": "E-Mail",
        "password": "Passwort",
        "sign_in": "Anmelden",
        "heading": "Was jedes Gerät bekommt",
        "new_leads": "Neue Leads",
        "switches": [
            "Neue Leads",
            "Erinnerungen vor Fristablauf",
            "Antworten des Herstellers",
            "Zurückgezogene Leads",
        ],
        "saved": "Für dieses Gerät gespeichert.",
    },
    "en": {
        "locale": "en-GB",
        "email": "Email",
        "password": "Password",
        "sign_in": "Sign in",
        "heading": "What each device gets",
        "new_leads": "New leads",
        "switches": [
            "New leads",
            "Reminders before a deadline",
            "Answers from the manufacturer",
            "Leads taken back",
        ],
        "saved": "Saved for this device.",
    },
}


@pytest.fixture(params=list(WORDS))
def phone(request, desktop_browser):
    """A fresh 390×844 touch phone whose browser speaks that language."""
    context = desktop_browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale=WORDS[request.param]["locale"],
        timezone_id="Europe/Berlin",
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab, request.param
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def _devices_of(live_server, email: str) -> dict[str, int]:
    """A phone and a PC subscribed for this user; returns their subscription ids."""

    def subscribe():
        user = db.session.scalar(select(User).where(User.email == email))
        with PushReceiver() as receiver:
            return {
                "phone": save_subscription(user, receiver.new_subscription(), ANDROID_CHROME).id,
                "pc": save_subscription(user, receiver.new_subscription(), WINDOWS_EDGE).id,
            }

    return live_server.query(subscribe)


def test_switching_a_kind_off_on_one_device_by_keyboard(phone, live_server):
    page, language = phone
    words = WORDS[language]
    code, email = live_server.dealer_with_user()
    devices = _devices_of(live_server, email)

    sign_in(page, live_server, email, words)
    page.goto(f"{live_server.url}/inbox/settings#devices")
    page.get_by_role("heading", name=words["heading"]).wait_for()

    pc = page.locator(f"#device-{devices['pc']}")
    assert "Edge · Windows" in pc.locator("legend").inner_text()
    assert "Chrome Mobile · Pixel 8" in page.locator(f"#device-{devices['phone']}").inner_text()
    switches = pc.get_by_role("switch")
    assert [switches.nth(i).get_attribute("value") for i in range(4)] == [
        "new_lead",
        "reminder",
        "answer",
        "taken_back",
    ]
    for name in words["switches"]:
        assert pc.get_by_role("switch", name=name).is_checked()

    # Keyboard only: focus the PC's "new leads" switch and press Space.
    new_leads = pc.get_by_role("switch", name=words["new_leads"])
    new_leads.focus()
    page.keyboard.press("Space")
    pc.get_by_role("status").filter(has_text=words["saved"]).wait_for()
    assert not new_leads.is_checked()
    assert new_leads.evaluate("(element) => element === document.activeElement")

    def stored():
        db.session.expire_all()
        return {
            name: db.session.get(PushSubscription, device_id).wants_new_lead
            for name, device_id in devices.items()
        }

    assert live_server.query(stored) == {"phone": True, "pc": False}

    assert_fits(page, "settings: devices")
    assert_no_axe_violations(page)
    folder = os.environ.get("RELAY_SCREENSHOTS")
    if folder:
        suffix = "-de" if language == "de" else ""
        page.locator("#notifications").screenshot(
            path=str(Path(folder) / f"settings-devices{suffix}.png")
        )


SUBSCRIBED_ALREADY = """
(() => {
  const subscriptionJson = %s;
  const subscription = {
    endpoint: subscriptionJson.endpoint,
    toJSON: () => subscriptionJson,
    unsubscribe: async () => true,
  };
  PushManager.prototype.getSubscription = async function () { return subscription; };
})();
"""


def test_a_device_subscribed_before_this_sign_in_is_marked_as_this_device(
    page, live_server, browser_context
):
    code, email = live_server.dealer_with_user()
    with PushReceiver() as receiver:
        subscription = receiver.new_subscription()

        def subscribe_earlier():
            user = db.session.scalar(select(User).where(User.email == email))
            return save_subscription(user, subscription, ANDROID_CHROME).id

        device_id = live_server.query(subscribe_earlier)
        # This browser still holds that subscription (a real one needs a push service).
        page.add_init_script(SUBSCRIBED_ALREADY % json.dumps(subscription))
        browser_context.grant_permissions(["notifications"], origin=live_server.url)
        sign_in(page, live_server, email)
        page.goto(f"{live_server.url}/inbox/settings")
        page.get_by_text("Notifications are on for this device.").wait_for()
        device = page.locator(f"#device-{device_id}")
        device.locator("[data-this-device]").wait_for()
        assert "This device" in device.locator("legend").inner_text()
        assert page.locator("[data-this-device]").count() == 1
