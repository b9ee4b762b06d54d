"""The dealer app's pages without JavaScript, and their htmx fragments."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import Dealer, Lead, PushSubscription
from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


@pytest.fixture
def offered(oem, auth):
    """A lead offered to D-BER-1, whose salesperson is signed in; returns the lead JSON."""
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-BER-2", name="Spandau", lat=52.535, lon=13.197, inventory=[])
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    lead = oem.post(
        "/api/v1/leads",
        json=lead_body(preferred_seller={"dealer": "D-BER-1", "contact": "John Best"}),
    ).get_json()
    auth.login("sales@example.com")
    return lead


def _token(client, url="/inbox"):
    return csrf_token_in(client.get(url).get_data(as_text=True))


def _accept(client, lead):
    token = _token(client, f"/inbox/leads/{lead['id']}")
    return client.post(f"/inbox/leads/{lead['id']}/accept", data={"csrf_token": token})


def test_lead_page_shows_everything_the_customer_said(client, offered):
    html = client.get(f"/inbox/leads/{offered['id']}").get_data(as_text=True)
    # Contact details only once accepted (privacy before acceptance).
    assert "Eva Ng" not in html and "tel:" not in html and "mailto:" not in html
    for text in (
        "Eva",
        "Looking for a compact tractor",
        "1 × TR-500",
        "in your stock",
        "spring-26",
        "UTM source",
        "newsletter",
        "John Best at you",
        "km from Autohaus Mitte",
        "Accept lead",
        'value="location"',  # the decline sheet is on the page
    ):
        assert text in html, text
    _accept(client, offered)
    html = client.get(f"/inbox/leads/{offered['id']}").get_data(as_text=True)
    for text in ("Eva Ng", 'href="tel:+49301234567"', 'href="mailto:eva@example.com'):
        assert text in html, text


def test_inbox_lists_waiting_offers_first_then_owned_leads_by_stage(client, offered, oem):
    second = oem.post("/api/v1/leads", json=lead_body(message="second")).get_json()
    _accept(client, second)
    html = client.get("/inbox").get_data(as_text=True)
    assert html.index("Waiting for your answer") < html.index(offered["id"])
    assert html.index(offered["id"]) < html.index("Your leads") < html.index(second["id"])
    assert "min left" in html
    assert 'class="app-nav"' in html and 'aria-current="page"' in html


def test_inbox_poll_returns_the_list_and_an_out_of_band_badge(client, offered):
    response = client.get("/inbox", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="inbox-list"')
    assert 'id="nav-count"' in html and 'hx-swap-oob="true"' in html
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_accept_without_js_redirects_to_the_lead(client, offered):
    response = _accept(client, offered)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lead accepted" in page and "Mark as contacted" in page


def test_accept_with_htmx_returns_the_lead_fragment(client, offered):
    token = _token(client, f"/inbox/leads/{offered['id']}")
    response = client.post(
        f"/inbox/leads/{offered['id']}/accept",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="lead"')
    assert "Lead accepted" in html and 'id="stage"' in html


def test_a_lost_race_sends_the_user_back_to_the_inbox(client, offered, oem):
    token = _token(client, f"/inbox/leads/{offered['id']}")
    client.post(f"/inbox/leads/{offered['id']}/accept", data={"csrf_token": token})
    again = client.post(
        f"/inbox/leads/{offered['id']}/accept",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert again.headers["HX-Redirect"] == "/inbox"


def test_decline_page_works_without_js(client, offered):
    sheet = client.get(f"/inbox/leads/{offered['id']}/decline").get_data(as_text=True)
    assert "<h1" in sheet and 'value="spam"' in sheet
    response = client.post(
        f"/inbox/leads/{offered['id']}/decline",
        data={"csrf_token": csrf_token_in(sheet), "reason": "capacity"},
    )
    assert response.headers["Location"] == "/inbox"
    assert client.get(f"/inbox/leads/{offered['id']}").status_code == 404


def test_stage_changes_without_js_and_with_htmx(client, offered, oem):
    _accept(client, offered)
    url = f"/inbox/leads/{offered['id']}/stage"
    token = _token(client, f"/inbox/leads/{offered['id']}")
    response = client.post(url, data={"csrf_token": token, "stage": "contacted"})
    assert response.status_code == 302
    fragment = client.post(
        url,
        data={"csrf_token": token, "stage": "won"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 422
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="stage"')
    assert "a won lead needs its value" in html and 'aria-invalid="true"' in html
    won = client.post(
        url,
        data={"csrf_token": token, "stage": "won", "order_value": "1.234,5"},
        headers={"HX-Request": "true"},
    )
    assert won.status_code == 422  # "1.234,5" is ambiguous: refused, not guessed
    won = client.post(
        url,
        data={"csrf_token": token, "stage": "won", "order_value": "1,234.50"},
        headers={"HX-Request": "true"},
    )
    assert won.status_code == 200 and "Stage saved: Won." in won.get_data(as_text=True)
    lead = oem.get(f"/api/v1/leads/{offered['id']}").get_json()
    assert lead["stage"] == "won" and lead["order_value"] == 1234.5


def test_stage_on_a_pending_offer_says_accept_first(client, offered):
    token = _token(client, f"/inbox/leads/{offered['id']}")
    response = client.post(
        f"/inbox/leads/{offered['id']}/stage", data={"csrf_token": token, "stage": "contacted"}
    )
    assert response.status_code == 302
    assert "Accept the lead" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_question_thread_without_js_and_with_htmx(client, offered, oem):
    url = f"/inbox/leads/{offered['id']}/questions"
    token = _token(client, f"/inbox/leads/{offered['id']}")
    response = client.post(url, data={"csrf_token": token, "body": "Is it in stock?"})
    assert response.headers["Location"].endswith("#questions")
    empty = client.post(url, data={"csrf_token": token, "body": ""}, headers={"HX-Request": "true"})
    assert empty.status_code == 422
    fragment = client.post(
        url, data={"csrf_token": token, "body": "And the colour?"}, headers={"HX-Request": "true"}
    )
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="questions"')
    assert "Is it in stock?" in html and "And the colour?" in html
    question_id = oem.get(f"/api/v1/leads/{offered['id']}/questions").get_json()["items"][0]["id"]
    oem.post(f"/api/v1/questions/{question_id}/answer", json={"body": "Two in Berlin."})
    page = client.get(f"/inbox/leads/{offered['id']}").get_data(as_text=True)
    assert "Two in Berlin." in page and "Manufacturer" in page


def test_settings_page_offers_notifications_absence_and_sign_out(client, offered):
    html = client.get("/inbox/settings").get_data(as_text=True)
    assert "Enable notifications" in html and "data-key=" in html
    assert 'action="/logout"' in html
    assert "Your absence" in html  # a salesperson sets their own, not the dealership's


def test_manager_sets_and_clears_an_absence_without_js(client, auth, db, offered):
    create_user("boss@example.com", "dealer_manager", "D-BER-1", "password-123")
    auth.login("boss@example.com")
    token = _token(client, "/inbox/settings")
    bad = client.post(
        "/inbox/settings/absence",
        data={"csrf_token": token, "absent_from": "2031-08-10", "absent_until": "2031-08-01"},
    )
    assert bad.status_code == 422 and "must end after it starts" in bad.get_data(as_text=True)
    response = client.post(
        "/inbox/settings/absence",
        data={"csrf_token": token, "absent_from": "2031-08-01", "absent_until": "2031-08-15"},
    )
    assert response.status_code == 302
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D-BER-1"))
    db.session.refresh(dealer)
    assert dealer.absent_until.date().isoformat() == "2031-08-15"
    assert "Planned" in client.get("/inbox/settings").get_data(as_text=True)
    cleared = client.post(
        "/inbox/settings/absence",
        data={"csrf_token": token, "action": "clear"},
        headers={"HX-Request": "true"},
    )
    assert cleared.get_data(as_text=True).lstrip().startswith('<section id="absence"')
    db.session.refresh(dealer)
    assert dealer.absent_until is None


def test_salesperson_absence_is_their_own_not_the_dealerships(client, offered, db):
    token = _token(client, "/inbox/settings")
    response = client.post(
        "/inbox/settings/absence",
        data={"csrf_token": token, "absent_until": "2031-08-15"},
    )
    assert response.status_code == 302
    dealer = db.session.query(Dealer).filter_by(code="D-BER-1").one()
    assert dealer.absent_until is None  # the dealership still gets leads


def test_push_subscription_endpoints_need_the_csrf_header(client, offered, db):
    body = {
        "endpoint": "https://push.example.net/send/abc",
        "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
    }
    assert client.post("/inbox/push-subscriptions", json=body).status_code == 400
    token = _token(client)
    refused = client.post(
        "/inbox/push-subscriptions", json={"endpoint": "x"}, headers={"X-CSRFToken": token}
    )
    assert refused.status_code == 422 and "endpoint" in refused.get_json()["errors"]


def test_push_subscription_round_trip(client, offered, db):
    from tests.push.receiver import PushReceiver

    token = _token(client)
    with PushReceiver() as receiver:
        created = client.post(
            "/inbox/push-subscriptions",
            json=receiver.subscription,
            headers={"X-CSRFToken": token},
        )
        assert created.status_code == 201
        assert (
            db.session.scalar(select(PushSubscription.endpoint))
            == (receiver.subscription["endpoint"])
        )
        deleted = client.delete(
            "/inbox/push-subscriptions",
            json={"endpoint": receiver.subscription["endpoint"]},
            headers={"X-CSRFToken": token},
        )
        assert deleted.get_json() == {"subscribed": False}
        assert db.session.scalar(select(PushSubscription.endpoint)) is None


def test_coordinator_answers_from_the_console_questions_list(client, auth, offered, oem, db):
    token = _token(client, f"/inbox/leads/{offered['id']}")
    client.post(
        f"/inbox/leads/{offered['id']}/questions",
        data={"csrf_token": token, "body": "Trade-in?"},
    )
    auth.login("oem@example.com")
    page = client.get("/console/questions").get_data(as_text=True)
    assert "Trade-in?" in page and "Autohaus Mitte" in page
    question_id = oem.get(f"/api/v1/leads/{offered['id']}/questions").get_json()["items"][0]["id"]
    url = f"/console/questions/{question_id}/answer"
    empty = client.post(url, data={"csrf_token": csrf_token_in(page), "body": ""})
    assert empty.status_code == 422
    response = client.post(url, data={"csrf_token": csrf_token_in(page), "body": "Yes, we do."})
    assert response.status_code == 302
    after = client.get("/console/questions").get_data(as_text=True)
    assert "No open questions" in after and "Yes, we do." in after


def _mark_won(client, lead, typed, headers):
    """Accept the lead, then post stage won with the amount as typed on a page in that language."""
    _accept(client, lead)
    url = f"/inbox/leads/{lead['id']}"
    token = csrf_token_in(client.get(url, headers=headers).get_data(as_text=True))
    data = {"csrf_token": token, "stage": "won", "order_value": typed}
    return client.post(f"{url}/stage", data=data, headers=headers)


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("de-DE,de;q=0.9", "12.500,50", Decimal("12500.50")),
        ("de", "12.500", None),  # reads two ways: asks first (test below)
        ("de", "1250,5", Decimal("1250.50")),
        ("en-US,en;q=0.9", "12,500.50", Decimal("12500.50")),
        ("en", "12500", Decimal("12500.00")),
    ],
)
def test_won_amount_is_read_in_the_pages_language(client, offered, db, language, typed, stored):
    """CONTRACT "Languages": 12.500,50 on a German page and 12,500.50 on an English one."""
    response = _mark_won(client, offered, typed, {"Accept-Language": language})
    db.session.expire_all()
    lead = db.session.get(Lead, offered["id"])
    if stored is None:
        assert response.status_code == 200 and lead.stage != "won"
        return
    assert response.status_code == 302
    assert lead.stage == "won" and lead.order_value == stored


@pytest.mark.parametrize(
    ("language", "typed"),
    [("de", "12.50"), ("de", "12,500.50"), ("en", "12.500,50"), ("en", "1234,50"), ("de", "zwölf")],
)
def test_amount_not_written_the_pages_way_is_a_form_error(client, offered, db, language, typed):
    """An amount that does not fit the page's language is refused on the field, never guessed."""
    headers = {"Accept-Language": language, "HX-Request": "true"}
    response = _mark_won(client, offered, typed, headers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="order_value"' in html and 'aria-invalid="true"' in html
    db.session.expire_all()
    lead = db.session.get(Lead, offered["id"])
    assert lead.stage != "won" and lead.order_value is None


def test_german_browser_sees_inbox_lead_and_login_in_german(client, offered):
    """Pages follow Accept-Language: a German browser gets German text, dates and money."""
    german = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    inbox = client.get("/inbox", headers=german).get_data(as_text=True)
    assert '<html lang="de">' in inbox
    for text in ("Eingang", "Wartet auf Ihre Antwort", "Ihre Leads", "Einstellungen"):
        assert text in inbox
    lead = client.get(f"/inbox/leads/{offered['id']}", headers=german).get_data(as_text=True)
    for text in ("Lead annehmen", "Ablehnen …", "Kunde", "Worum es geht", "Herkunft"):
        assert text in lead
    assert "Accept lead" not in lead
    english = client.get(f"/inbox/leads/{offered['id']}").get_data(as_text=True)
    assert "Accept lead" in english and '<html lang="en">' in english
    login = client.get("/login", headers=german).get_data(as_text=True)
    assert "Anmelden" in login and "Passwort" in login


def test_won_value_is_shown_as_the_pages_language_writes_money(client, offered):
    german = {"Accept-Language": "de"}
    url = f"/inbox/leads/{offered['id']}"
    _mark_won(client, offered, "12.500,50", german)
    assert "12.500,50\xa0€" in client.get(url, headers=german).get_data(as_text=True)
    assert "€12,500.50" in client.get(url).get_data(as_text=True)


def test_won_value_is_shown_in_the_dealers_currency_per_the_pages_language(client, offered):
    """A US-dollar dealer's won amount is in $, written the German or English way."""
    make_dealer("D-BER-1", name="Autohaus Mitte", currency="USD")
    url = f"/inbox/leads/{offered['id']}"
    _mark_won(client, offered, "12.500,50", {"Accept-Language": "de"})
    german = client.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "12.500,50\xa0$" in german and "€" not in german.split("<main", 1)[1]
    assert "$12,500.50" in client.get(url).get_data(as_text=True)
    assert "$12,500.50" in client.get("/inbox").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "typed", "asked", "stored"),
    [
        ("de", "12.500", "Meinten Sie 12.500,00\xa0€?", Decimal("12500.00")),
        ("de", "1,250", "Meinten Sie 1,25\xa0€?", Decimal("1.25")),
        ("en", "1,250", "Did you mean €1,250.00?", Decimal("1250.00")),
        ("en", "12.500", "Did you mean €12.50?", Decimal("12.50")),
    ],
)
def test_an_amount_that_reads_two_ways_is_confirmed_before_saving(
    client, offered, db, language, typed, asked, stored
):
    """Without JavaScript the server answers the form with the amount as read and a button
    that saves exactly that; nothing is stored before."""
    headers = {"Accept-Language": language}
    asking = _mark_won(client, offered, typed, headers)
    html = asking.get_data(as_text=True)
    assert asking.status_code == 200 and asked in html
    assert f'name="confirmed_amount" value="{stored}"' in html
    db.session.expire_all()
    assert db.session.get(Lead, offered["id"]).stage != "won"
    url = f"/inbox/leads/{offered['id']}/stage"
    data = {"csrf_token": csrf_token_in(html), "stage": "won", "order_value": typed}
    confirmed = client.post(url, data={**data, "confirmed_amount": str(stored)}, headers=headers)
    assert confirmed.status_code == 302
    db.session.expire_all()
    lead = db.session.get(Lead, offered["id"])
    assert (lead.stage, lead.order_value) == ("won", stored)


