"""Past a limit: 429 with a numeric Retry-After, JSON errors for the API, a kind page for
people; sign-in attempts throttled per account and per client address."""

import logging

import pytest

from app.api.submitters import FORM_KEY_HEADER
from app.models import AuditEvent, FormKey
from app.ratelimits import warn_if_counters_per_process
from app.services.users import create_user
from tests import conftest
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


@pytest.fixture
def limited_app(database_uri):
    """An app with small sign-in limits, so that tests reach them quickly."""
    from app import create_app
    from app.extensions import db

    config = conftest.TestConfig(database_uri)
    config.RELAY_LOGIN_LIMIT_ACCOUNT = "3 per 15 minutes"
    config.RELAY_LOGIN_LIMIT_IP = "5 per 15 minutes"
    app = create_app(config)
    app.test_client_class = conftest.FreshContextClient
    with app.app_context():
        db.create_all()
        create_user("sales@example.com", "coordinator", password="password-123")
        create_user("other@example.com", "coordinator", password="password-123")
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _attempt(app, email, password="wrong-password", address="198.51.100.1", headers=None):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    token = csrf_token_in(browser.get("/login").get_data(as_text=True))
    return browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers or {},
    )


def test_form_key_past_its_limit_gets_429_with_numeric_retry_after(client, db, oem):
    make_dealer("D-BER-1")
    db.session.add(FormKey(name="site", public_key="pk_test", rate_limit="2/minute"))
    db.session.commit()
    for _ in range(2):
        ok = client.post("/api/v1/leads", json=lead_body(), headers={FORM_KEY_HEADER: "pk_test"})
        assert ok.status_code == 201
    limited = client.post("/api/v1/leads", json=lead_body(), headers={FORM_KEY_HEADER: "pk_test"})
    assert limited.status_code == 429
    assert limited.is_json and "rate_limit" in limited.get_json()["errors"]
    assert limited.headers["Retry-After"].isdigit()
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Coordinator tokens are not limited, whatever else the request carries.
    assert oem.post("/api/v1/leads", json=lead_body()).status_code == 201
    both = oem.post("/api/v1/leads", json=lead_body(), headers={FORM_KEY_HEADER: "pk_test"})
    assert both.status_code == 201
    # The form key's ADF intake has a limit of its own.
    adf = {FORM_KEY_HEADER: "pk_test", "Content-Type": "application/xml"}
    answers = [client.post("/api/v1/leads/adf", data="<adf/>", headers=adf) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [422, 422, 429]


def test_sign_in_is_throttled_per_account_from_any_address(limited_app):
    for number in range(3):
        assert (
            _attempt(limited_app, "sales@example.com", address=f"10.0.0.{number}").status_code
            == 422
        )
    # Even the right password from yet another address waits: the account is throttled.
    throttled = _attempt(limited_app, "sales@example.com", "password-123", address="10.0.0.9")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"].isdigit()
    # Other accounts are unaffected.
    assert _attempt(limited_app, "other@example.com", "password-123").status_code == 302


def test_a_bearer_header_exempts_only_lead_intake_from_its_form_key_limits(limited_app):
    # Lead intake skips flask-limiter for a request without a form key (api/submitters);
    # the header must not buy a sign-in (or anything else) out of its limits.
    bearer = {"Authorization": "Bearer lr_not_a_token"}
    for _ in range(3):
        assert _attempt(limited_app, "sales@example.com", headers=bearer).status_code == 422
    assert _attempt(limited_app, "sales@example.com", headers=bearer).status_code == 429


def test_sign_in_is_throttled_per_address_across_accounts(limited_app):
    for number in range(5):
        assert _attempt(limited_app, f"guess{number}@example.com").status_code == 422
    assert _attempt(limited_app, "other@example.com", "password-123").status_code == 429
    assert _attempt(limited_app, "other@example.com", "password-123", "10.1.1.1").status_code == 302


def test_successful_sign_ins_do_not_count(limited_app):
    for _ in range(6):
        assert _attempt(limited_app, "sales@example.com", "password-123").status_code == 302


def test_throttled_sign_in_page_keeps_the_form_and_says_when(limited_app):
    for _ in range(3):
        _attempt(limited_app, "sales@example.com")
    page = _attempt(limited_app, "sales@example.com")
    html = page.get_data(as_text=True)
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert 'name="password"' in html and 'value="sales@example.com"' in html
    assert 'name="csrf_token"' in html
    assert "Too many sign-in attempts. Please try again in" in html
    with limited_app.app_context():
        actions = [row.action for row in AuditEvent.query.all()]
    assert actions.count("login.failed") == 3


def test_start_up_warns_when_workers_count_separately(app, caplog):
    with caplog.at_level(logging.WARNING):
        assert warn_if_counters_per_process(app, {"RELAY_WEB_WORKERS": "4"})
    assert "multiplied by 4" in caplog.text
    assert not warn_if_counters_per_process(app, {"RELAY_WEB_WORKERS": "1"})
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379"
    assert not warn_if_counters_per_process(app, {"RELAY_WEB_WORKERS": "4"})


def test_the_generic_429_page_speaks_the_visitors_language(app):
    """A limited page with no page of its own gets the generic one, translated."""
    from app.extensions import limiter

    app.add_url_rule("/limited", "limited", limiter.limit("1/minute")(lambda: "fine"))
    browser = app.test_client()
    assert browser.get("/limited").status_code == 200
    german = browser.get("/limited", headers={"Accept-Language": "de"})
    english = browser.get("/limited", headers={"Accept-Language": "en"})
    assert german.status_code == english.status_code == 429
    assert german.headers["Retry-After"].isdigit()
    html = german.get_data(as_text=True)
    assert "Etwas langsamer, bitte" in html
    assert "Zu viele Anfragen. Bitte versuchen Sie es in 1 Minute erneut." in html
    html = english.get_data(as_text=True)
    assert "Slow down" in html
    assert "Too many requests. Please try again in 1 minute." in html
