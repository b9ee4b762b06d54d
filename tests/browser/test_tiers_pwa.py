"""Tiers in Debian's Chromium at 390×844: a distributor forwards a lead to a sub-dealer
from the lead page, and a dealer manager assigns an accepted lead to a salesperson.

Each test saves screenshots of the screens it taps through (in the test's temp folder,
or in RELAY_SCREENSHOTS when set) so a person can look at them.
"""

import os
from pathlib import Path

from app.services.users import create_user
from tests.browser.conftest import PASSWORD, sign_in


def _shot(page, tmp_path: Path, name: str) -> Path:
    """What the phone's screen shows now (a full-page capture would paint the sticky
    header and the tab bar into the middle of the page, which no phone shows)."""
    folder = Path(os.environ.get("RELAY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def _dealer_id(code: str) -> int:
    from app.extensions import db
    from app.models import Dealer

    return db.session.query(Dealer.id).filter_by(code=code).scalar()


def _fits_the_phone(page) -> None:
    """Nothing sticks out sideways on a 390-px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_distributor_forwards_a_lead_to_a_sub_dealer_from_the_lead_page(
    page, live_server, tmp_path
):
    distributor, email = live_server.dealer_with_user(
        "dealer_manager", tier="distributor", name="Vertrieb Nord"
    )
    sub, _ = live_server.dealer_with_user(parent=distributor, name="Gartenwelt Spandau")
    lead_id = live_server.lead_for(distributor)
    sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/inbox/leads/{lead_id}")
    forward = page.get_by_role("region", name="Forward to a sub-dealer")
    forward.scroll_into_view_if_needed()
    _fits_the_phone(page)
    _shot(page, tmp_path, "tiers-forward-lead-page")

    forward.get_by_label("Sub-dealer").select_option(label="Gartenwelt Spandau")
    forward.get_by_role("button", name="Forward").tap()
    page.get_by_text("Forwarded to Gartenwelt Spandau").wait_for()
    holder = live_server.query(lambda: live_server.lead(lead_id).holder_dealer_id)
    assert holder == live_server.query(lambda: _dealer_id(sub))

    page.goto(f"{live_server.url}/inbox?scope=sub_dealers")
    assert page.locator(".filter-tabs__tab[aria-current=page]").inner_text() == "Sub-dealers'"
    row = page.locator(f"a[href='/inbox/leads/{lead_id}']")
    assert "at Gartenwelt Spandau" in row.inner_text()
    _fits_the_phone(page)
    _shot(page, tmp_path, "tiers-forward-inbox-sub-dealers")
    page.get_by_role("link", name="Ours").tap()
    page.wait_for_url(f"{live_server.url}/inbox?scope=own")
    assert page.locator(f"a[href='/inbox/leads/{lead_id}']").count() == 0


def test_manager_assigns_an_accepted_lead_to_a_salesperson(page, live_server, tmp_path):
    code, manager = live_server.dealer_with_user("dealer_manager", name="Autohaus Mitte")
    salesperson = f"anna.{code.lower()}@browser.example"
    live_server.query(lambda: create_user(salesperson, "salesperson", code, PASSWORD))
    lead_id = live_server.lead_for(code)
    sign_in(page, live_server, manager)
    page.goto(f"{live_server.url}/inbox/leads/{lead_id}")
    page.get_by_role("button", name="Accept lead").tap()
    assignee = page.get_by_role("region", name="Who works this lead")
    assignee.wait_for()
    # Nothing waits any more: the tab bar's count follows the accept.
    assert page.locator("#nav-count").text_content().split()[0] == "0"
    assert assignee.get_by_text("Nobody yet").is_visible()
    assignee.scroll_into_view_if_needed()
    _fits_the_phone(page)
    _shot(page, tmp_path, "tiers-assign-before")

    assignee.get_by_label("Salesperson").select_option(label=salesperson)
    assignee.get_by_role("button", name="Assign").tap()
    page.get_by_text(f"Given to {salesperson}").wait_for()
    assert live_server.lead(lead_id).assignee_user_id is not None
    page.get_by_role("region", name="Who works this lead").scroll_into_view_if_needed()
    _fits_the_phone(page)
    _shot(page, tmp_path, "tiers-assign-after")
