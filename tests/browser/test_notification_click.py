"""A tap on a lead's notification opens that lead (the service worker's notificationclick).

Headless Chromium has no way to click a system notification, and the DevTools protocol
offers no notificationclick (only push, sync and periodic sync). So the test shows the
notification for real (the queued payload, delivered with ServiceWorker.deliverPushMessage),
then evaluates in the service worker's own target (Playwright attaches to it over the
protocol: Target.attachToTarget + Runtime.evaluate) a dispatch of `notificationclick` on
that very notification, with a stand-in for waitUntil, and checks the open window shows
the lead.
"""

from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from tests.browser.conftest import sign_in
from tests.browser.test_dealer_pwa import (
    _service_worker_ready,
    deliver_through_devtools,
)

CLICK_IN_WORKER = """async (tag) => {
  const [notification] = await self.registration.getNotifications({ tag });
  if (!notification) return { error: "no notification with tag " + tag };
  // An untrusted event refuses waitUntil, so the stand-in keeps the handler's promise.
  const event = new Event("notificationclick");
  let pending = null;
  Object.defineProperty(event, "notification", { value: notification });
  event.waitUntil = (promise) => { pending = promise; };
  self.dispatchEvent(event);
  const client = await pending;
  const left = await self.registration.getNotifications({ tag });
  return { url: client ? client.url : null, open: left.length };
}"""


def _queued_payload(live_server, lead_id: str) -> dict:
    """The push payload the app queued for this lead's new offer."""
    return live_server.query(
        lambda: db.session.scalars(
            select(Notification.payload).where(
                Notification.lead_id == lead_id, Notification.kind == "new_offer"
            )
        ).first()
    )


def test_notification_click_shows_the_lead_in_the_open_window(page, live_server, browser_context):
    code, email = live_server.dealer_with_user()
    lead_id = live_server.lead_for(code)
    sign_in(page, live_server, email)
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    _service_worker_ready(page)
    payload = _queued_payload(live_server, lead_id)
    assert payload["url"] == f"/inbox/leads/{lead_id}"

    worker = next(w for w in browser_context.service_workers if w.url.endswith("/sw.js"))
    deliver_through_devtools(
        browser_context,
        page,
        live_server.url,
        payload,
        lambda: worker.evaluate(
            "async (tag) => (await self.registration.getNotifications({ tag })).length",
            payload["tag"],
        ),
    )
    assert page.url == f"{live_server.url}/inbox"

    clicked = worker.evaluate(CLICK_IN_WORKER, payload["tag"])

    lead_url = f"{live_server.url}/inbox/leads/{lead_id}"
    assert clicked == {"url": lead_url, "open": 0}  # the notification is closed on the tap
    page.wait_for_url(lead_url)
    assert page.get_by_role("button", name="Accept lead").is_visible()
