"""Regional coordinators: a coordinator limited to countries or postal-code prefixes sees
and acts only there (API, board, lead pages, questions); elsewhere a lead is a 404."""

import pytest

from app.services.users import create_token, create_user
from tests.conftest import Api
from tests.factories import lead_body, make_dealer


@pytest.fixture
def network(app):
    make_dealer("D-BER-1", name="Berlin")
    make_dealer("D-M-1", name="München", lat=48.137, lon=11.575, postal_code="80331")


@pytest.fixture
def north(client):
    """A coordinator for Berlin and around (postal codes 10…) and all of Austria."""
    user = create_user(
        "north@oem.example", "coordinator", password="password-123", regions=["DE-10", "at"]
    )
    return Api(client, create_token(user))


def _lead(oem, postal_code):
    return oem.post("/api/v1/leads", json=lead_body(postal_code=postal_code)).get_json()


def test_regional_coordinator_sees_and_acts_only_in_its_regions(oem, north, network):
    berlin, munich = _lead(oem, "10117"), _lead(oem, "80331")
    assert north.get(f"/api/v1/leads/{berlin['id']}").status_code == 200
    assert north.get(f"/api/v1/leads/{munich['id']}").status_code == 404
    listed = [item["id"] for item in north.get("/api/v1/leads").get_json()["items"]]
    assert listed == [berlin["id"]]
    # Acting outside the region: as if the lead did not exist.
    assert (
        north.post(f"/api/v1/leads/{munich['id']}/assign", json={"dealer": "D-BER-1"}).status_code
        == 404
    )
    assert (
        north.post(f"/api/v1/leads/{berlin['id']}/assign", json={"dealer": "D-M-1"}).status_code
        == 200
    )


def test_regional_coordinator_may_not_manage_the_network(north, network):
    assert north.get("/api/v1/dealers").status_code == 403
    assert (
        north.post(
            "/api/v1/users", json={"email": "x@example.com", "role": "coordinator"}
        ).status_code
        == 403
    )


def test_regions_are_validated_and_shown(oem):
    created = oem.post(
        "/api/v1/users",
        json={"email": "south@oem.example", "role": "coordinator", "regions": ["DE-8", "CH"]},
    )
    assert created.status_code == 201
    assert created.get_json()["regions"] == ["DE-8", "CH"]
    bad = oem.post(
        "/api/v1/users",
        json={"email": "bad@oem.example", "role": "coordinator", "regions": ["Bavaria"]},
    )
    assert bad.status_code == 422 and "regions.0" in bad.get_json()["errors"]


def test_board_and_lead_pages_follow_the_region(app, client, auth, oem, north, network):
    berlin, munich = _lead(oem, "10117"), _lead(oem, "80331")
    auth.login("north@oem.example")
    board = client.get("/console").get_data(as_text=True)
    assert berlin["id"] in board and munich["id"] not in board
    assert client.get(f"/console/leads/{berlin['id']}").status_code == 200
    assert client.get(f"/console/leads/{munich['id']}").status_code == 404


def _offers_per_dealer(api) -> dict[str, int]:
    response = api.get("/api/v1/reports/dealers")
    assert response.status_code == 200
    return {item["dealer"]: item["offers"] for item in response.get_json()["items"]}


def test_reports_count_only_the_regions_leads(oem, north, network):
    _lead(oem, "10117")
    _lead(oem, "80331")
    assert _offers_per_dealer(oem) == {"D-BER-1": 1, "D-M-1": 1}
    assert _offers_per_dealer(north) == {"D-BER-1": 1}
