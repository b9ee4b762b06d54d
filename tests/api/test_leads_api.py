"""The lead endpoints: create, get, list, inbox, accept, decline, and every error code."""

import pytest

from tests.factories import lead_body, make_dealer

# The core flow (create, route, offer, accept, decline, next offer) on both databases.
pytestmark = pytest.mark.both_databases


@pytest.fixture
def network(app):
    """Two Berlin stores that sell tractors; D-BER-1 carries the asked SKU."""
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-BER-2", name="Spandau", lat=52.535, lon=13.197, inventory=["MW-20"])


def test_create_lead_routes_before_answering(oem, network):
    response = oem.post("/api/v1/leads", json=lead_body())
    assert response.status_code == 201
    lead = response.get_json()
    assert lead["status"] == "offered"
    assert lead["dealer"] == "D-BER-1"
    assert len(lead["offers"]) == 1
    offer = lead["offers"][0]
    assert offer["status"] == "pending"
    assert offer["expires_at"].endswith("Z")
    assert "D-BER-1" in offer["explanation"] or "Autohaus" in offer["explanation"]
    assert lead["custom_fields"] == {"campaign_id": "spring-26", "utm_source": "newsletter"}
    assert oem.get(f"/api/v1/leads/{lead['id']}").get_json()["id"] == lead["id"]


def test_lead_without_matching_dealer_is_unassigned(oem, network):
    body = lead_body(line_items=[{"product_group": "snow-blowers"}])
    lead = oem.post("/api/v1/leads", json=body).get_json()
    assert lead["status"] == "unassigned"
    assert lead["dealer"] is None
    assert lead["offers"] == []


def test_explicit_coordinates_win_over_postal_code(oem, network):
    lead = oem.post("/api/v1/leads", json=lead_body(lat=48.137, lon=11.575)).get_json()
    assert (lead["lat"], lead["lon"]) == (48.137, 11.575)
    assert lead["status"] == "unassigned"  # Munich is far from both Berlin stores


def test_decline_offers_next_dealer(oem, network, dealer_api):
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    first = dealer_api("D-BER-1")
    response = first.post(
        f"/api/v1/leads/{lead['id']}/decline", json={"reason": "capacity", "note": "full"}
    )
    assert response.status_code == 200
    after = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert [o["status"] for o in after["offers"]] == ["declined", "pending"]
    assert after["dealer"] == "D-BER-2"
    assert after["offers"][0]["reason"] == "capacity"
    # The first dealer no longer sees it, and may not act on it.
    assert first.get(f"/api/v1/leads/{lead['id']}").status_code == 404
    assert first.post(f"/api/v1/leads/{lead['id']}/accept").status_code == 409
    assert (
        first.post(f"/api/v1/leads/{lead['id']}/decline", json={"reason": "other"}).status_code
        == 409
    )


def test_accept_makes_dealer_owner(oem, network, dealer_api):
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    dealer = dealer_api("D-BER-1")
    response = dealer.post(f"/api/v1/leads/{lead['id']}/accept")
    assert response.status_code == 200
    assert response.get_json()["status"] == "accepted"
    assert response.get_json()["dealer"] == "D-BER-1"
    assert dealer.post(f"/api/v1/leads/{lead['id']}/accept").status_code == 409
    inbox = dealer.get("/api/v1/inbox").get_json()["items"]
    assert [item["id"] for item in inbox] == [lead["id"]]


def test_dealer_never_sees_another_dealers_lead(oem, network, dealer_api):
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    other = dealer_api("D-BER-2")
    assert other.get(f"/api/v1/leads/{lead['id']}").status_code == 404
    assert other.post(f"/api/v1/leads/{lead['id']}/accept").status_code == 404
    assert (
        other.post(f"/api/v1/leads/{lead['id']}/decline", json={"reason": "spam"}).status_code
        == 404
    )
    assert other.get("/api/v1/inbox").get_json()["items"] == []
    assert other.get("/api/v1/leads").get_json()["items"] == []


