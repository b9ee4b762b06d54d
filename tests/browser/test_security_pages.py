"""In the browser: pages work under the strict CSP, sign-in throttling keeps the form."""

import os
from pathlib import Path

from tests.browser.conftest import PASSWORD, sign_in, sign_in_coordinator

SHOTS = Path(os.environ.get("RELAY_SCREENSHOTS", "/tmp/leadrelay-shots"))


def _csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return found


def test_dealer_and_console_pages_run_under_the_csp(page, desktop_page, live_server):
    violations = _csp_violations(page)
    code, email = live_server.dealer_with_user()
    lead_id = live_server.lead_for(code)
    sign_in(page, live_server, email)
    # The service worker registers from static/js/boot.js, not an inline script.
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{live_server.url}/inbox/leads/{lead_id}")
    page.get_by_role("button", name="Accept").first.tap()
    page.get_by_text("Contacted").first.wait_for()
    page.goto(f"{live_server.url}/inbox/settings")
    assert violations == []

    console_violations = _csp_violations(desktop_page)
    sign_in_coordinator(desktop_page, live_server, live_server.coordinator())
    desktop_page.get_by_role("link", name="Audit log").click()
    desktop_page.wait_for_url(f"{live_server.url}/console/audit")
    assert desktop_page.get_by_role("cell", name="login.succeeded").first.is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    desktop_page.screenshot(path=str(SHOTS / "console-audit.png"))
    assert console_violations == []


def test_throttled_sign_in_keeps_the_form_and_says_when(page, live_server):
    _, email = live_server.dealer_with_user()
    page.goto(f"{live_server.url}/login")
    for _ in range(11):
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").tap()
        page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert "Too many sign-in attempts. Please try again in" in alert.inner_text()
    assert page.get_by_label("Email").input_value() == email
    assert page.get_by_label("Keep me signed in on this device").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "login-throttled-390.png"), full_page=True)
    # Even the right password waits until the limit lets it through.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/login")
