"""Forgot password on a 390×844 phone, in German and English: from the sign-in page's
link to a new password, the link read from a real local SMTP server's inbox; every
screen fits the phone and axe finds no violation.

`RELAY_SCREENSHOTS=docs/screenshots` also saves the screens as reset-*[-de].png.
"""

import os
import re
from pathlib import Path

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_dealer_phone_sizes import assert_fits
from tests.browser.test_notification_settings import phone  # noqa: F401 - the fixture
from tests.delivery.smtp import SmtpServer

WORDS = {
    "de": {
        "forgot": "Passwort vergessen?",
        "email": "E-Mail",
        "send": "Link senden",
        "sent": "ist ein Link für ein neues Passwort unterwegs",
        "new": "Neues Passwort (mindestens 8 Zeichen)",
        "again": "Neues Passwort wiederholen",
        "save": "Neues Passwort speichern",
        "changed": "Passwort geändert. Melden Sie sich mit dem neuen Passwort an.",
        "password": "Passwort",
        "sign_in": "Anmelden",
        "used": "Dieser Link ist abgelaufen oder wurde schon benutzt.",
    },
    "en": {
        "forgot": "Forgot password?",
        "email": "Email",
        "send": "Send link",
        "sent": "a link to choose a new password is on its way",
        "new": "New password (at least 8 characters)",
        "again": "New password again",
        "save": "Save new password",
        "changed": "Password changed. Sign in with your new password.",
        "password": "Password",
        "sign_in": "Sign in",
        "used": "This link has expired or was already used.",
    },
}


@pytest.fixture
def smtp(live_server):
    """The live server mails through a local SMTP server for this test only."""
    with SmtpServer() as server:
        live_server.app.config["SMTP_URL"] = server.url
        try:
            yield server
        finally:
            live_server.app.config["SMTP_URL"] = None


def _screen(page, language: str, name: str) -> None:
    """The screen fits the phone, axe finds nothing; saved when RELAY_SCREENSHOTS says where."""
    assert_fits(page, name)
    assert_no_axe_violations(page)
    folder = os.environ.get("RELAY_SCREENSHOTS")
    if folder:
        suffix = "-de" if language == "de" else ""
        page.screenshot(path=str(Path(folder) / f"{name}{suffix}.png"))


def test_forgot_password_from_the_sign_in_page_to_a_new_password(phone, live_server, smtp):  # noqa: F811
    page, language = phone
    words = WORDS[language]
    _code, email = live_server.dealer_with_user()

    page.goto(f"{live_server.url}/login")
    _screen(page, language, "login-forgot")
    page.get_by_role("link", name=words["forgot"]).tap()
    page.wait_for_url(f"{live_server.url}/forgot-password")
    _screen(page, language, "reset-ask")
    page.get_by_label(words["email"]).fill(email)
    page.get_by_role("button", name=words["send"]).tap()
    page.get_by_role("status").filter(has_text=words["sent"]).wait_for()
    _screen(page, language, "reset-sent")

    [(_recipients, message)] = smtp.wait_for(1)
    link = re.search(r"http://\S+/reset-password/\S+", message.get_content()).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_label(words["new"]).fill("a-new-password")
    page.get_by_label(words["again"]).fill("a-new-password")
    _screen(page, language, "reset-new-password")
    page.get_by_role("button", name=words["save"]).tap()
    page.wait_for_url(f"{live_server.url}/login")
    page.get_by_text(words["changed"]).wait_for()

    page.get_by_label(words["email"]).fill(email)
    page.get_by_label(words["password"], exact=True).fill("a-new-password")
    page.get_by_role("button", name=words["sign_in"]).tap()
    page.wait_for_url(f"{live_server.url}/inbox")

    page.goto(link)  # used once: dead now
    page.get_by_text(words["used"]).wait_for()
    _screen(page, language, "reset-link-used")
