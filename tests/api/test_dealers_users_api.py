"""Dealers, users and tokens: coordinator-only, validated, never a 500."""

import pytest

from tests.factories import dealer_body


def test_put_dealer_creates_then_replaces(oem):
    created = oem.put("/api/v1/dealers/D-BER-1", json=dealer_body())
    assert created.status_code == 201
    assert created.get_json()["code"] == "D-BER-1"
    replaced = oem.put(
        "/api/v1/dealers/D-BER-1", json=dealer_body(name="New name", tags=["mowers", "store"])
    )
    assert replaced.status_code == 200
    dealer = oem.get("/api/v1/dealers/D-BER-1").get_json()
    assert dealer["name"] == "New name"
    assert dealer["tags"] == ["mowers", "store"]
    assert [d["code"] for d in oem.get("/api/v1/dealers").get_json()["items"]] == ["D-BER-1"]


def test_dealer_list_comes_whole_or_in_keyset_pages(oem):
    codes = [f"D-{number:02d}" for number in range(7)]
    for code in reversed(codes):
        assert oem.put(f"/api/v1/dealers/{code}", json=dealer_body()).status_code == 201
    oem.put("/api/v1/dealers/D-06", json=dealer_body(tier="distributor"))
    oem.put("/api/v1/dealers/D-00", json=dealer_body(parent="D-06"))

    whole = oem.get("/api/v1/dealers").get_json()
    assert [dealer["code"] for dealer in whole["items"]] == codes
    assert whole["next_cursor"] is None
    assert whole["items"][0]["parent"] == "D-06"

    seen, cursor = [], None
    for _ in range(5):
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = oem.get(f"/api/v1/dealers{query}").get_json()
        seen.append([dealer["code"] for dealer in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [codes[0:3], codes[3:6], codes[6:7]]
    assert oem.get("/api/v1/dealers?limit=7").get_json()["next_cursor"] is None

    for query, field in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=x", "limit"),
        ("cursor=bad%21code", "cursor"),
    ]:
        answer = oem.get(f"/api/v1/dealers?{query}")
        assert answer.status_code in (400, 422), query
        assert field in answer.get_json()["errors"], query


def test_dealer_coordinates_come_from_postal_code(oem):
    body = dealer_body(lat=None, lon=None, postal_code="10115", country="DE")
    dealer = oem.put("/api/v1/dealers/D-GEO", json=body).get_json()
    assert dealer["lat"] == pytest.approx(52.53, abs=0.05)
    assert dealer["lon"] == pytest.approx(13.38, abs=0.05)
    us = oem.put(
        "/api/v1/dealers/D-NYC",
        json=dealer_body(lat=None, lon=None, postal_code="10001", country="US"),
    ).get_json()
    assert us["lat"] == pytest.approx(40.75, abs=0.05)


def test_dealer_currency_defaults_to_its_countrys_and_may_be_set(oem):
    by_country = {
        country: oem.put(
            f"/api/v1/dealers/D-{country}", json=dealer_body(country=country, postal_code=None)
        )
        for country in ("DE", "AT", "CH", "US")
    }
    assert {country: r.get_json()["currency"] for country, r in by_country.items()} == {
        "DE": "EUR",
        "AT": "EUR",
        "CH": "CHF",
        "US": "USD",
    }
    chosen = oem.put(
        "/api/v1/dealers/D-CH", json=dealer_body(country="CH", postal_code=None, currency="eur")
    )
    assert chosen.get_json()["currency"] == "EUR"
    assert oem.get("/api/v1/dealers/D-CH").get_json()["currency"] == "EUR"


def test_distributor_and_sub_dealer(oem):
    assert oem.put("/api/v1/dealers/DIST", json=dealer_body(tier="distributor")).status_code == 201
    sub = oem.put("/api/v1/dealers/SUB", json=dealer_body(parent="DIST"))
    assert sub.status_code == 201
    assert sub.get_json()["parent"] == "DIST"
    not_a_distributor = oem.put("/api/v1/dealers/SUB2", json=dealer_body(parent="SUB"))
    assert not_a_distributor.status_code == 422
    assert "parent" in not_a_distributor.get_json()["errors"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"tier": "boss"}, "tier"),
        ({"parent": "NOPE"}, "parent"),
        ({"postal_code": "123", "country": "DE"}, "postal_code"),
        ({"service_radius_km": -5}, "service_radius_km"),
        ({"service_radius_km": "far"}, "service_radius_km"),
        ({"tags": "tractors"}, "tags"),
        ({"tags": [1]}, "tags.0"),
        ({"inventory": [""]}, "inventory.0"),
        ({"daily_capacity": 1.5}, "daily_capacity"),
        ({"active": "yes"}, "active"),
        ({"lat": 52.5, "lon": None}, "lon"),
        ({"lat": 100, "lon": 10}, "lat"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"country": "DEU"}, "country"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": 978}, "currency"),
        ({"opening_hours": {"mon": [["18:00", "08:00"]]}}, "opening_hours.mon.0"),
        ({"opening_hours": {"funday": [["08:00", "18:00"]]}}, "opening_hours.funday"),
        ({"opening_hours": "always"}, "opening_hours"),
    ],
)
def test_put_dealer_names_the_bad_field(oem, change, field):
    oem.put("/api/v1/dealers/KEEP", json=dealer_body(name="Kept"))
    response = oem.put("/api/v1/dealers/KEEP", json=dealer_body(**change))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert oem.get("/api/v1/dealers/KEEP").get_json()["name"] == "Kept"


