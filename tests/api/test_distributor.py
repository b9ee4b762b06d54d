"""Distributors: routing may pick one, it forwards to a sub-dealer from the lead page or
the API, a sub-dealer's decline or expiry returns the lead to it (not to the network),
and its inbox filters between its own leads and its sub-dealers'."""

import pytest

from app.extensions import db
from app.models import Lead
from app.services import recycling
from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


@pytest.fixture
def network(app):
    """A distributor in Berlin Mitte (the best match), its sub-dealer, another dealer."""
    make_dealer("DIST", name="Vertrieb Nord", tier="distributor", lat=52.521, lon=13.41)
    make_dealer("SUB", name="Sub Spandau", parent="DIST", lat=52.535, lon=13.197)
    make_dealer("OTHER", name="Other Potsdam", lat=52.39, lon=13.06)


def test_routing_picks_a_distributor_where_it_is_the_best_match(oem, network):
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    assert lead["dealer"] == "DIST"


def test_sub_dealers_decline_and_expiry_return_the_lead_to_the_distributor(
    oem, network, dealer_api, clock
):
    distributor, sub = dealer_api("DIST", "dealer_manager"), dealer_api("SUB")
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    distributor.post(f"/api/v1/leads/{lead['id']}/forward", json={"dealer": "SUB"})
    sub.post(f"/api/v1/leads/{lead['id']}/decline", json={"reason": "capacity"})
    back = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert back["dealer"] == "DIST" and back["offers"][-1]["kind"] == "returned"
    assert "OTHER" not in [offer["dealer"] for offer in back["offers"]]

    distributor.post(f"/api/v1/leads/{lead['id']}/forward", json={"dealer": "SUB"})
    clock.advance(hours=2)
    recycling.expire_overdue_offers(clock())
    again = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert again["dealer"] == "DIST" and again["offers"][-1]["kind"] == "returned"
    assert "OTHER" not in [offer["dealer"] for offer in again["offers"]]


def test_distributor_inbox_filters_own_and_sub_dealers_leads(oem, network, dealer_api):
    distributor = dealer_api("DIST", "dealer_manager")
    kept = oem.post("/api/v1/leads", json=lead_body()).get_json()
    passed = oem.post("/api/v1/leads", json=lead_body(message="second")).get_json()
    distributor.post(f"/api/v1/leads/{passed['id']}/forward", json={"dealer": "SUB"})

    def ids(query=""):
        response = distributor.get(f"/api/v1/inbox{query}")
        assert response.status_code == 200
        return {item["id"] for item in response.get_json()["items"]}

    assert ids() == {kept["id"], passed["id"]}
    assert ids("?scope=own") == {kept["id"]}
    assert ids("?scope=sub_dealers") == {passed["id"]}
    bad = distributor.get("/api/v1/inbox?scope=everyone")
    assert bad.status_code == 422 and "scope" in bad.get_json()["errors"]


def test_distributor_forwards_from_the_lead_page(app, client, auth, oem, network):
    create_user("boss@dist.example", "dealer_manager", "DIST", "password-123")
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    auth.login("boss@dist.example")
    page = client.get(f"/inbox/leads/{lead['id']}").get_data(as_text=True)
    assert "Forward to a sub-dealer" in page and "Sub Spandau" in page
    response = client.post(
        f"/inbox/leads/{lead['id']}/forward",
        data={"csrf_token": csrf_token_in(page), "dealer": "SUB"},
    )
    assert response.status_code == 302
    assert db.session.get(Lead, lead["id"]).holder.code == "SUB"
    listed = client.get("/inbox?scope=sub_dealers").get_data(as_text=True)
    assert lead["id"] in listed and "at Sub Spandau" in listed
    assert lead["id"] not in client.get("/inbox?scope=own").get_data(as_text=True)


def test_a_plain_dealer_sees_no_forward_and_may_not_post_one(app, client, auth, oem, network):
    create_user("boss@sub.example", "dealer_manager", "SUB", "password-123")
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    oem.post(f"/api/v1/leads/{lead['id']}/assign", json={"dealer": "SUB"})
    auth.login("boss@sub.example")
    page = client.get(f"/inbox/leads/{lead['id']}").get_data(as_text=True)
    assert "Forward to a sub-dealer" not in page
    response = client.post(
        f"/inbox/leads/{lead['id']}/forward",
        data={"csrf_token": csrf_token_in(page), "dealer": "SUB"},
    )
    assert response.status_code == 403
