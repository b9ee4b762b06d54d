"""Coordinator steering (assign, distribute, approve, reject), distributor forwarding,
reports, interest routes and the routing preview."""

import pytest

from app.extensions import db
from app.models import Lead
from tests.factories import lead_body, make_dealer


@pytest.fixture
def network(app):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-BER-2", name="Spandau", lat=52.535, lon=13.197, inventory=[])
    make_dealer("D-M-1", name="München", lat=48.137, lon=11.575)


def _new_lead(oem, **overrides):
    return oem.post("/api/v1/leads", json=lead_body(**overrides)).get_json()


def test_assign_withdraws_the_pending_offer(oem, network, dealer_api):
    lead = _new_lead(oem)
    response = oem.post(f"/api/v1/leads/{lead['id']}/assign", json={"dealer": "D-M-1"})
    assert response.status_code == 200
    body = response.get_json()
    assert [(o["dealer"], o["status"]) for o in body["offers"]] == [
        ("D-BER-1", "withdrawn"),
        ("D-M-1", "pending"),
    ]
    assert body["dealer"] == "D-M-1"
    assert dealer_api("D-BER-1").get(f"/api/v1/leads/{lead['id']}").status_code == 404
    assert dealer_api("D-M-1").post(f"/api/v1/leads/{lead['id']}/accept").status_code == 200


def test_assign_errors(oem, network, dealer_api):
    lead = _new_lead(oem)
    assert (
        oem.post(f"/api/v1/leads/{lead['id']}/assign", json={"dealer": "NOPE"}).status_code == 422
    )
    assert oem.post(f"/api/v1/leads/{lead['id']}/assign", json={}).status_code == 422
    assert oem.post("/api/v1/leads/missing/assign", json={"dealer": "D-M-1"}).status_code == 404
    dealer_api("D-BER-1").post(f"/api/v1/leads/{lead['id']}/accept")
    accepted = oem.post(f"/api/v1/leads/{lead['id']}/assign", json={"dealer": "D-M-1"})
    assert accepted.status_code == 409
    assert (
        dealer_api("D-BER-2")
        .post(f"/api/v1/leads/{lead['id']}/assign", json={"dealer": "D-M-1"})
        .status_code
        == 403
    )


def test_distribute_first_accept_wins(oem, network, dealer_api):
    lead = _new_lead(oem)
    response = oem.post(
        f"/api/v1/leads/{lead['id']}/distribute", json={"dealers": ["D-BER-2", "D-M-1"]}
    )
    assert response.status_code == 200
    pending = [o["dealer"] for o in response.get_json()["offers"] if o["status"] == "pending"]
    assert pending == ["D-BER-2", "D-M-1"]
    munich, spandau = dealer_api("D-M-1"), dealer_api("D-BER-2")
    assert munich.post(f"/api/v1/leads/{lead['id']}/accept").status_code == 200
    assert spandau.post(f"/api/v1/leads/{lead['id']}/accept").status_code == 409
    final = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert final["status"] == "accepted" and final["dealer"] == "D-M-1"
    assert {o["dealer"]: o["status"] for o in final["offers"]}["D-BER-2"] == "withdrawn"


def test_distributed_decline_by_all_routes_on(oem, network, dealer_api):
    lead = _new_lead(oem)
    oem.post(f"/api/v1/leads/{lead['id']}/distribute", json={"dealers": ["D-BER-1", "D-M-1"]})
    dealer_api("D-BER-1").post(f"/api/v1/leads/{lead['id']}/decline", json={"reason": "capacity"})
    middle = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert middle["status"] == "offered"
    assert [o["status"] for o in middle["offers"]].count("pending") == 1
    dealer_api("D-M-1").post(f"/api/v1/leads/{lead['id']}/decline", json={"reason": "location"})
    final = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    # D-BER-2 stocks no TR-500 but sells tractors: the routing engine offers it next.
    assert final["dealer"] == "D-BER-2"


def _hold_for_review(lead_id: str) -> None:
    """Put a lead back into pre-qualification (no rules engine is needed for this test)."""
    row = db.session.get(Lead, lead_id)
    for offer in row.offers:
        offer.status = "withdrawn"
    row.status, row.holder_dealer_id = "review", None
    db.session.commit()


