"""A salesperson's day on a small and a common phone, in German and in English.

At 320×640 and 390×844, with the browser speaking German or English: sign in, accept
(the tab bar's badge drops on the same page), stage to won with the amount written the
page's way (12.500,50 / 12,500.50, stored as 12500.50), lost with a reason, a private
note, Accept tapped offline (said at once, nothing sent), and back after a decline (no
live stale buttons). On every screen no element reaches past the viewport's right edge,
and axe finds no violation.
"""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LeadNote
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import PASSWORD, sign_in

SIZES = [(320, 640), (390, 844)]
# What the journey types and taps, per language (what a salesperson reads on the page).
WORDS = {
    "de": {
        "locale": "de-DE",
        "email": "E-Mail",
        "password": "Passwort",
        "sign_in": "Anmelden",
        "accept": "Lead annehmen",
        "accepted": "Lead angenommen.",
        "more_stages": "Gewonnen, verloren oder andere Phase",
        "won": "Gewonnen",
        "lost": "Verloren",
        "order_value": "Auftragswert",
        "amount": "12.500,50",
        "two_way": "12.500",
        "preview": "Gelesen als 12.500,00",
        "save_stage": "Phase speichern",
        "won_saved": "Phase gespeichert: Gewonnen.",
        "lost_saved": "Phase gespeichert: Verloren.",
        "price": "Preis",
        "note_label": "Ihre Notiz",
        "save_note": "Notiz speichern",
        "note_saved": "Notiz gespeichert.",
        "offline": "Sie sind offline. Es wurde nichts gesendet",
        "decline": "Ablehnen …",
        "too_far": "Zu weit entfernt",
        "decline_lead": "Lead ablehnen",
        "declined": "Abgelehnt.",
    },
    "en": {
        "locale": "en-GB",
        "email": "Email",
        "password": "Password",
        "sign_in": "Sign in",
        "accept": "Accept lead",
        "accepted": "Lead accepted.",
        "more_stages": "Won, lost or another stage",
        "won": "Won",
        "lost": "Lost",
        "order_value": "Order value",
        "amount": "12,500.50",
        "two_way": "1,250",
        "preview": "Reads as €1,250.00",
        "save_stage": "Save stage",
        "won_saved": "Stage saved: Won.",
        "lost_saved": "Stage saved: Lost.",
        "price": "Price",
        "note_label": "Your note",
        "save_note": "Save note",
        "note_saved": "Note saved.",
        "offline": "You are offline. Nothing was sent",
        "decline": "Decline…",
        "too_far": "Too far away",
        "decline_lead": "Decline lead",
        "declined": "Declined.",
    },
}

