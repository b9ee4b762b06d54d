"""The coordinator opens a report in Chromium at 1366x768, reads its charts and exports CSV.

Screenshots go to $RELAY_SCREENSHOT_DIR when set (to be looked at), else to a temp dir.
"""

import csv
import io
import os
from pathlib import Path

import pytest

from app.services import dealer_mail, dealers, deliveries, offers, stages, users
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_coordinator


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RELAY_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def report_data(live_server):
    """Two dealers; one lead accepted and won, one declined; an e-mail delivery logged."""
    accepting, email = live_server.dealer_with_user("dealer_manager")
    declining, decliner = live_server.dealer_with_user()
    won_lead = live_server.lead_for(accepting)
    declined_lead = live_server.lead_for(declining)

    def act():
        manager = users.find_user_by_email(email)
        dealer_mail.save_setting(dealers.get_dealer(accepting), "crm@example.com", "text", True)
        offers.accept_offer(won_lead, manager)
        stages.change_stage(won_lead, manager, "won", "24500")
        offers.decline_offer(declined_lead, users.find_user_by_email(decliner), "capacity")
        deliveries.deliver_due_deliveries()  # no SMTP_URL here: the receipt says so

    live_server.query(act)
    return accepting, won_lead


def test_coordinator_opens_a_report_and_exports_its_csv(
    desktop_page, live_server, report_data, shots
):
    accepting, _ = report_data
    sign_in_coordinator(desktop_page, live_server, live_server.coordinator())
    desktop_page.get_by_role("link", name="Reports").click()
    desktop_page.wait_for_url(f"{live_server.url}/console/reports/dealers")
    assert desktop_page.get_by_role("img", name="From offer to won").is_visible()
    assert desktop_page.get_by_role("img", name="Acceptance rate by dealer").is_visible()
    assert desktop_page.get_by_role("img", name="Response times").is_visible()
    row = desktop_page.locator("#report-table tr", has_text=accepting)
    assert "24,500.00" in row.inner_text()
    desktop_page.screenshot(path=str(shots / "report-dealers-1366.png"), full_page=True)
    assert_no_axe_violations(desktop_page)

    with desktop_page.expect_download() as download_info:
        desktop_page.get_by_role("link", name="Export figures as CSV").click()
    download = download_info.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert download.suggested_filename.startswith("dealers-figures-")
    mine = next(row for row in rows if row["dealer"] == accepting)
    assert (mine["accepted"], mine["won"], mine["order_value"]) == ("1", "1", "24500.0")


@pytest.mark.parametrize("grouping", ["regions", "product-groups", "campaigns"])
def test_other_report_pages_have_no_axe_violations(
    desktop_page, live_server, report_data, shots, grouping
):
    sign_in_coordinator(desktop_page, live_server, live_server.coordinator())
    desktop_page.goto(f"{live_server.url}/console/reports/{grouping}")
    desktop_page.get_by_text("Data table").first.click()  # an open data table is checked too
    desktop_page.screenshot(path=str(shots / f"report-{grouping}-1366.png"), full_page=True)
    assert_no_axe_violations(desktop_page)


def test_delivery_receipts_on_the_lead_page_and_per_dealer(
    desktop_page, live_server, report_data, shots
):
    accepting, won_lead = report_data
    sign_in_coordinator(desktop_page, live_server, live_server.coordinator())
    desktop_page.goto(f"{live_server.url}/console/leads/{won_lead}")
    receipts = desktop_page.locator("#deliveries")
    assert "SMTP_URL is not set" in receipts.inner_text()
    assert_no_axe_violations(desktop_page)
    desktop_page.goto(f"{live_server.url}/console/deliveries?dealer={accepting}")
    assert "crm@example.com" in desktop_page.locator("main").inner_text()
    desktop_page.screenshot(path=str(shots / "deliveries-dealer-1366.png"), full_page=True)
    assert_no_axe_violations(desktop_page)


def test_report_page_reads_on_a_phone(page, live_server, report_data, shots):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(live_server.coordinator())
    page.get_by_label("Password").fill("password-123")
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url(f"{live_server.url}/console")
    page.goto(f"{live_server.url}/console/reports/campaigns")
    page.screenshot(path=str(shots / "report-campaigns-390.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page scrolls sideways on a phone"
