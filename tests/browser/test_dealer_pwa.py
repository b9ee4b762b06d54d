"""The dealer PWA in Debian's Chromium at 390×844: sign in, install, push, taps, offline."""

import json
import time

from sqlalchemy import select

from app.extensions import db
from app.models import Dealer, PushSubscription, Question, User
from app.services import push_delivery
from tests.browser.conftest import sign_in
from tests.push.receiver import PushReceiver


def _wait_for(page, condition, timeout: float = 5.0):
    """Poll condition() until it returns something truthy; fail after timeout.

    Waits through the page, so Playwright keeps dispatching CDP events meanwhile.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        page.wait_for_timeout(50)


def _service_worker_ready(page) -> str:
    """Wait until the service worker is active and controls the page; returns its state."""
    state = page.evaluate(
        "navigator.serviceWorker.ready.then((registration) => registration.active.state)"
    )
    if not page.evaluate("Boolean(navigator.serviceWorker.controller)"):
        page.reload()
        page.wait_for_function("Boolean(navigator.serviceWorker.controller)")
    return state


# How many times a push is delivered over DevTools before a test gives up on it.
DELIVERIES = 4


def deliver_through_devtools(browser_context, page, origin: str, payload: dict, shown):
    """Push payload to the service worker of origin over the DevTools protocol
    (ServiceWorker.deliverPushMessage): a real push event, no push service needed.
    Returns what `shown()` gives once truthy, waited for while the protocol session
    still holds the worker (detached sooner, the worker may stop before it shows)."""
    session = browser_context.new_cdp_session(page)
    registrations: list[dict] = []
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    try:
        session.send("ServiceWorker.enable")
        registration = _wait_for(
            page,
            lambda: next((r for r in registrations if r["scopeURL"] == f"{origin}/"), None),
        )
        # On a busy machine (the whole suite on two cores) a push delivered while the
        # worker is still starting can go unshown: deliver it again, a few times (the
        # same tag replaces the notification, so it never shows twice).
        for attempt in range(DELIVERIES):
            session.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": f"{origin}/",
                    "registrationId": registration["registrationId"],
                    "data": json.dumps(payload),
                },
            )
            try:
                return _wait_for(page, shown, timeout=3.0)
            except AssertionError:
                if attempt == DELIVERIES - 1:
                    raise
    finally:
        session.detach()


def test_sign_in_lands_on_the_inbox_with_the_offer(page, live_server):
    code, email = live_server.dealer_with_user()
    live_server.lead_for(code)
    sign_in(page, live_server, email)
    assert page.get_by_role("heading", name="Inbox", exact=True).is_visible()
    assert page.get_by_text("Waiting for your answer").is_visible()
    assert page.locator(".lead-row--waiting").count() == 1
    assert page.locator(".app-nav__link[aria-current=page]").inner_text().startswith("Inbox")


def test_manifest_is_served_and_the_app_is_installable(page, live_server, browser_context):
    code, email = live_server.dealer_with_user()
    sign_in(page, live_server, email)
    response = page.request.get(f"{live_server.url}/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/inbox"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    _service_worker_ready(page)
    session = browser_context.new_cdp_session(page)
    try:
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    finally:
        session.detach()
    assert errors == []


def test_service_worker_activates_and_precaches_the_shell(page, live_server):
    code, email = live_server.dealer_with_user()
    sign_in(page, live_server, email)
    assert _service_worker_ready(page) == "activated"
    cached = page.evaluate(
        """async () => {
            const names = await caches.keys();
            const cache = await caches.open(names.find((n) => n.startsWith("leadrelay-shell-")));
            return (await cache.keys()).map((request) => new URL(request.url).pathname);
        }"""
    )
    assert {"/offline", "/static/css/app.css", "/static/htmx.min.js"} <= set(cached)
    assert not any(path.startswith("/inbox") for path in cached)


def test_a_push_delivered_through_devtools_shows_a_notification(page, live_server, browser_context):
    code, email = live_server.dealer_with_user()
    sign_in(page, live_server, email)
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    _service_worker_ready(page)
    payload = {
        "title": "New lead: TR-500",
        "body": "Eva near 10117. Accept or decline in LeadRelay.",
        "url": "/inbox/leads/abc",
        "tag": "lead-abc",
    }
    shown = deliver_through_devtools(
        browser_context,
        page,
        live_server.url,
        payload,
        lambda: page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                const [note] = await registration.getNotifications({tag: "lead-abc"});
                return note ? {title: note.title, body: note.body, url: note.data.url} : null;
            }"""
        ),
    )
    assert shown == {
        "title": payload["title"],
        "body": payload["body"],
        "url": f"{live_server.url}/inbox/leads/abc",
    }


