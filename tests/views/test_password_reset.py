"""Forgot password by e-mail, only when SMTP_URL is set: a real local SMTP server
(aiosmtpd) receives the link; the link works once, for an hour, by the password rules."""

import re

import pytest
from sqlalchemy import select

from app.models import User
from app.services.users import create_user, set_language
from tests.conftest import csrf_token_in
from tests.delivery.smtp import SmtpServer
from tests.factories import make_dealer

LINK = re.compile(r"http://localhost(/reset-password/[\w.\-]+)")


@pytest.fixture
def smtp(app):
    """SMTP_URL points at a local server that keeps what it receives."""
    with SmtpServer() as server:
        app.config["SMTP_URL"] = server.url
        yield server
    app.config["SMTP_URL"] = None


@pytest.fixture
def people(db):
    """A German and an English salesperson of a Berlin dealer."""
    make_dealer("D-BER-1", name="Autohaus Mitte", timezone="Europe/Berlin")
    german = create_user("anna@example.com", "salesperson", "D-BER-1", "password-123")
    set_language(german, "de")
    english = create_user("ben@example.com", "salesperson", "D-BER-1", "password-123")
    set_language(english, "en")
    return german, english


def _ask(client, email: str, headers=None):
    token = csrf_token_in(client.get("/forgot-password").get_data(as_text=True))
    return client.post(
        "/forgot-password", data={"email": email, "csrf_token": token}, headers=headers or {}
    )


def _link_in(smtp, count: int = 1) -> str:
    """The link in the count-th mail (mail leaves from a thread: wait for it)."""
    _recipients, message = smtp.wait_for(count)[count - 1]
    return LINK.search(message.get_content()).group(1)


def _reset(client, path: str, new: str, repeat: str | None = None):
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    return client.post(
        path,
        data={"new_password": new, "repeat_password": repeat or new, "csrf_token": token},
    )


def test_without_smtp_there_is_no_forgot_password_link_or_page(client, app, people):
    assert app.config.get("SMTP_URL") is None
    assert "Forgot password?" not in client.get("/login").get_data(as_text=True)
    assert client.get("/forgot-password").status_code == 404
    assert client.get("/reset-password/anything").status_code == 404


def test_with_smtp_the_login_page_links_to_forgot_password(client, smtp, people):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page and "Forgot password?" in page


def test_the_link_arrives_in_the_users_language_and_sets_a_new_password_once(
    client, auth, db, smtp, people
):
    response = _ask(client, "Anna@Example.com ")
    assert response.status_code == 200
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == ["anna@example.com"]
    assert message["Subject"] == "Setzen Sie Ihr LeadRelay-Passwort zurück"
    text = message.get_content()
    assert "Der Link funktioniert einmal, bis " in text
    path = _link_in(smtp)

    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "same-origin"
    # The same rules as changing the password in settings.
    assert _reset(client, path, "short").status_code == 422
    mismatch = _reset(client, path, "new-password-1", "new-password-2")
    assert mismatch.status_code == 422
    assert "Type the same new password twice." in mismatch.get_data(as_text=True)

    done = _reset(client, path, "new-password-1")
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert auth.login("anna@example.com", "password-123").status_code == 422
    assert auth.login("anna@example.com", "new-password-1").status_code == 302
    auth.logout()

    # Used once: the link is dead now (the password it was made for is gone).
    again = client.get(path)
    assert again.status_code == 422
    assert "expired or was already used" in again.get_data(as_text=True)
    assert _reset(client, path, "new-password-2").status_code == 422
    assert auth.login("anna@example.com", "new-password-1").status_code == 302


def test_an_english_user_gets_the_mail_in_english(client, smtp, people):
    _ask(client, "ben@example.com", headers={"Accept-Language": "de"})
    [(_recipients, message)] = smtp.wait_for(1)
    assert message["Subject"] == "Reset your LeadRelay password"
    assert "The link works once, until " in message.get_content()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp, people):
    known = _ask(client, "ben@example.com").get_data(as_text=True)
    unknown = _ask(client, "nobody@example.com").get_data(as_text=True)

    def without_address_and_token(html: str) -> str:
        # The CSRF token (a form field, and the page's htmx header) is signed with the
        # second it was made: two pages a second apart differ there and nowhere else.
        html = re.sub(r'name="csrf_token"[^>]*>', "", html)
        html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
        return html.replace("ben@example.com", "X").replace("nobody@example.com", "X")

    assert without_address_and_token(known) == without_address_and_token(unknown)
    # Only the known address starts a sender; the unknown one sends nothing at all.
    assert [recipients for recipients, _message in smtp.wait_for(1)] == [["ben@example.com"]]


def test_the_link_expires_after_an_hour(client, smtp, people, clock):
    _ask(client, "ben@example.com")
    path = _link_in(smtp)
    clock.advance(minutes=59)
    assert client.get(path).status_code == 200
    clock.advance(minutes=2)
    assert client.get(path).status_code == 422
    assert _reset(client, path, "new-password-1").status_code == 422


def test_a_forged_or_garbled_link_is_refused(client, smtp, people):
    _ask(client, "ben@example.com")
    path = _link_in(smtp)
    assert client.get(path[:-3] + "abc").status_code == 422
    assert client.get("/reset-password/" + "x" * 600).status_code == 422


def test_requests_past_the_limit_are_refused_with_retry_after(client, smtp, people, app):
    for _ in range(3):
        assert _ask(client, "ben@example.com").status_code == 200
    limited = _ask(client, "ben@example.com")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"].isdigit()
    assert "Too many requests" in limited.get_data(as_text=True)
    assert len(smtp.wait_for(3)) == 3


def test_a_request_without_csrf_token_is_refused(client, smtp, people):
    response = client.post("/forgot-password", data={"email": "ben@example.com"})
    assert response.status_code == 400
    assert smtp.inbox == []


def test_a_reset_ends_the_users_other_sessions(app, client, smtp, people, db):
    other = app.test_client()
    token = csrf_token_in(other.get("/login").get_data(as_text=True))
    other.post(
        "/login",
        data={"email": "ben@example.com", "password": "password-123", "csrf_token": token},
    )
    assert other.get("/inbox").status_code == 200
    _ask(client, "ben@example.com")
    assert _reset(client, _link_in(smtp), "new-password-1").status_code == 302
    assert other.get("/inbox").status_code == 302  # signed out: back to the login page
    assert db.session.scalar(select(User.active).where(User.email == "ben@example.com"))
