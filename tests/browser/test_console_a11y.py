"""Every console page in Debian's Chromium at 1366×768: axe finds no violations."""

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_coordinator

CONSOLE_PAGES = [
    "/console",
    "/console?status=offered&campaign=spring-26",
    "/console/questions",
    "/console/dealers",
    "/console/dealers/new",
    "/console/dealers/import",
    "/console/routes",
    "/console/users",
    "/console/settings",
]


@pytest.fixture
def coordinator_page(desktop_page, live_server):
    """A desktop tab signed in as a fresh coordinator, with one routed lead on the board."""
    code, _ = live_server.dealer_with_user()
    live_server.lead_for(code)
    sign_in_coordinator(desktop_page, live_server, live_server.coordinator())
    return desktop_page


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_console_page_has_no_axe_violations(coordinator_page, live_server, path):
    coordinator_page.goto(f"{live_server.url}{path}")
    assert_no_axe_violations(coordinator_page)


def test_lead_page_has_no_axe_violations(coordinator_page, live_server):
    code, _ = live_server.dealer_with_user()
    lead_id = live_server.lead_for(code)
    coordinator_page.goto(f"{live_server.url}/console/leads/{lead_id}")
    assert_no_axe_violations(coordinator_page)


def test_dealer_and_user_pages_have_no_axe_violations(coordinator_page, live_server):
    code, email = live_server.dealer_with_user()
    coordinator_page.goto(f"{live_server.url}/console/dealers/{code}")
    assert_no_axe_violations(coordinator_page)
    coordinator_page.goto(f"{live_server.url}/console/users?q={code}")
    coordinator_page.get_by_role("link", name=email).click()
    coordinator_page.get_by_role("heading", name=email).wait_for()
    assert_no_axe_violations(coordinator_page)


def test_route_effect_and_confirmations_have_no_axe_violations(coordinator_page, live_server):
    code, _ = live_server.dealer_with_user()
    page = coordinator_page
    page.goto(f"{live_server.url}/console/routes")
    adding = page.get_by_role("region", name="Add a route")
    adding.get_by_label("Interest category").fill("used")
    adding.get_by_label("Dealers").fill(code.lower())
    page.get_by_role("button", name="Check the effect of this route").click()
    page.get_by_text("Before you save").wait_for()
    assert_no_axe_violations(page)