def test_a_confirmation_of_another_amount_asks_again_over_htmx(client, offered, db):
    """The amount was corrected after the question: the old confirmation does not save it."""
    headers = {"Accept-Language": "de", "HX-Request": "true"}
    _accept(client, offered)
    url = f"/inbox/leads/{offered['id']}"
    token = csrf_token_in(client.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True))
    data = {"csrf_token": token, "stage": "won", "order_value": "1.250"}
    again = client.post(
        f"{url}/stage", data={**data, "confirmed_amount": "12500.00"}, headers=headers
    )
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and html.lstrip().startswith('<section id="stage"')
    assert "Meinten Sie 1.250,00\xa0€?" in html
    db.session.expire_all()
    assert db.session.get(Lead, offered["id"]).order_value is None


@pytest.mark.parametrize(
    ("language", "typed", "shown"),
    [
        ("de", "12.500", "Gelesen als 12.500,00\xa0€. Beim Speichern bestätigen Sie den Betrag."),
        ("de", "12.500,50", "Gelesen als 12.500,50\xa0€."),
        ("en", "12,500.50", "Reads as €12,500.50."),
        ("en", "1,250", "Reads as €1,250.00. Saving asks you to confirm it."),
        ("de", "zwölf", "Noch kein Betrag."),
    ],
)
def test_live_preview_shows_how_the_typed_amount_reads(client, offered, language, typed, shown):
    _accept(client, offered)
    preview = client.get(
        f"/inbox/leads/{offered['id']}/amount",
        query_string={"order_value": typed},
        headers={"Accept-Language": language, "HX-Request": "true"},
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert html.lstrip().startswith('<p id="amount-preview"') and shown in html


def test_live_preview_of_another_dealers_lead_is_404(client, offered, oem):
    body = lead_body(preferred_seller={"dealer": "D-BER-2", "contact": None})
    other = oem.post("/api/v1/leads", json=body).get_json()
    assert other["dealer"] == "D-BER-2"
    response = client.get(f"/inbox/leads/{other['id']}/amount?order_value=1")
    assert response.status_code == 404