def test_bad_dealer_code_in_url(oem):
    response = oem.put("/api/v1/dealers/bad%20code!", json=dealer_body())
    assert response.status_code == 422
    assert "code" in response.get_json()["errors"]


def test_unknown_dealer_is_404(oem):
    assert oem.get("/api/v1/dealers/NOPE").status_code == 404


def test_dealers_are_for_coordinators(oem, dealer_api, client):
    oem.put("/api/v1/dealers/D1", json=dealer_body())
    dealer = dealer_api("D1")
    assert dealer.get("/api/v1/dealers").status_code == 403
    assert dealer.put("/api/v1/dealers/D1", json=dealer_body()).status_code == 403
    assert client.get("/api/v1/dealers").status_code == 401


def test_create_user_and_token(oem):
    oem.put("/api/v1/dealers/D1", json=dealer_body())
    response = oem.post(
        "/api/v1/users", json={"email": "Sales@Example.com", "role": "salesperson", "dealer": "D1"}
    )
    assert response.status_code == 201
    user = response.get_json()
    assert user == {
        "id": user["id"],
        "email": "sales@example.com",
        "role": "salesperson",
        "dealer": "D1",
    }
    token = oem.post(f"/api/v1/users/{user['id']}/tokens")
    assert token.status_code == 201
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert oem.client.get("/api/v1/inbox", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nope", "role": "coordinator"}, "email"),
        ({"email": "a@b.c", "role": "king"}, "role"),
        ({"email": "a@b.c", "role": "salesperson"}, "dealer"),
        ({"email": "a@b.c", "role": "salesperson", "dealer": "NOPE"}, "dealer"),
        ({"email": "a@b.c", "role": "coordinator", "password": "short"}, "password"),
        ({"email": 5, "role": "coordinator"}, "email"),
        ({"role": "coordinator"}, "email"),
        ({"email": "oem@example.com", "role": "coordinator"}, "email"),
    ],
)
def test_create_user_names_the_bad_field(oem, body, field):
    response = oem.post("/api/v1/users", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_token_for_unknown_user_is_404(oem):
    assert oem.post("/api/v1/users/999/tokens").status_code == 404


def test_tokens_are_stored_hashed(oem, db):
    from app.models import ApiToken

    token = oem.token
    stored = [row.token_hash for row in db.session.query(ApiToken)]
    assert token not in stored and all(len(value) == 64 for value in stored)


def test_openapi_document_describes_the_contract(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    for path in [
        "/api/v1/dealers/{code}",
        "/api/v1/dealers",
        "/api/v1/users",
        "/api/v1/users/{user_id}/tokens",
        "/api/v1/leads",
        "/api/v1/leads/{lead_id}",
        "/api/v1/inbox",
        "/api/v1/leads/{lead_id}/accept",
        "/api/v1/leads/{lead_id}/decline",
    ]:
        assert path in document["paths"], path
    assert "LeadIn" in document["components"]["schemas"]


def test_unknown_api_path_and_method_are_json(oem):
    assert oem.get("/api/v1/nothing").get_json()["errors"]
    response = oem.client.delete("/api/v1/leads", headers=oem._headers(None))
    assert response.status_code == 405
    assert response.get_json()["errors"]


def test_dealer_opening_hours_round_trip(oem):
    hours = {"mon": [["08:00", "18:00"]], "sat": [["09:00", "13:00"]]}
    body = dealer_body(opening_hours=hours, timezone="Europe/Berlin")
    dealer = oem.put("/api/v1/dealers/OPEN", json=body).get_json()
    assert dealer["opening_hours"] == hours
    assert dealer["timezone"] == "Europe/Berlin"