STUB_PUSH_MANAGER = """
(() => {
  const subscriptionJson = %s;
  let current = null;
  const make = () => ({
    endpoint: subscriptionJson.endpoint,
    toJSON: () => subscriptionJson,
    unsubscribe: async () => { current = null; return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    if (!options || !options.applicationServerKey) throw new Error("no VAPID key given");
    window.__vapidKeyLength = new Uint8Array(options.applicationServerKey).length;
    current = make();
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();
"""


def test_enable_notifications_subscribes_on_tap_and_a_lead_reaches_the_device(
    page, live_server, browser_context
):
    code, email = live_server.dealer_with_user()
    with PushReceiver() as receiver:
        # A real pushManager.subscribe() needs the browser vendor's push service: the
        # page gets a subscription of our local receiver instead, keys and all.
        page.add_init_script(STUB_PUSH_MANAGER % json.dumps(receiver.subscription))
        browser_context.grant_permissions(["notifications"], origin=live_server.url)
        sign_in(page, live_server, email)
        page.get_by_role("link", name="Settings").tap()
        page.wait_for_url(f"{live_server.url}/inbox/settings")
        _service_worker_ready(page)
        page.get_by_role("button", name="Enable notifications").tap()
        page.get_by_text("Notifications are on for this device.").wait_for()
        assert page.evaluate("window.__vapidKeyLength") == 65
        # The list of devices reloads (htmx) with this one in it, marked as this device.
        page.locator("#devices .device").filter(has_text="This device").wait_for()
        assert page.locator("#devices .device").get_by_role("switch").count() == 4

        def stored():
            return live_server.query(
                lambda: [
                    (s.endpoint, s.user_id) for s in db.session.scalars(select(PushSubscription))
                ]
            )

        user_id = live_server.query(
            lambda: (
                live_server.app.extensions["sqlalchemy"]
                .session.scalar(select(User).where(User.email == email))
                .id
            )
        )
        assert (receiver.subscription["endpoint"], user_id) in stored()

        lead_id = live_server.lead_for(code)
        live_server.query(push_delivery.deliver_due_notifications)
        [push] = receiver.wait_for(1)
        assert push.errors == []
        assert push.json["url"] == f"/inbox/leads/{lead_id}"
        assert push.json["title"] == "New lead: TR-500"

        page.get_by_role("button", name="Turn off on this device").tap()
        page.get_by_text("Notifications are off on this device.").wait_for()
        assert (receiver.subscription["endpoint"], user_id) not in stored()

        # Signing out also stops this device's notifications for this user.
        page.get_by_role("button", name="Enable notifications").tap()
        page.get_by_text("Notifications are on for this device.").wait_for()
        assert (receiver.subscription["endpoint"], user_id) in stored()
        page.get_by_role("button", name="Sign out").tap()
        page.wait_for_url(f"{live_server.url}/login")
        assert (receiver.subscription["endpoint"], user_id) not in stored()


def test_accept_by_tap_makes_the_lead_ours(page, live_server):
    code, email = live_server.dealer_with_user()
    lead_id = live_server.lead_for(code)
    sign_in(page, live_server, email)
    page.locator(f'a[href="/inbox/leads/{lead_id}"]').tap()
    page.wait_for_url(f"**/inbox/leads/{lead_id}")
    page.get_by_role("button", name="Accept lead").tap()
    page.get_by_text("Lead accepted.").wait_for()
    lead = live_server.lead(lead_id)
    assert lead.status == "accepted"
    assert lead.owner_dealer_id == lead.offers[0].dealer_id
    assert lead.offers[0].status == "accepted"
    # The same page now offers the next stage.
    page.get_by_role("button", name="Mark as contacted").tap()
    page.get_by_text("Stage saved: Contacted.").wait_for()
    assert live_server.lead(lead_id).stage == "contacted"


