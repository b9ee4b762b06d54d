"""What a salesperson reaches for in the field: the page's language as a setting, a lost
lead's reason, private notes within the dealership; and pages that never come back stale."""

import pytest
from sqlalchemy import select

from app.models import Lead, LeadNote, User
from app.services.users import authenticate, create_user
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


@pytest.fixture
def owned(oem, auth, client):
    """A lead D-BER-1's salesperson has accepted (signed in); returns the lead id."""
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-BER-2", name="Spandau", lat=52.535, lon=13.197, inventory=[])
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    create_user("manager@example.com", "dealer_manager", "D-BER-1", "password-123")
    create_user("rival@example.com", "salesperson", "D-BER-2", "password-123")
    lead = oem.post(
        "/api/v1/leads", json=lead_body(preferred_seller={"dealer": "D-BER-1"})
    ).get_json()
    auth.login("sales@example.com")
    url = f"/inbox/leads/{lead['id']}"
    client.post(f"{url}/accept", data={"csrf_token": _token(client, url)})
    return lead["id"]


def _token(client, url, headers=None):
    return csrf_token_in(client.get(url, headers=headers or {}).get_data(as_text=True))


def _post(client, url, data, page, headers=None):
    return client.post(
        url, data={"csrf_token": _token(client, page, headers), **data}, headers=headers or {}
    )


# --- language ----------------------------------------------------------------------------


def test_the_users_language_setting_wins_over_the_browser(client, owned, db):
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    response = _post(
        client, "/inbox/settings/language", {"language": "de"}, "/inbox/settings", english_browser
    )
    assert response.status_code == 302
    settings = client.get("/inbox/settings", headers=english_browser).get_data(as_text=True)
    assert '<html lang="de">' in settings and "Sprache gespeichert." in settings
    inbox = client.get("/inbox", headers=english_browser).get_data(as_text=True)
    assert "Ihre Leads" in inbox
    # Empty: the browser's language again.
    _post(client, "/inbox/settings/language", {"language": ""}, "/inbox/settings")
    assert db.session.scalar(select(User.language).where(User.email == "sales@example.com")) is None
    assert "Your leads" in client.get("/inbox", headers=english_browser).get_data(as_text=True)


def test_an_unknown_language_is_a_field_error_and_nothing_changes(client, owned, db):
    response = _post(client, "/inbox/settings/language", {"language": "xx"}, "/inbox/settings")
    assert response.status_code == 422
    assert "field__error" in response.get_data(as_text=True)
    assert db.session.scalar(select(User.language).where(User.email == "sales@example.com")) is None


# --- lost with a reason --------------------------------------------------------------------


