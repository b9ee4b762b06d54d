"""Pages: sign in, the dealer inbox with accept / decline, the OEM board."""

from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


def _network_with_lead(oem):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-BER-2", name="Spandau", lat=52.535, lon=13.197, inventory=[])
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    return oem.post("/api/v1/leads", json=lead_body()).get_json()


def test_login_page_has_labelled_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label class="field__label" for="email">Email</label>' in html
    assert '<label class="field__label" for="password">Password</label>' in html
    assert "Sign in" in html


def test_login_without_csrf_is_refused(client, coordinator):
    response = client.post("/login", data={"email": "oem@example.com", "password": "password-123"})
    assert response.status_code in (400, 422)
    assert client.get("/console").status_code == 302


def test_wrong_password_says_so(auth, coordinator):
    response = auth.login("oem@example.com", "wrong-password")
    assert response.status_code == 422
    assert "not right" in response.get_data(as_text=True)


def test_coordinator_lands_on_console(auth, coordinator):
    response = auth.login("oem@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console")


def test_dealer_lands_on_inbox_and_sees_offer(auth, client, oem):
    lead = _network_with_lead(oem)
    response = auth.login("sales@example.com")
    assert response.headers["Location"].endswith("/inbox")
    html = client.get("/inbox").get_data(as_text=True)
    assert "Waiting for your answer" in html
    assert f"/inbox/leads/{lead['id']}" in html
    detail = client.get(f"/inbox/leads/{lead['id']}").get_data(as_text=True)
    # Until accepted, the surname and the phone stay hidden.
    assert "Eva" in detail and "Eva Ng" not in detail and "tel:" not in detail
    assert "Accept lead" in detail


def test_accept_through_the_page(auth, client, oem):
    lead = _network_with_lead(oem)
    auth.login("sales@example.com")
    page = client.get(f"/inbox/leads/{lead['id']}").get_data(as_text=True)
    response = client.post(
        f"/inbox/leads/{lead['id']}/accept", data={"csrf_token": csrf_token_in(page)}
    )
    assert response.status_code == 302
    assert oem.get(f"/api/v1/leads/{lead['id']}").get_json()["status"] == "accepted"


def test_decline_with_reason_through_the_page(auth, client, oem):
    lead = _network_with_lead(oem)
    auth.login("sales@example.com")
    sheet = client.get(f"/inbox/leads/{lead['id']}/decline").get_data(as_text=True)
    for value in ("portfolio", "capacity", "location", "spam", "other"):
        assert f'value="{value}"' in sheet
    token = csrf_token_in(sheet)
    missing = client.post(f"/inbox/leads/{lead['id']}/decline", data={"csrf_token": token})
    assert missing.status_code == 422
    response = client.post(
        f"/inbox/leads/{lead['id']}/decline",
        data={"csrf_token": token, "reason": "location", "note": "too far"},
    )
    assert response.status_code == 302
    after = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert after["offers"][0]["reason"] == "location"
    assert after["dealer"] == "D-BER-2"
    assert client.get(f"/inbox/leads/{lead['id']}").status_code == 404


def test_inbox_partial_for_htmx(auth, client, oem):
    _network_with_lead(oem)
    auth.login("sales@example.com")
    response = client.get("/inbox", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="inbox-list"')
    assert "HX-Request" in response.headers["Vary"]


def test_dealer_cannot_open_other_dealers_lead_page(auth, client, oem):
    lead = _network_with_lead(oem)
    create_user("other@example.com", "salesperson", "D-BER-2", "password-123")
    auth.login("other@example.com")
    assert client.get(f"/inbox/leads/{lead['id']}").status_code == 404


def test_console_board_and_lead_page(auth, client, oem):
    lead = _network_with_lead(oem)
    auth.login("oem@example.com")
    board = client.get("/console").get_data(as_text=True)
    assert "Lead board" in board and lead["id"] in board
    detail = client.get(f"/console/leads/{lead['id']}").get_data(as_text=True)
    assert "Offers and why" in detail and "Autohaus Mitte" in detail


def test_dealer_is_kept_out_of_console(auth, client, oem):
    _network_with_lead(oem)
    auth.login("sales@example.com")
    assert client.get("/console").headers["Location"].endswith("/inbox")


def test_logout_needs_post_with_csrf(auth, client, coordinator):
    auth.login("oem@example.com")
    assert client.get("/logout").status_code == 405
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/console").status_code == 302


def test_output_is_escaped(auth, client, oem):
    make_dealer("D-BER-1")
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    body = lead_body(message="<script>alert(1)</script>")
    lead = oem.post("/api/v1/leads", json=body).get_json()
    auth.login("sales@example.com")
    html = client.get(f"/inbox/leads/{lead['id']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_service_worker_served_from_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["Content-Type"]
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["Content-Type"] == "application/manifest+json"


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_dealer_manager_sets_daily_capacity(auth, client, app, db):
    from app.models import Dealer

    make_dealer("D-BER-1", daily_capacity=None)
    create_user("manager@example.com", "dealer_manager", "D-BER-1", "password-123")
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    auth.login("manager@example.com")
    page = client.get("/inbox/settings").get_data(as_text=True)
    assert "No daily limit" in page
    token = csrf_token_in(page)
    bad = client.post(
        "/inbox/settings/capacity", data={"csrf_token": token, "daily_capacity": "-3"}
    )
    assert bad.status_code == 422
    client.post("/inbox/settings/capacity", data={"csrf_token": token, "daily_capacity": "5"})
    db.session.expire_all()
    assert db.session.query(Dealer).filter_by(code="D-BER-1").one().daily_capacity == 5
    partial = client.post(
        "/inbox/settings/capacity",
        data={"csrf_token": token, "daily_capacity": ""},
        headers={"HX-Request": "true"},
    )
    assert partial.get_data(as_text=True).lstrip().startswith('<section id="capacity"')
    assert db.session.query(Dealer).filter_by(code="D-BER-1").one().daily_capacity is None
    auth.logout()
    auth.login("sales@example.com")
    settings = client.get("/inbox/settings").get_data(as_text=True)
    assert "Save capacity" not in settings
    # A sign-in starts a fresh session, so the form token is the new page's, not the old one.
    token = csrf_token_in(settings)
    assert client.post("/inbox/settings/capacity", data={"csrf_token": token}).status_code == 403