def test_approve_and_reject_only_in_review(oem, network):
    lead = _new_lead(oem)
    assert oem.post(f"/api/v1/leads/{lead['id']}/approve").status_code == 409
    assert oem.post(f"/api/v1/leads/{lead['id']}/reject").status_code == 409
    _hold_for_review(lead["id"])
    rejected = oem.post(f"/api/v1/leads/{lead['id']}/reject", json={"note": "spam"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert oem.post(f"/api/v1/leads/{lead['id']}/approve").status_code == 409

    second = _new_lead(oem, line_items=[{"product_group": "snow-blowers"}])
    _hold_for_review(second["id"])
    make_dealer("D-SNOW", name="Schnee", tags=["snow-blowers", "store"])
    approved = oem.post(f"/api/v1/leads/{second['id']}/approve")
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "offered"
    assert approved.get_json()["dealer"] == "D-SNOW"


def test_distributor_forwards_to_sub_dealer_and_gets_it_back(oem, app, dealer_api):
    make_dealer("DIST", name="Vertrieb", tier="distributor")
    make_dealer("SUB", name="Sub", parent="DIST", lat=52.52, lon=13.40)
    make_dealer("OTHER", name="Other", lat=48.1, lon=11.5)
    lead = _new_lead(oem, preferred_seller={"dealer": "DIST", "contact": None})
    assert lead["dealer"] == "DIST"
    distributor, sub = dealer_api("DIST", "dealer_manager"), dealer_api("SUB")
    bad = distributor.post(f"/api/v1/leads/{lead['id']}/forward", json={"dealer": "OTHER"})
    assert bad.status_code == 422 and "dealer" in bad.get_json()["errors"]
    assert (
        sub.post(f"/api/v1/leads/{lead['id']}/forward", json={"dealer": "SUB"}).status_code == 403
    )
    forwarded = distributor.post(f"/api/v1/leads/{lead['id']}/forward", json={"dealer": "SUB"})
    assert forwarded.status_code == 200
    assert forwarded.get_json()["dealer"] == "SUB"
    # The distributor still sees its sub-dealer's lead.
    assert distributor.get(f"/api/v1/leads/{lead['id']}").status_code == 200
    sub.post(f"/api/v1/leads/{lead['id']}/decline", json={"reason": "capacity"})
    back = oem.get(f"/api/v1/leads/{lead['id']}").get_json()
    assert back["dealer"] == "DIST"
    assert back["offers"][-1]["kind"] == "returned"
    assert back["offers"][-1]["status"] == "pending"


def test_dealer_report(oem, network, dealer_api):
    first = _new_lead(oem)
    second = _new_lead(oem)
    mitte = dealer_api("D-BER-1")
    mitte.post(f"/api/v1/leads/{first['id']}/accept")
    mitte.post(f"/api/v1/leads/{second['id']}/decline", json={"reason": "capacity"})
    won = mitte.post(
        f"/api/v1/leads/{first['id']}/stage", json={"stage": "won", "order_value": 45000}
    )
    assert won.status_code == 200, won.get_json()
    items = {
        item["dealer"]: item for item in oem.get("/api/v1/reports/dealers").get_json()["items"]
    }
    mitte_row = items["D-BER-1"]
    assert (mitte_row["offers"], mitte_row["accepted"], mitte_row["declined"]) == (2, 1, 1)
    assert mitte_row["acceptance_rate"] == 0.5
    assert mitte_row["won"] == 1 and mitte_row["conversion_rate"] == 1.0
    assert mitte_row["order_value"] == 45000
    assert mitte_row["median_response_seconds"] is not None
    assert items["D-BER-2"]["offers"] == 1
    empty = oem.get("/api/v1/reports/dealers?from=2000-01-01&to=2000-01-02").get_json()
    assert empty["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=yesterday", "from"), ("to=2026-13-01", "to"), ("from=2026-02-01&to=2026-01-01", "to")],
)
def test_dealer_report_rejects_bad_dates(oem, query, field):
    response = oem.get(f"/api/v1/reports/dealers?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_interest_route_restricts_candidates(oem, network):
    created = oem.post(
        "/api/v1/interest-routes", json={"category": "used", "dealer_codes": ["D-BER-2"]}
    )
    assert created.status_code == 201
    lead = _new_lead(oem, interest_category="used")
    assert lead["dealer"] == "D-BER-2"
    # Routes exist, none for "new" and no ALL: the fallback owner (the OEM queue) gets it.
    fallback = _new_lead(oem, interest_category="new")
    assert fallback["status"] == "unassigned"
    oem.post("/api/v1/interest-routes", json={"category": "ALL", "countries": ["DE"]})
    catch_all = _new_lead(oem, interest_category="new")
    assert catch_all["dealer"] == "D-BER-1"
    assert len(oem.get("/api/v1/interest-routes").get_json()["items"]) == 2
    route_id = created.get_json()["id"]
    assert (
        oem.client.delete(
            f"/api/v1/interest-routes/{route_id}", headers=oem._headers(None)
        ).status_code
        == 204
    )
    assert oem.post("/api/v1/interest-routes", json={"category": "used"}).status_code == 422


def test_routing_preview_stores_nothing(oem, network):
    response = oem.post("/api/v1/routing/preview", json=lead_body())
    assert response.status_code == 200
    preview = response.get_json()
    assert preview["chosen"]["code"] == "D-BER-1"
    assert preview["explanation"]
    assert oem.get("/api/v1/leads").get_json()["items"] == []
    bad = oem.post("/api/v1/routing/preview", json=lead_body(line_items=[]))
    assert bad.status_code == 422
