"""Intake as a real customer meets it: what a form key is told, phones, consent, titles."""

import pytest

from app.api.submitters import FORM_KEY_HEADER
from app.models import FormKey, Lead
from tests.factories import lead_body, make_dealer


@pytest.fixture
def network(app):
    """One Berlin store selling tractors and mowers."""
    make_dealer("D-BER-1", name="Autohaus Mitte")


@pytest.fixture
def form_post(client, db):
    """POST a body to /api/v1/leads with an active form's public key."""
    db.session.add(FormKey(name="site", public_key="pk_site", rate_limit="100/minute"))
    db.session.commit()

    def post(body):
        return client.post("/api/v1/leads", json=body, headers={FORM_KEY_HEADER: "pk_site"})

    return post


def test_form_key_answer_names_only_the_receipt(form_post, oem, network):
    response = form_post(lead_body())
    assert response.status_code == 201
    answer = response.get_json()
    assert set(answer) == {"id", "status"}
    assert answer["status"] == "received"
    # The lead itself was routed all the same; the coordinator sees everything.
    lead = oem.get(f"/api/v1/leads/{answer['id']}").get_json()
    assert lead["dealer"] == "D-BER-1" and lead["offers"][0]["explanation"]


def test_coordinator_token_still_gets_the_whole_lead(oem, network):
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    assert lead["dealer"] == "D-BER-1" and lead["offers"]


@pytest.mark.parametrize(
    ("given", "country", "stored"),
    [
        ("+49 30 1234567", "DE", "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("0049 (30) 123-4567", "DE", "+49301234567"),
        ("0664 1234567", "AT", "+436641234567"),
        ("(212) 555-0123", "US", "+12125550123"),
    ],
)
def test_phone_is_stored_in_e164_for_the_leads_country(oem, network, given, country, stored):
    postal = {"DE": "10117", "AT": "1010", "US": "10001"}[country]
    body = lead_body(country=country, postal_code=postal)
    body["customer"]["phone"] = given
    response = oem.post("/api/v1/leads", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["customer"]["phone"] == stored


@pytest.mark.parametrize("phone", ["call me maybe", "12", "+49 30", "+999 1234567"])
def test_a_phone_that_is_no_phone_is_422_naming_customer_phone(oem, network, phone):
    body = lead_body()
    body["customer"]["phone"] = phone
    response = oem.post("/api/v1/leads", json=body)
    assert response.status_code == 422
    assert "customer.phone" in response.get_json()["errors"]
    assert oem.get("/api/v1/leads").get_json()["items"] == []


def test_national_phone_without_a_country_asks_for_the_country_code(oem, network):
    body = lead_body(postal_code=None, country=None, lat=52.52, lon=13.40)
    body["customer"]["phone"] = "030 1234567"
    response = oem.post("/api/v1/leads", json=body)
    assert response.status_code == 422
    assert "country code" in response.get_json()["errors"]["customer.phone"]


def test_email_or_phone_is_required(oem, network):
    body = lead_body()
    body["customer"].update(email=None, phone=None)
    response = oem.post("/api/v1/leads", json=body)
    assert response.status_code == 422
    assert "customer.email" in response.get_json()["errors"]


def test_phone_alone_is_enough(oem, network):
    body = lead_body()
    body["customer"]["email"] = None
    assert oem.post("/api/v1/leads", json=body).status_code == 201


def test_form_lead_without_consent_is_422_naming_consent(form_post, db, network):
    response = form_post(lead_body(consent=False))
    assert response.status_code == 422
    assert "consent" in response.get_json()["errors"]
    assert db.session.query(Lead).count() == 0
    assert "consent" in form_post({**lead_body(), "consent": None}).get_json()["errors"]


def test_coordinator_import_may_carry_no_consent_flag(oem, network):
    # A coordinator's integration records consent as its own system holds it.
    assert oem.post("/api/v1/leads", json=lead_body(consent=False)).status_code == 201


def test_title_without_sku_reads_like_a_person_wrote_it(oem, db, network):
    body = lead_body(line_items=[{"product_group": "mowers"}])
    lead_id = oem.post("/api/v1/leads", json=body).get_json()["id"]
    stored = db.session.get(Lead, lead_id)
    assert stored.title == "Mowers"
    assert stored.title_detail == ""


def test_title_with_sku_names_it_and_the_groups_beside(oem, db, network):
    body = lead_body(
        line_items=[
            {"sku": "TR-500", "product_group": "tractors"},
            {"product_group": "mowers"},
        ]
    )
    lead_id = oem.post("/api/v1/leads", json=body).get_json()["id"]
    stored = db.session.get(Lead, lead_id)
    assert stored.title == "TR-500 +1"
    assert stored.title_detail == "tractors, mowers"


@pytest.fixture
def border_network(app):
    """A store in Graz (its code sorts first) and one in Dresden, both selling tractors."""
    make_dealer("A-GRZ-1", name="Graz", postal_code="8010", country="AT", lat=47.07, lon=15.44)
    make_dealer("D-DD-1", name="Dresden", postal_code="01067", country="DE", lat=51.05, lon=13.74)


def test_unknown_postal_code_without_a_known_prefix_stays_in_its_country(oem, border_network):
    lead = oem.post("/api/v1/leads", json=lead_body(postal_code="00000")).get_json()
    assert lead["lat"] is None
    assert lead["dealer"] == "D-DD-1"
    explanation = lead["offers"][0]["explanation"]
    assert "Only dealers in DE were considered" in explanation
    assert "00000 (DE) is not in our dataset" in explanation


def test_unknown_postal_code_is_placed_by_the_known_codes_sharing_its_prefix(oem, border_network):
    lead = oem.post("/api/v1/leads", json=lead_body(postal_code="01000")).get_json()
    # Placed in the 010.. area (Dresden), so distances and radii apply as usual.
    assert lead["lat"] == pytest.approx(51.06, abs=0.1)
    assert lead["lon"] == pytest.approx(13.75, abs=0.1)
    assert lead["dealer"] == "D-DD-1"
    explanation = lead["offers"][0]["explanation"]
    assert "location is approximate" in explanation
    assert "known codes starting 010" in explanation
    assert "km away" in explanation
