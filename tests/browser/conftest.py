"""A real server and one real browser for the whole session.

The app runs in a thread (werkzeug's `make_server`, threaded) on 127.0.0.1 and a free
port over a temporary SQLite file. Debian's Chromium is driven by Playwright with a
persistent profile: installability checks refuse incognito contexts. Each test makes
its own dealer, user and leads with unique codes, so tests share the server safely.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Lead
from app.services.intake import create_lead
from app.services.users import create_user
from app.webpush import load_or_create_vapid_keys
from tests.browser.chromium import CHROMIUM, launch_desktop, launch_phone, new_desktop_context
from tests.conftest import TestConfig
from tests.factories import lead_body, make_dealer

PASSWORD = "password-123"
_numbers = itertools.count(1)


class BrowserTestConfig(TestConfig):
    """Like the unit tests, plus real CSRF and session cookies a browser keeps."""

    WTF_CSRF_ENABLED = True
    RELAY_WORKER = False


@dataclass
class LiveServer:
    """The running app: its base URL and the Flask app for database checks."""

    app: object
    url: str

    def dealer_with_user(self, role: str = "salesperson", **dealer_fields):
        """A fresh Berlin dealer (unique code) and a user of it; returns (code, email)."""
        number = next(_numbers)
        code = f"B-{number:03d}"
        email = f"{role}.{number}@browser.example"
        with self.app.app_context():
            fields = {"name": f"Landtechnik Nr. {number}", "inventory": ["TR-500"]}
            fields.update(dealer_fields)
            make_dealer(code, **fields)
            create_user(email, role, code, PASSWORD)
        return code, email

    def lead_for(self, dealer_code: str, **overrides) -> str:
        """A lead routed to that dealer (it is named the preferred seller); returns its id."""
        body = lead_body(preferred_seller={"dealer": dealer_code, "contact": "Jo"}, **overrides)
        with self.app.app_context():
            lead = create_lead(body, source="form")
            assert lead.holder is not None and lead.holder.code == dealer_code
            return lead.id

    def coordinator(self) -> str:
        """A fresh coordinator user; returns its email."""
        email = f"coordinator.{next(_numbers)}@browser.example"
        with self.app.app_context():
            create_user(email, "coordinator", None, PASSWORD)
        return email

    def lead(self, lead_id: str) -> Lead:
        """The lead as stored now (loaded fresh, detached)."""
        with self.app.app_context():
            lead = db.session.get(Lead, lead_id)
            _ = [offer.status for offer in lead.offers]
            db.session.expunge_all()
            return lead

    def query(self, function):
        """Run function() inside an app context and return its result."""
        with self.app.app_context():
            try:
                return function()
            finally:
                db.session.remove()


@contextmanager
def serve_app(folder: Path) -> Iterator[LiveServer]:
    """Serve a fresh app (SQLite file in folder) in a thread until the block ends."""
    config = BrowserTestConfig(f"sqlite:///{folder / 'browser.db'}")
    app = create_app(config)
    # Its own VAPID key: the developer's instance/ key is never touched by tests.
    app.config["VAPID_PRIVATE_KEY"] = load_or_create_vapid_keys(str(folder), {}).private_key_pem
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app served on a free port; stopped at the end of the session."""
    with serve_app(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright driver for the session (a second one in the same thread is refused)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory, live_server, playwright_session):
    """One Chromium for the session: a persistent profile at 390×844, touch, a phone."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = launch_phone(playwright_session, profile)
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def desktop_browser(playwright_session, live_server):
    """A second Chromium for the coordinator's desktop pages (started on first use)."""
    browser = launch_desktop(playwright_session)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def desktop_page(desktop_browser):
    """A fresh 1366×768 tab in its own signed-out context; closed afterwards."""
    context = new_desktop_context(desktop_browser)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def page(browser_context, live_server):
    """A fresh tab, signed out, online; closed afterwards."""
    browser_context.set_offline(False)
    browser_context.clear_cookies()
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert errors == [], f"JavaScript errors: {errors}"


ENGLISH_SIGN_IN = {"email": "Email", "password": "Password", "sign_in": "Sign in"}


def sign_in(page, live_server: LiveServer, email: str, words: dict = ENGLISH_SIGN_IN) -> None:
    """Sign in through the login form by tapping, as a person would; `words` are the
    form's labels in the page's language ("email", "password", "sign_in")."""
    page.goto(f"{live_server.url}/login")
    page.get_by_label(words["email"]).fill(email)
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).tap()
    page.wait_for_url(f"{live_server.url}/inbox")


def sign_in_coordinator(page, live_server: LiveServer, email: str) -> None:
    """Sign a coordinator in through the login form; lands on the console."""
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/console")
