"""Pre-qualification rules: each kind holds a lead for review; approve routes, reject closes."""

from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import LeadEvent, ReviewRule
from app.services.review_rules import rule_matches
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


@pytest.fixture
def network(app):
    make_dealer("D-BER-1", name="Autohaus Mitte")


def b2b_body(volume):
    body = lead_body(inquiry_type="b2b", volume_estimate=volume)
    body["customer"]["company"] = "Agrar GmbH"
    return body


def test_fresh_install_has_no_rules_and_routes_every_lead(oem, network):
    assert oem.get("/api/v1/review-rules").get_json() == {"items": []}
    assert oem.post("/api/v1/leads", json=b2b_body(10_000)).get_json()["status"] == "offered"


@pytest.mark.parametrize(
    ("rule", "held", "passed"),
    [
        ({"kind": "b2b_volume", "threshold": 10}, b2b_body(11), b2b_body(10)),
        (
            {"kind": "source", "value": "Newsletter"},  # utm_source, any case
            lead_body(),
            lead_body(custom_fields={"utm_source": "search"}),
        ),
        ({"kind": "source", "value": "api"}, lead_body(), None),  # the lead's own source
        (
            {"kind": "campaign", "value": "spring-26"},
            lead_body(),
            lead_body(custom_fields={"campaign_id": "autumn"}),
        ),
        (
            {"kind": "campaign", "value": "black-friday"},
            lead_body(custom_fields={"utm_campaign": "black-friday"}),
            lead_body(),
        ),
        (
            {"kind": "product_group", "value": "Mowers"},
            lead_body(line_items=[{"product_group": "tractors"}, {"product_group": "mowers"}]),
            lead_body(),
        ),
    ],
)
def test_each_rule_kind_holds_matching_leads_only(oem, network, rule, held, passed):
    created = oem.post("/api/v1/review-rules", json=rule)
    assert created.status_code == 201, created.get_json()
    lead = oem.post("/api/v1/leads", json=held).get_json()
    assert lead["status"] == "review" and lead["offers"] == []
    if passed is not None:
        assert oem.post("/api/v1/leads", json=passed).get_json()["status"] == "offered"
    queue = oem.get("/api/v1/review-queue").get_json()["items"]
    assert [item["lead"] for item in queue] == [lead["id"]]
    assert created.get_json()["name"] in queue[0]["reason"]


def test_spam_score_rule_reads_the_score_where_the_spam_filter_gave_one():
    rule = ReviewRule(kind="spam_score", threshold=0.5, name="borderline", active=True)
    base = {"custom_fields": {}, "product_groups": ("tractors",), "source": "form"}
    assert rule_matches(rule, SimpleNamespace(**base, spam_score=0.5))
    assert not rule_matches(rule, SimpleNamespace(**base, spam_score=0.49))
    assert not rule_matches(rule, SimpleNamespace(**base))  # no score: never held by it


def test_paused_rule_holds_nothing(oem, network):
    rule = oem.post("/api/v1/review-rules", json={"kind": "campaign", "value": "spring-26"})
    rule_id = rule.get_json()["id"]
    changed = oem.client.patch(
        f"/api/v1/review-rules/{rule_id}", json={"active": False}, headers=oem._headers(None)
    )
    assert changed.status_code == 200 and changed.get_json()["active"] is False
    assert oem.post("/api/v1/leads", json=lead_body()).get_json()["status"] == "offered"


