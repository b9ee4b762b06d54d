"""Sessions end on the server: logout and a password change close them for every cookie."""

import pytest

from app.models import User
from app.services.users import create_user, set_password
from tests.conftest import AuthActions, csrf_token_in
from tests.factories import make_dealer


@pytest.fixture
def salesperson(app):
    make_dealer("D-BER-1")
    return create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")


def _sign_in(client, remember: bool):
    token = csrf_token_in(client.get("/login").get_data(as_text=True))
    data = {"email": "sales@example.com", "password": "password-123", "csrf_token": token}
    if remember:
        data["remember"] = "y"
    answer = client.post("/login", data=data)
    assert answer.status_code == 302
    return answer


def _opens_inbox(app, cookies: dict) -> bool:
    """A fresh browser holding only these cookies: does it get the signed-in inbox?"""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser.get("/inbox").status_code == 200


@pytest.mark.both_databases
def test_logout_ends_session_and_remember_me_cookies(app, client, salesperson):
    _sign_in(client, remember=True)
    held = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    assert _opens_inbox(app, {"session": held["session"]})
    assert _opens_inbox(app, {"remember_token": held["remember_token"]})

    AuthActions(client).logout()

    assert client.get("/inbox").status_code == 302
    assert not _opens_inbox(app, {"session": held["session"]})
    assert not _opens_inbox(app, {"remember_token": held["remember_token"]})
    assert not _opens_inbox(app, held)


def test_remember_me_only_when_ticked(client, salesperson):
    answer = _sign_in(client, remember=False)
    assert "remember_token" not in " ".join(answer.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None
    session_cookie = next(
        value for value in answer.headers.getlist("Set-Cookie") if value.startswith("session=")
    )
    assert "Expires=" not in session_cookie  # ends with the browser session
    AuthActions(client).logout()
    remembered = _sign_in(client, remember=True)
    assert "remember_token=" in " ".join(remembered.headers.getlist("Set-Cookie"))


def test_sign_in_rotates_the_session(app, client, salesperson):
    before = csrf_token_in(client.get("/login").get_data(as_text=True))
    planted = client.get_cookie("session").value
    _sign_in(client, remember=False)
    assert client.get_cookie("session").value != planted
    # The pre-login cookie opens nothing, and its form token no longer works.
    assert not _opens_inbox(app, {"session": planted})
    stale = client.post("/inbox/settings/capacity", data={"csrf_token": before})
    assert stale.status_code == 400


@pytest.mark.both_databases
def test_password_change_ends_other_sessions(app, client, salesperson, db):
    _sign_in(client, remember=True)
    held = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    set_password(db.session.get(User, salesperson.id), "a-new-password-456")
    assert client.get("/inbox").status_code == 302
    assert not _opens_inbox(app, held)
    assert not _opens_inbox(app, {"remember_token": held["remember_token"]})


def test_logged_in_pages_are_not_stored(client, salesperson):
    _sign_in(client, remember=False)
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    assert inbox.headers["Cache-Control"] == "no-store"
    with client.get("/static/css/app.css") as static_file:
        assert "no-store" not in static_file.headers.get("Cache-Control", "")


def test_cookies_and_hsts_only_over_https(app, salesperson):
    plain = app.test_client()
    _sign_in(plain, remember=True)
    cookies = plain.get("/inbox").headers.getlist("Set-Cookie") + _sign_in_cookies(plain)
    assert cookies and not any("Secure" in cookie for cookie in cookies)
    assert "Strict-Transport-Security" not in plain.get("/login").headers

    secure = app.test_client()
    secure_cookies = _sign_in_cookies(secure, base_url="https://localhost")
    assert secure_cookies and all("; Secure" in cookie for cookie in secure_cookies)
    hsts = secure.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=")


def test_forwarded_https_counts_only_from_a_trusted_proxy(app, salesperson):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert (
        "Strict-Transport-Security"
        not in app.test_client().get("/login", headers=forwarded).headers
    )

    from app import create_app
    from tests import conftest

    config = conftest.TestConfig(app.config["SQLALCHEMY_DATABASE_URI"])
    config.RELAY_TRUSTED_PROXIES = 1
    proxied = create_app(config).test_client()
    page = proxied.get("/login", headers=forwarded)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert all("; Secure" in cookie for cookie in page.headers.getlist("Set-Cookie"))


def _sign_in_cookies(client, **request_options) -> list[str]:
    page = client.get("/login", **request_options)
    token = csrf_token_in(page.get_data(as_text=True))
    answer = client.post(
        "/login",
        data={
            "email": "sales@example.com",
            "password": "password-123",
            "csrf_token": token,
            "remember": "y",
        },
        # Over HTTPS, Flask-WTF also checks that the form came from this site.
        headers={"Referer": request_options.get("base_url", "http://localhost") + "/login"},
        **request_options,
    )
    assert answer.status_code == 302
    return answer.headers.getlist("Set-Cookie")


def test_logout_tells_the_browser_to_drop_the_remember_me_cookie(client, salesperson):
    _sign_in(client, remember=True)
    answer = AuthActions(client).logout()
    dropped = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert dropped and "Expires=Thu, 01 Jan 1970" in dropped[0]


def test_cli_password_change_signs_every_device_out(app, client, salesperson, runner):
    _sign_in(client, remember=True)
    assert client.get("/inbox").status_code == 200
    answer = runner.invoke(
        args=["set-password", "sales@example.com", "--password", "another-password-789"]
    )
    assert answer.exit_code == 0, answer.output
    assert client.get("/inbox").status_code == 302
    too_short = runner.invoke(args=["set-password", "sales@example.com", "--password", "short"])
    assert too_short.exit_code != 0 and "at least 8" in too_short.output