def test_dealer_sees_only_its_own_offers(oem, network, dealer_api):
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    dealer_api("D-BER-1").post(f"/api/v1/leads/{lead['id']}/decline", json={"reason": "capacity"})
    second = dealer_api("D-BER-2").get(f"/api/v1/leads/{lead['id']}").get_json()
    assert [o["dealer"] for o in second["offers"]] == ["D-BER-2"]
    assert "D-BER-1" not in second["offers"][0]["explanation"]


def test_list_leads_pages_with_cursor(oem, network):
    ids = {oem.post("/api/v1/leads", json=lead_body()).get_json()["id"] for _ in range(5)}
    seen, cursor = [], None
    while True:
        url = "/api/v1/leads?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = oem.get(url).get_json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)


def test_list_leads_filters(oem, network):
    oem.post("/api/v1/leads", json=lead_body())
    oem.post("/api/v1/leads", json=lead_body(line_items=[{"product_group": "snow-blowers"}]))
    assert len(oem.get("/api/v1/leads?status=unassigned").get_json()["items"]) == 1
    assert len(oem.get("/api/v1/leads?dealer=D-BER-1").get_json()["items"]) == 1
    assert len(oem.get("/api/v1/leads?updated_since=2000-01-01T00:00:00Z").get_json()["items"]) == 2
    assert oem.get("/api/v1/leads?updated_since=2999-01-01T00:00:00Z").get_json()["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-01-01T00:00:00", "updated_since"),
        ("cursor=%25%25%25", "cursor"),
        ("cursor=bm90LWpzb24", "cursor"),
    ],
)
def test_list_leads_rejects_bad_query(oem, query, field):
    response = oem.get(f"/api/v1/leads?{query}")
    assert response.status_code in (400, 422)
    assert field in response.get_json()["errors"]


def _without(body: dict, path: str) -> dict:
    parts = path.split(".")
    target = body
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    del target[parts[-1]]
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: _without(b, "customer"), "customer"),
        (lambda b: _without(b, "customer.last_name"), "customer.last_name"),
        (lambda b: {**b, "customer": {**b["customer"], "email": "not-an-email"}}, "customer.email"),
        (
            lambda b: {**b, "customer": {**b["customer"], "email": None, "phone": None}},
            "customer.email",
        ),
        (lambda b: {**b, "inquiry_type": "b2x"}, "inquiry_type"),
        (lambda b: {**b, "inquiry_type": "b2b"}, "customer.company"),
        (
            lambda b: {**b, "inquiry_type": "b2b", "customer": {**b["customer"], "company": "X"}},
            "volume_estimate",
        ),
        (
            lambda b: {
                **b,
                "inquiry_type": "b2b",
                "customer": {**b["customer"], "company": "X"},
                "volume_estimate": -1,
            },
            "volume_estimate",
        ),
        (lambda b: {**b, "delivery": "drone"}, "delivery"),
        (lambda b: {**b, "line_items": []}, "line_items"),
        (lambda b: {**b, "line_items": [{"sku": "X"}]}, "line_items.0.product_group"),
        (
            lambda b: {**b, "line_items": [{"product_group": "tractors", "quantity": "2"}]},
            "line_items.0.quantity",
        ),
        (
            lambda b: {**b, "line_items": [{"product_group": "tractors", "quantity": 0}]},
            "line_items.0.quantity",
        ),
        (lambda b: {**b, "line_items": "tractors"}, "line_items"),
        (lambda b: {**b, "postal_code": "1011"}, "postal_code"),
        (lambda b: {**b, "postal_code": "ABCDE"}, "postal_code"),
        (lambda b: {**b, "country": None}, "country"),
        (lambda b: {**b, "country": "Germany"}, "country"),
        (lambda b: {**b, "postal_code": None}, "postal_code"),
        (lambda b: {**b, "lat": 91, "lon": 10}, "lat"),
        (lambda b: {**b, "lat": "52.5", "lon": 13.4}, "lat"),
        (lambda b: {**b, "lat": 52.5}, "lon"),
        (lambda b: {**b, "custom_fields": {"nested": {"a": 1}}}, "custom_fields.nested"),
        (lambda b: {**b, "custom_fields": [1, 2]}, "custom_fields"),
        (lambda b: {**b, "consent": "yes"}, "consent"),
        (lambda b: {**b, "preferred_seller": {"dealer": "bad code!"}}, "preferred_seller.dealer"),
        (lambda b: {**b, "message": "x" * 5001}, "message"),
    ],
)
def test_create_lead_names_the_bad_field(oem, network, change, field):
    response = oem.post("/api/v1/leads", json=change(lead_body()))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert oem.get("/api/v1/leads").get_json()["items"] == []