def test_approve_routes_a_held_lead_and_reject_closes_one_with_its_reason(oem, network):
    oem.post("/api/v1/review-rules", json={"kind": "campaign", "value": "spring-26"})
    first = oem.post("/api/v1/leads", json=lead_body()).get_json()
    second = oem.post("/api/v1/leads", json=lead_body()).get_json()
    approved = oem.post(f"/api/v1/leads/{first['id']}/approve").get_json()
    assert approved["status"] == "offered" and approved["dealer"] == "D-BER-1"
    rejected = oem.post(f"/api/v1/leads/{second['id']}/reject", json={"note": "test entry"})
    assert rejected.get_json()["status"] == "rejected"
    event = db.session.query(LeadEvent).filter_by(lead_id=second["id"], kind="rejected").one()
    assert event.detail["note"] == "test entry"
    assert oem.get("/api/v1/review-queue").get_json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "b2b_volume"}, "threshold"),
        ({"kind": "spam_score", "value": "x"}, "threshold"),
        ({"kind": "campaign"}, "value"),
        ({"kind": "campaign", "value": ""}, "value"),
        ({"kind": "weather", "value": "rain"}, "kind"),
        ({"kind": "b2b_volume", "threshold": -1}, "threshold"),
        ({"kind": "b2b_volume", "threshold": "10"}, "threshold"),
        ({"kind": "source", "value": "x" * 121}, "value"),
    ],
)
def test_bad_rule_is_422_naming_the_field(oem, body, field):
    response = oem.post("/api/v1/review-rules", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert oem.get("/api/v1/review-rules").get_json() == {"items": []}


def test_unknown_rule_is_404_and_dealers_may_not_manage_rules(oem, network, dealer_api):
    headers = oem._headers(None)
    assert oem.client.patch("/api/v1/review-rules/99", json={}, headers=headers).status_code == 404
    assert oem.client.delete("/api/v1/review-rules/99", headers=headers).status_code == 404
    dealer = dealer_api("D-BER-1")
    assert dealer.get("/api/v1/review-rules").status_code == 403
    rule = oem.post("/api/v1/review-rules", json={"kind": "source", "value": "adf"}).get_json()
    assert (
        oem.client.delete(f"/api/v1/review-rules/{rule['id']}", headers=headers).status_code == 204
    )


def test_review_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/review-rules"])
    assert {"patch", "delete"} <= set(paths["/api/v1/review-rules/{rule_id}"])
    assert "get" in paths["/api/v1/review-queue"]


# --- console ---------------------------------------------------------------------------


def _login_coordinator(auth):
    from app.services.users import create_user

    create_user("boss@example.com", "coordinator", password="password-123")
    auth.login("boss@example.com")


def test_console_adds_a_rule_shows_the_held_lead_and_approves_it(auth, client, oem, network):
    _login_coordinator(auth)
    page = client.get("/console/review").get_data(as_text=True)
    assert "No rules" in page and "Nothing waiting" in page
    added = client.post(
        "/console/review/rules",
        data={
            "csrf_token": csrf_token_in(page),
            "kind": "b2b_volume",
            "setting": "10",
            "name": "Big fleet",
        },
    )
    assert added.status_code == 302
    lead = oem.post("/api/v1/leads", json=b2b_body(25)).get_json()
    page = client.get("/console/review").get_data(as_text=True)
    assert "Rule “Big fleet”: B2B volume above 10" in page
    assert f'id="held-{lead["id"]}"' in page
    approved = client.post(
        f"/console/review/{lead['id']}/approve", data={"csrf_token": csrf_token_in(page)}
    )
    assert approved.status_code == 302
    assert oem.get(f"/api/v1/leads/{lead['id']}").get_json()["status"] == "offered"


def test_console_reject_from_the_queue_asks_for_confirmation_then_returns_to_it(
    auth, client, oem, network
):
    _login_coordinator(auth)
    oem.post("/api/v1/review-rules", json={"kind": "campaign", "value": "spring-26"})
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    page = client.get("/console/review").get_data(as_text=True)
    assert f'id="reason-{lead["id"]}"' in page
    data = {
        "csrf_token": csrf_token_in(page),
        "reason": "test",
        "note": "a colleague",
        "back": "review",
    }
    confirm = client.post(f"/console/leads/{lead['id']}/reject", data=data)
    assert confirm.status_code == 200 and "Reject this lead?" in confirm.get_data(as_text=True)
    assert 'href="/console/review">No, keep it' in confirm.get_data(as_text=True)
    assert oem.get(f"/api/v1/leads/{lead['id']}").get_json()["status"] == "review"
    done = client.post(f"/console/leads/{lead['id']}/reject", data={**data, "confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/console/review")
    assert oem.get(f"/api/v1/leads/{lead['id']}").get_json()["status"] == "rejected"
    history = client.get(f"/console/leads/{lead['id']}").get_data(as_text=True)
    assert "Test or fake inquiry: a colleague" in history


def test_console_rule_with_a_bad_threshold_says_so(auth, client, network):
    _login_coordinator(auth)
    page = client.get("/console/review").get_data(as_text=True)
    response = client.post(
        "/console/review/rules",
        data={"csrf_token": csrf_token_in(page), "kind": "spam_score", "setting": "lots"},
    )
    assert response.status_code == 422
    assert "Give a number" in response.get_data(as_text=True)