def test_lost_needs_a_reason_and_keeps_it(client, owned, db):
    page = f"/inbox/leads/{owned}"
    htmx = {"HX-Request": "true"}
    refused = _post(client, f"{page}/stage", {"stage": "lost"}, page, htmx)
    assert refused.status_code == 422
    assert "Choose why it was lost." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lead, owned).stage == "new"

    saved = _post(
        client,
        f"{page}/stage",
        {"stage": "lost", "lost_reason": "bought_elsewhere", "note": "Beim Nachbarn gekauft"},
        page,
    )
    assert saved.status_code == 302
    db.session.expire_all()
    lead = db.session.get(Lead, owned)
    assert (lead.stage, lead.lost_reason) == ("lost", "bought_elsewhere")
    assert lead.lost_note == "Beim Nachbarn gekauft"
    german = client.get(page, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Verloren wegen:" in german and "Anderswo gekauft" in german
    assert "<q>Beim Nachbarn gekauft</q>" in german


def test_a_reason_sent_with_another_stage_is_not_kept(client, owned, db):
    page = f"/inbox/leads/{owned}"
    _post(client, f"{page}/stage", {"stage": "contacted", "lost_reason": "price"}, page)
    db.session.expire_all()
    lead = db.session.get(Lead, owned)
    assert (lead.stage, lead.lost_reason) == ("contacted", None)


# --- private notes -------------------------------------------------------------------------


def test_a_note_is_read_within_the_dealership_only(client, owned, auth, db):
    page = f"/inbox/leads/{owned}"
    response = _post(client, f"{page}/notes", {"note-body": "Calls back after 17:00"}, page)
    assert response.status_code == 302
    assert "Calls back after 17:00" in client.get(page).get_data(as_text=True)

    # The dealership's manager reads it (a colleague salesperson does not see a lead
    # another salesperson works at all: tiers' rule).
    auth.login("manager@example.com")
    assert "Calls back after 17:00" in client.get(page).get_data(as_text=True)

    auth.login("rival@example.com")
    assert client.get(page).status_code == 404
    token = _token(client, "/inbox")
    stolen = client.post(f"{page}/notes", data={"csrf_token": token, "note-body": "mine now"})
    assert stolen.status_code == 404
    assert db.session.scalar(select(LeadNote.body)) == "Calls back after 17:00"


def test_an_empty_note_is_a_field_error_with_htmx(client, owned, db):
    page = f"/inbox/leads/{owned}"
    response = _post(client, f"{page}/notes", {"note-body": "  "}, page, {"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="notes"') and 'aria-invalid="true"' in html
    assert db.session.scalar(select(LeadNote)) is None


def test_htmx_note_returns_the_card_with_the_note(client, owned):
    page = f"/inbox/leads/{owned}"
    response = _post(
        client, f"{page}/notes", {"note-body": "Wants red"}, page, {"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="notes"') and "Wants red" in html


# --- no stale pages --------------------------------------------------------------------------


def test_signed_in_pages_are_not_stored_and_history_is_not_snapshotted(client, owned):
    response = client.get(f"/inbox/leads/{owned}")
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert '"historyCacheSize":0' in html and '"refreshOnHistoryMiss":true' in html


# --- badges --------------------------------------------------------------------------------


def test_accept_with_htmx_updates_the_badge_on_the_same_page(client, oem, owned):
    second = oem.post(
        "/api/v1/leads", json=lead_body(preferred_seller={"dealer": "D-BER-1"}, message="two")
    ).get_json()
    page = f"/inbox/leads/{second['id']}"
    assert '<span id="nav-count" class="app-nav__count">1<' in client.get(page).get_data(
        as_text=True
    )
    response = _post(client, f"{page}/accept", {}, page, {"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="lead"')
    assert (
        'id="nav-count" class="app-nav__count app-nav__count--none" hx-swap-oob="true">0<' in html
    )


# --- password ------------------------------------------------------------------------------


def test_a_salesperson_changes_the_password_and_other_devices_sign_out(client, owned, app, db):
    other_device = app.test_client()
    token = csrf_token_in(other_device.get("/login").get_data(as_text=True))
    other_device.post(
        "/login",
        data={"csrf_token": token, "email": "sales@example.com", "password": "password-123"},
    )
    assert other_device.get("/inbox").status_code == 200

    wrong = _post(
        client,
        "/inbox/settings/password",
        {"current_password": "nope", "new_password": "new-pass-456", "repeat_password": "x"},
        "/inbox/settings",
        {"HX-Request": "true"},
    )
    assert wrong.status_code == 422
    assert "This is not your current password." in wrong.get_data(as_text=True)

    changed = _post(
        client,
        "/inbox/settings/password",
        {
            "current_password": "password-123",
            "new_password": "new-pass-456",
            "repeat_password": "new-pass-456",
        },
        "/inbox/settings",
    )
    assert changed.status_code == 302
    assert client.get("/inbox").status_code == 200  # this device stays signed in
    assert other_device.get("/inbox").status_code in (302, 401)
    assert authenticate("sales@example.com", "new-pass-456") is not None
    assert authenticate("sales@example.com", "password-123") is None


# --- search --------------------------------------------------------------------------------


def test_search_finds_own_leads_by_name_and_never_an_offer_by_its_hidden_surname(
    client, oem, owned
):
    customer = {"first_name": "Jonas", "last_name": "Berger", "email": "j@example.com"}
    oem.post(
        "/api/v1/leads",
        json=lead_body(preferred_seller={"dealer": "D-BER-1"}, customer=customer),
    )
    found = client.get("/inbox?q=ng+tractor").get_data(as_text=True)
    assert f"/inbox/leads/{owned}" in found and 'value="ng tractor"' in found
    # Berger's lead is only offered: its surname is hidden, so a search for it finds nothing.
    nothing = client.get("/inbox?q=berger").get_data(as_text=True)
    assert f"/inbox/leads/{owned}" not in nothing
    assert nothing.count("lead-row--waiting") == 1  # offers stay listed, not searched