def test_unknown_but_well_formed_postal_code_is_accepted_and_explained(oem, network):
    response = oem.post("/api/v1/leads", json=lead_body(postal_code="00000"))
    assert response.status_code == 201
    lead = response.get_json()
    assert lead["lat"] is None and lead["location_note"]
    assert "unknown" in lead["offers"][0]["explanation"].lower()


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b"null", b'"text"', b"\xff\xfe", b""],
)
def test_malformed_json_is_400(oem, raw):
    response = oem.client.post(
        "/api/v1/leads",
        data=raw,
        headers={**oem._headers(None), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "body" in response.get_json()["errors"]


def test_oversize_body_is_413(oem):
    big = lead_body(message="x" * 300_000)
    response = oem.post("/api/v1/leads", json=big)
    assert response.status_code == 413
    assert response.get_json()["errors"]


def test_leads_need_a_valid_token(client, network):
    assert client.post("/api/v1/leads", json=lead_body()).status_code == 401
    assert client.get("/api/v1/leads").status_code == 401
    bad = client.get("/api/v1/leads", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert "authorization" in bad.get_json()["errors"]
    assert client.get("/api/v1/inbox", headers={"Authorization": "Basic abc"}).status_code == 401


def test_dealer_token_may_not_create_leads(network, dealer_api):
    response = dealer_api("D-BER-1").post("/api/v1/leads", json=lead_body())
    assert response.status_code == 403


def test_coordinator_has_no_inbox(oem):
    assert oem.get("/api/v1/inbox").status_code == 403


def test_unknown_lead_is_404(oem, network, dealer_api):
    assert oem.get("/api/v1/leads/doesnotexist").status_code == 404
    assert oem.get("/api/v1/leads/" + "x" * 300).status_code == 404
    assert dealer_api("D-BER-1").post("/api/v1/leads/nope/accept").status_code == 404


def test_decline_needs_a_known_reason(oem, network, dealer_api):
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    dealer = dealer_api("D-BER-1")
    for body in ({}, {"reason": "bored"}, {"reason": 3}, {"reason": "other", "note": 5}):
        response = dealer.post(f"/api/v1/leads/{lead['id']}/decline", json=body)
        assert response.status_code == 422
    assert oem.get(f"/api/v1/leads/{lead['id']}").get_json()["offers"][0]["status"] == "pending"


def test_form_key_submits_leads(client, oem, network, db):
    from app.api.submitters import FORM_KEY_HEADER
    from app.models import FormKey

    db.session.add(FormKey(name="site", public_key="pk_test", rate_limit="2/minute"))
    db.session.commit()
    first = client.post("/api/v1/leads", json=lead_body(), headers={FORM_KEY_HEADER: "pk_test"})
    assert first.status_code == 201
    assert oem.get(f"/api/v1/leads/{first.get_json()['id']}").get_json()["source"] == "form"
    assert (
        client.post(
            "/api/v1/leads", json=lead_body(), headers={FORM_KEY_HEADER: "pk_wrong"}
        ).status_code
        == 401
    )
    client.post("/api/v1/leads", json=lead_body(), headers={FORM_KEY_HEADER: "pk_test"})
    limited = client.post("/api/v1/leads", json=lead_body(), headers={FORM_KEY_HEADER: "pk_test"})
    assert limited.status_code == 429
    assert "rate_limit" in limited.get_json()["errors"]
