"""The spam filter: each signal, the threshold, rejected-but-kept spam, release, rate limits."""

import re

import pytest
from sqlalchemy import select

from app.models import Lead
from app.services import spam
from app.services.forms import receive_submission
from app.services.intake import build_lead
from tests.factories import lead_body


def assessed(signals=None, **overrides) -> spam.Verdict:
    """The verdict on a lead body changed by `overrides` (customer fields merge)."""
    customer = {**lead_body()["customer"], **overrides.pop("customer", {})}
    lead = build_lead(lead_body(customer=customer, **overrides), source="form")
    return spam.assess(lead, signals or spam.Signals())


def test_a_plain_inquiry_scores_zero(app):
    verdict = assessed(spam.Signals(fill_seconds=45, timed=True))
    assert verdict.score == 0 and verdict.reasons == () and not verdict.is_spam


def test_filled_honeypot_is_spam(app):
    verdict = assessed(spam.Signals(honeypot="http://cheap.example", fill_seconds=45, timed=True))
    assert verdict.reasons == ("honeypot",) and verdict.is_spam


def test_sent_too_fast_is_spam(app):
    verdict = assessed(spam.Signals(fill_seconds=1.2, timed=True))
    assert verdict.reasons == ("too_fast",) and verdict.is_spam


def test_missing_timestamp_counts_only_where_the_page_gives_one(app):
    assert assessed(spam.Signals(timed=True)).reasons == ("no_timestamp",)
    assert assessed(spam.Signals(timed=False)).reasons == ()


def test_signed_timestamp_measures_the_fill_time(app, clock):
    token = spam.form_started_token(7)
    clock.advance(seconds=12)
    assert spam.fill_seconds(token, 7) == pytest.approx(12)
    assert spam.fill_seconds(token, 8) is None  # another form's page
    assert spam.fill_seconds(token[:-2] + "xx", 7) is None  # forged


def test_links_raise_the_score_by_count(app):
    two = assessed(message="see https://a.example and www.b.example")
    assert two.reasons == ("links",) and not two.is_spam
    four = assessed(message=" ".join(f"https://{n}.example" for n in "abcd"))
    assert four.reasons == ("many_links",) and four.is_spam
    in_name = assessed(customer={"first_name": "www.casino.example"})
    assert "link_in_name" in in_name.reasons


def test_disposable_email_domain_is_borderline(app):
    verdict = assessed(customer={"email": "eva@mailinator.com"})
    assert verdict.reasons == ("disposable_email",)
    assert 0 < verdict.score < spam.SPAM_THRESHOLD
    assert spam.is_disposable_email("x@sub.mailinator.com")
    assert not spam.is_disposable_email("eva@example.com")


def test_repeated_characters_and_words(app):
    assert assessed(message="Helloooooooo").reasons == ("repeated_characters",)
    assert assessed(message="buy buy buy buy now").reasons == ("repeated_characters",)
    assert assessed(message="Looking for a mower, good price?").reasons == ()


def test_borderline_signals_add_up_to_spam(app):
    verdict = assessed(customer={"email": "eva@mailinator.com"}, message="aaaaaaaaaaa")
    assert set(verdict.reasons) == {"disposable_email", "repeated_characters"}
    assert verdict.is_spam


def test_spam_is_stored_rejected_with_score_and_never_routed(form, db):
    submission = receive_submission(
        form, lead_body(), spam.Signals(honeypot="filled", fill_seconds=30, timed=True)
    )
    lead = db.session.get(Lead, submission.lead.id)
    assert submission.outcome == "spam"
    assert lead.status == "rejected" and lead.offers == [] and lead.holder is None
    assert lead.spam_score == 1.0 and lead.spam_reasons == ["honeypot"]


def test_coordinator_releases_spam_and_it_routes(form, db, oem):
    submission = receive_submission(form, lead_body(), spam.Signals(fill_seconds=0.5, timed=True))
    released = oem.post(f"/api/v1/leads/{submission.lead.id}/release")
    assert released.status_code == 200
    assert released.get_json()["status"] == "offered"
    assert released.get_json()["dealer"] == "D-BER-1"
    again = oem.post(f"/api/v1/leads/{submission.lead.id}/release")
    assert again.status_code == 409


def test_json_api_with_a_form_key_filters_spam_too(client, form, db):
    body = lead_body(message=" ".join(f"https://{n}.example" for n in "abcde"))
    response = client.post("/api/v1/leads", json=body, headers={"X-Form-Key": form.public_key})
    assert response.status_code == 201
    assert response.get_json()["status"] == "received"  # a spammer learns nothing
    lead = db.session.get(Lead, response.get_json()["id"])
    assert lead.status == "rejected" and lead.spam_reasons == ["many_links"]


def test_rate_limit_answers_429_with_retry_after(client, form, db):
    form.rate_limit = "2/minute"
    db.session.commit()
    headers = {"X-Form-Key": form.public_key}
    for number in range(2):
        phone = f"+49 30 555000{number}"
        body = lead_body(customer={"first_name": "A", "last_name": str(number), "phone": phone})
        assert client.post("/api/v1/leads", json=body, headers=headers).status_code == 201
    limited = client.post("/api/v1/leads", json=lead_body(), headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"].isdigit() and int(limited.headers["Retry-After"]) > 0
    assert "rate_limit" in limited.get_json()["errors"]


def test_form_page_rate_limit_shows_when_to_try_again(client, form, db):
    form.rate_limit = "1/minute"
    db.session.commit()
    client.post(f"/f/{form.public_key}", data={"first_name": "x"})
    limited = client.post(
        f"/f/{form.public_key}", data={"first_name": "x"}, headers={"Accept-Language": "de"}
    )
    assert limited.status_code == 429
    assert limited.headers["Retry-After"].isdigit()
    html = limited.get_data(as_text=True)
    assert re.search(r"Bitte versuchen Sie es in \d+ Minuten? noch einmal", html)
    assert db.session.scalar(select(Lead)) is None


def test_per_form_limit_counts_all_addresses(client, form, db):
    form.form_rate_limit = "1/minute"
    db.session.commit()
    client.post(f"/f/{form.public_key}", data={}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    other = client.post(f"/f/{form.public_key}", data={}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 429


def test_any_rate_limited_page_says_when_to_try_again(client, app):
    app.config["WTF_CSRF_ENABLED"] = False  # the sign-in limit counts posts, not tokens
    for _ in range(20):
        client.post("/login", data={"email": "x@example.com", "password": "wrong-password"})
    limited = client.post("/login", data={"email": "x@example.com", "password": "wrong"})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"].isdigit()
    assert re.search(r"Please try again in \d+ (seconds|minutes)", limited.get_data(as_text=True))
