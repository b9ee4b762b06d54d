"""Every console page in Debian's Chromium at 1366×768: axe finds no violations."""

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_coordinator

CONSOLE_PAGES = ["/console", "/console/routes", "/console/questions"]


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
