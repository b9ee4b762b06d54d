"""Privacy before acceptance: a dealer reads the customer's surname, e-mail and phone only
once its dealer owns the lead; before that it sees what it needs to decide."""

import pytest

from app.extensions import db
from app.models import Notification
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer

# A surname long enough that no random token or id on a page contains it by chance
# ("Ng" did: a CSRF token now and then).
SURNAME = "Ngoyi-Lindqvist"
CONTACT = (SURNAME, "eva@example.com", "1234567")


@pytest.fixture
def network(app):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-M-1", name="München", lat=48.137, lon=11.575)


def _b2b_lead(oem) -> dict:
    body = lead_body(inquiry_type="b2b", volume_estimate=12)
    body["customer"]["company"] = "Agrar GmbH"
    body["customer"]["last_name"] = SURNAME
    return oem.post("/api/v1/leads", json=body).get_json()


def test_offered_dealer_sees_no_contact_details_until_it_accepts(oem, network, dealer_api):
    lead = _b2b_lead(oem)
    dealer = dealer_api("D-BER-1")
    offered = dealer.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert offered["customer"] == {
        "first_name": "Eva",
        "last_name": None,
        "email": None,
        "phone": None,
        "company": "Agrar GmbH",
    }
    # What the dealer needs to decide is there.
    assert offered["line_items"][0]["product_group"] == "tractors"
    assert offered["inquiry_type"] == "b2b"
    assert offered["message"] == "Looking for a compact tractor"
    assert offered["postal_code"] == "10117"
    listed = dealer.get("/api/v1/inbox").get_json()["items"][0]["customer"]
    assert listed["email"] is None and listed["phone"] is None and listed["last_name"] is None
    paged = dealer.get("/api/v1/leads").get_json()["items"][0]["customer"]
    assert paged["email"] is None

    accepted = dealer.post(f"/api/v1/leads/{lead['id']}/accept").get_json()
    assert accepted["customer"]["last_name"] == SURNAME
    assert accepted["customer"]["email"] == "eva@example.com"
    assert accepted["customer"]["phone"] == "+49301234567"
    again = dealer.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert again["customer"]["email"] == "eva@example.com"


def test_coordinator_always_sees_contact_details(oem, network):
    lead = _b2b_lead(oem)
    assert lead["customer"]["email"] == "eva@example.com"
    shown = oem.get(f"/api/v1/leads/{lead['id']}").get_json()["customer"]
    assert (shown["last_name"], shown["phone"]) == (SURNAME, "+49301234567")


def test_distributed_opportunity_hides_contact_from_every_bidder(oem, network, dealer_api):
    lead = _b2b_lead(oem)
    oem.post(f"/api/v1/leads/{lead['id']}/distribute", json={"dealers": ["D-BER-1", "D-M-1"]})
    for code in ("D-BER-1", "D-M-1"):
        seen = dealer_api(code).get(f"/api/v1/leads/{lead['id']}").get_json()["customer"]
        assert seen["email"] is None and seen["last_name"] is None


def test_push_to_an_offered_dealer_names_the_customer_by_first_name_only(oem, network, dealer_api):
    dealer_api("D-BER-1")  # a user who gets the push
    _b2b_lead(oem)
    payloads = [n.payload for n in db.session.query(Notification).all()]
    assert payloads, "the offered dealer's user was told"
    for payload in payloads:
        text = payload["title"] + payload["body"]
        assert "Eva" in text
        assert not any(secret in text for secret in CONTACT)


def test_offered_lead_page_shows_no_contact_details(app, client, auth, oem, network):
    from app.services.users import create_user

    create_user("sales@ber.example", "salesperson", "D-BER-1", "password-123")
    lead = _b2b_lead(oem)
    auth.login("sales@ber.example")
    for url in ("/inbox", f"/inbox/leads/{lead['id']}"):
        page = client.get(url).get_data(as_text=True)
        assert "Eva" in page
        assert not any(secret in page for secret in CONTACT), url
    page = client.get(f"/inbox/leads/{lead['id']}").get_data(as_text=True)
    assert "Agrar GmbH" in page and "Looking for a compact tractor" in page
    assert "appear when you accept" in page
    fragment = client.get(f"/inbox/leads/{lead['id']}", headers={"HX-Request": "true"})
    assert not any(secret in fragment.get_data(as_text=True) for secret in CONTACT)

    client.post(f"/inbox/leads/{lead['id']}/accept", data={"csrf_token": csrf_token_in(page)})
    page = client.get(f"/inbox/leads/{lead['id']}").get_data(as_text=True)
    assert "eva@example.com" in page and SURNAME in page