# Elements whose right edge passes the viewport's (a hidden or clipped one does not count:
# visually-hidden text, the closed decline sheet, anything inside a sideways scroller).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (element.closest(".visually-hidden, dialog:not([open]), .table-wrap")) continue;
    if (box.right > width + 0.5) {
      const name = `${element.tagName.toLowerCase()}.${element.className}`;
      found.push(`${name} ends at ${Math.round(box.right)}`);
    }
  }
  const scrolled = document.documentElement.scrollWidth;
  if (scrolled > width) found.push(`page scrolls sideways to ${scrolled}`);
  return found;
}"""


def assert_fits(page, where: str) -> None:
    """Nothing on the page is wider than the viewport (checked in the DOM, not by eye)."""
    overflowing = page.evaluate(OVERFLOWING)
    assert overflowing == [], f"{where}: wider than the viewport: {overflowing}"


def check_screen(page, where: str) -> None:
    """The screen fits the phone and axe finds no violation on it."""
    assert_fits(page, where)
    assert_no_axe_violations(page)


@pytest.fixture(params=[(size, language) for size in SIZES for language in WORDS], ids=str)
def phone(request, desktop_browser, live_server):
    """A fresh touch phone of that size whose browser speaks that language."""
    (width, height), language = request.param
    context = desktop_browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale=WORDS[language]["locale"],
        timezone_id="Europe/Berlin",
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab, WORDS[language]
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_a_salespersons_day_fits_the_phone_in_its_language(phone, live_server):
    page, words = phone
    code, email = live_server.dealer_with_user()
    won_id = live_server.lead_for(code)
    lost_id = live_server.lead_for(code)
    declined_id = live_server.lead_for(code)
    base = live_server.url

    page.goto(f"{base}/login")
    check_screen(page, "login")
    page.get_by_label(words["email"]).fill(email)
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).tap()
    page.wait_for_url(f"{base}/inbox")
    assert page.locator("#nav-count").inner_text().startswith("3")
    check_screen(page, "inbox")

    # Accept: the lead is ours, and the badge on this same page counts one fewer.
    page.locator(f'a[href="/inbox/leads/{won_id}"]').tap()
    page.wait_for_url(f"**/inbox/leads/{won_id}")
    check_screen(page, "offered lead")
    page.get_by_role("link", name=words["decline"]).tap()
    page.locator("dialog#decline-sheet").wait_for(state="visible")
    check_screen(page, "decline sheet")
    page.keyboard.press("Escape")
    page.get_by_role("button", name=words["accept"]).tap()
    page.get_by_text(words["accepted"]).wait_for()
    assert page.locator("#nav-count").inner_text().startswith("2")

    # Won, the amount written the page's way.
    page.get_by_text(words["more_stages"]).tap()
    check_screen(page, "stage form")
    page.locator("#stage").get_by_text(words["won"], exact=True).tap()
    page.get_by_label(words["order_value"]).fill(words["amount"])
    page.get_by_role("button", name=words["save_stage"]).tap()
    page.get_by_text(words["won_saved"]).wait_for()
    won = live_server.lead(won_id)
    assert (won.stage, won.order_value) == ("won", Decimal("12500.50"))

    # A private note.
    page.get_by_label(words["note_label"]).fill("Ruft nach 17 Uhr zurück / calls after 5pm")
    page.get_by_role("button", name=words["save_note"]).tap()
    page.get_by_text(words["note_saved"]).wait_for()
    assert page.locator("#notes .msg").count() == 1
    check_screen(page, "won lead with a note")
    notes = live_server.query(
        lambda: list(db.session.scalars(select(LeadNote.body).where(LeadNote.lead_id == won_id)))
    )
    assert notes == ["Ruft nach 17 Uhr zurück / calls after 5pm"]

    # Offline: Accept says so at once and sends nothing.
    page.goto(f"{base}/inbox/leads/{lost_id}")
    page.context.set_offline(True)
    try:
        page.get_by_role("button", name=words["accept"]).tap()
        notice = page.locator("#offline-notice")
        notice.wait_for(state="visible", timeout=2_000)
        assert words["offline"] in notice.inner_text()
        check_screen(page, "offline notice")
        assert live_server.lead(lost_id).status == "offered"
    finally:
        page.context.set_offline(False)

    # Lost, with a reason.
    page.get_by_role("button", name=words["accept"]).tap()
    page.get_by_text(words["accepted"]).wait_for()
    page.get_by_text(words["more_stages"]).tap()
    page.locator("#stage").get_by_text(words["lost"], exact=True).tap()
    page.locator("#stage").get_by_text(words["price"], exact=True).tap()
    page.get_by_role("button", name=words["save_stage"]).tap()
    page.get_by_text(words["lost_saved"]).wait_for()
    lost = live_server.lead(lost_id)
    assert (lost.stage, lost.lost_reason) == ("lost", "price")
    check_screen(page, "lost lead")

    # Decline, then back: the old offer never comes back with live buttons.
    page.goto(f"{base}/inbox/leads/{declined_id}")
    page.get_by_role("link", name=words["decline"]).tap()
    sheet = page.locator("dialog#decline-sheet")
    sheet.get_by_text(words["too_far"]).tap()
    sheet.get_by_role("button", name=words["decline_lead"]).tap()
    page.wait_for_url(f"{base}/inbox")
    page.get_by_text(words["declined"]).wait_for()
    page.go_back()
    page.wait_for_url(f"**/inbox/leads/{declined_id}")
    page.wait_for_load_state()
    assert page.get_by_role("button", name=words["accept"]).count() == 0
    assert page.get_by_role("button", name=words["decline_lead"]).count() == 0
    check_screen(page, "back after decline")

    page.goto(f"{base}/inbox/settings")
    check_screen(page, "settings")


def test_the_width_check_names_an_element_past_the_edge(desktop_page):
    """The check itself: a box wider than the window is found and named."""
    desktop_page.set_content('<p class="wide" style="width: 2000px">long</p>')
    with pytest.raises(AssertionError, match="p.wide ends at"):
        assert_fits(desktop_page, "a page with a wide paragraph")


LAYOUT_WIDTHS = [(320, 640), (360, 740), (390, 844), (430, 932)]


@pytest.mark.parametrize("language", list(WORDS))
def test_inbox_lead_settings_and_search_fit_every_phone_width(
    language, desktop_browser, live_server
):
    """At 320, 360, 390 and 430 px, nothing on the inbox, a lead (its stage form open, an
    amount that reads two ways previewed; at 320 px also the question asked before saving
    it, with axe), settings or a search is wider than the screen.
    One context per language, resized between widths: four widths cost one sign-in."""
    words = WORDS[language]
    code, email = live_server.dealer_with_user()
    owned_id = live_server.lead_for(code)
    live_server.lead_for(code)  # one still waiting, so the inbox has both kinds of rows
    context = desktop_browser.new_context(
        viewport={"width": 320, "height": 640},
        is_mobile=True,
        has_touch=True,
        locale=words["locale"],
        timezone_id="Europe/Berlin",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = live_server.url
    try:
        sign_in(page, live_server, email, words)
        page.goto(f"{base}/inbox/leads/{owned_id}")
        page.get_by_role("button", name=words["accept"]).tap()
        page.get_by_text(words["accepted"]).wait_for()
        for width, height in LAYOUT_WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            for where, path in (
                ("inbox", "/inbox"),
                ("settings", "/inbox/settings"),
                ("search", "/inbox?q=Eva"),
            ):
                page.goto(f"{base}{path}")
                assert_fits(page, f"{where} at {width} px ({language})")
            page.goto(f"{base}/inbox/leads/{owned_id}")
            page.get_by_text(words["more_stages"]).tap()
            page.get_by_label(words["order_value"]).fill(words["two_way"])
            page.locator("#amount-preview").get_by_text(words["preview"]).wait_for()
            assert_fits(page, f"lead with its stage form at {width} px ({language})")
            if width == LAYOUT_WIDTHS[0][0]:
                # The narrowest phone also gets the question the server asks before saving.
                page.locator("#stage").get_by_text(words["won"], exact=True).tap()
                page.get_by_role("button", name=words["save_stage"]).tap()
                page.locator(".amount-confirm").wait_for()
                check_screen(page, f"amount to confirm at {width} px ({language})")
                assert live_server.lead(owned_id).stage != "won"
    finally:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"
