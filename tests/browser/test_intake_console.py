"""The coordinator's pre-qualification queue and CSV lead import in Debian's Chromium.

On the 390×844 phone profile and at desktop size: a held lead shows the rule that held
it and is approved with a tap; a CSV is checked (dry run) and its bad rows are listed by
row and column. axe finds no violations; screenshots go to RELAY_SCREENSHOTS.
"""

import os
from pathlib import Path

from app.services import review_rules
from app.services.intake import create_lead
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_coordinator
from tests.factories import lead_body

SHOTS = Path(os.environ.get("RELAY_SCREENSHOTS", "/tmp/leadrelay-shots"))
CAMPAIGN = "browser-review-only"  # matches only this test's lead: the server is shared

CSV = (
    "first_name,last_name,email,phone,postal_code,product_group\n"
    "Eva,Ng,eva@example.com,,10117,tractors\n"
    "Tom,Lenz,,call me maybe,10117,tractors\n"
)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_review_queue_on_a_phone_shows_the_rule_and_approves(page, live_server):
    code, _ = live_server.dealer_with_user()
    rule = live_server.query(
        lambda: (
            review_rules.create_rule(
                {"kind": "campaign", "value": CAMPAIGN, "name": "Trade-show check"}
            ).id
        )
    )
    try:
        body = lead_body(
            custom_fields={"campaign_id": CAMPAIGN},
            preferred_seller={"dealer": code, "contact": None},
        )
        lead_id = live_server.query(lambda: create_lead(body, source="api").id)
        sign_in_coordinator(page, live_server, live_server.coordinator())
        page.goto(f"{live_server.url}/console/review")
        held = page.locator(f"#held-{lead_id}")
        assert "Rule “Trade-show check”: Campaign is browser-review-only" in held.inner_text()
        _no_sideways_scroll(page)
        assert_no_axe_violations(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "console-review-phone.png"), full_page=True)
        with page.expect_navigation():
            held.get_by_role("button", name="Approve and route").tap()
        assert "Approved and routed" in page.get_by_role("main").inner_text()
        assert page.locator(f"#held-{lead_id}").count() == 0
        assert live_server.lead(lead_id).status == "offered"
    finally:
        live_server.query(lambda: review_rules.delete_rule(rule))


def test_csv_import_check_lists_bad_rows_on_desktop_and_phone(desktop_page, page, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    csv_file = SHOTS / "trade-show.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    for tab, name in ((desktop_page, "desktop"), (page, "phone")):
        sign_in_coordinator(tab, live_server, live_server.coordinator())
        tab.goto(f"{live_server.url}/console/leads/import")
        tab.get_by_label("Leads CSV").set_input_files(str(csv_file))
        tab.get_by_role("button", name="Check (dry run)").click()
        status = tab.get_by_role("status").filter(has_text="would be imported")
        assert "1 row would be imported; 1 fails. Nothing was stored." in status.inner_text()
        row = tab.get_by_role("region", name="Rows with errors").locator("tbody tr")
        assert row.first.inner_text().split("\t")[:2] == ["3", "phone"]
        assert_no_axe_violations(tab)
        if name == "phone":
            _no_sideways_scroll(tab)
        tab.screenshot(path=str(SHOTS / f"console-import-{name}.png"), full_page=True)