def test_decline_with_a_reason_by_taps_hands_the_lead_on(page, live_server):
    code, email = live_server.dealer_with_user()
    lead_id = live_server.lead_for(code)
    sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/inbox/leads/{lead_id}")
    page.get_by_role("link", name="Decline…").tap()
    sheet = page.locator("dialog#decline-sheet")
    sheet.wait_for(state="visible")
    sheet.get_by_text("Too far away").tap()
    sheet.get_by_label("Note (optional)").fill("Customer is in the next town")
    sheet.get_by_role("button", name="Decline lead").tap()
    page.wait_for_url(f"{live_server.url}/inbox")
    page.get_by_text("Declined. The lead went on").wait_for()
    lead = live_server.lead(lead_id)
    mine = next(offer for offer in lead.offers if offer.status == "declined")
    assert mine.reason == "location" and mine.note == "Customer is in the next town"
    assert lead.holder_dealer_id != mine.dealer_id


def test_won_with_order_value_and_a_question_by_taps(page, live_server):
    code, email = live_server.dealer_with_user()
    lead_id = live_server.lead_for(code)
    sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/inbox/leads/{lead_id}")
    page.get_by_role("button", name="Accept lead").tap()
    page.get_by_text("Lead accepted.").wait_for()
    page.get_by_text("Won, lost or another stage").tap()
    page.locator("#stage").get_by_text("Won", exact=True).tap()
    page.get_by_role("button", name="Save stage").tap()
    page.get_by_text("a won lead needs its value").wait_for()
    page.get_by_label("Order value").fill(
        "24,500.50"
    )  # an en-GB page: English grouping (CONTRACT "Languages")
    page.get_by_role("button", name="Save stage").tap()
    page.get_by_text("Stage saved: Won.").wait_for()
    lead = live_server.lead(lead_id)
    assert lead.stage == "won" and str(lead.order_value) == "24500.50"

    page.get_by_label("Your question").fill("Can we still get the spring discount?")
    page.get_by_role("button", name="Send question").tap()
    page.get_by_text("Question sent.").wait_for()
    assert page.locator(".msg--mine").inner_text().startswith("Can we still get")
    bodies = live_server.query(
        lambda: [
            q.body for q in db.session.scalars(select(Question).where(Question.lead_id == lead_id))
        ]
    )
    assert bodies == ["Can we still get the spring discount?"]


def test_manager_sets_an_absence(page, live_server):
    code, email = live_server.dealer_with_user("dealer_manager")
    sign_in(page, live_server, email)
    page.get_by_role("link", name="Settings").tap()
    page.get_by_label("Away from").fill("2031-08-01")
    page.get_by_label("Back on").fill("2031-08-15")
    page.get_by_role("button", name="Save absence").tap()
    page.get_by_text("Absence saved.").wait_for()
    dealer = live_server.query(lambda: db.session.scalar(select(Dealer).where(Dealer.code == code)))
    assert dealer.absent_from.date().isoformat() == "2031-08-01"
    assert dealer.absent_until.date().isoformat() == "2031-08-15"


def test_offline_reload_shows_the_offline_page(page, live_server, browser_context):
    code, email = live_server.dealer_with_user()
    sign_in(page, live_server, email)
    _service_worker_ready(page)
    browser_context.set_offline(True)
    try:
        page.reload()
        page.get_by_role("heading", name="You're offline").wait_for()
        assert page.url == f"{live_server.url}/inbox"
    finally:
        browser_context.set_offline(False)
    # Back online, the offline page reloads by itself.
    page.get_by_role("heading", name="Inbox", exact=True).wait_for()
