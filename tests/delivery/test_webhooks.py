"""Signed webhooks: registration, delivery from the outbox, retries with backoff, the log."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Delivery
from app.services.deliveries import deliver_due_deliveries
from tests.delivery.receiver import WebhookReceiver, verify_signature
from tests.factories import lead_body, make_dealer

SECRET = "whsec-0123456789abcdef"
ALL_EVENTS = [
    "lead.created",
    "offer.created",
    "offer.accepted",
    "offer.declined",
    "offer.expired",
    "lead.unassigned",
    "lead.won",
]


@pytest.fixture
def receiver():
    with WebhookReceiver(SECRET) as receiver:
        yield receiver


@pytest.fixture
def hook(oem, receiver):
    """A webhook on every event, pointing at the local receiver."""
    response = oem.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ALL_EVENTS, "secret": SECRET}
    )
    assert response.status_code == 201
    return response.json


def test_webhooks_are_created_listed_and_deleted(oem, hook, receiver):
    assert set(hook) >= {"id", "url", "events"} and "secret" not in hook
    assert hook["url"] == receiver.url and hook["events"] == ALL_EVENTS
    assert [item["id"] for item in oem.get("/api/v1/webhooks").json["items"]] == [hook["id"]]
    assert (
        oem.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=oem._headers(None)).status_code
        == 204
    )
    assert oem.get("/api/v1/webhooks").json["items"] == []
    again = oem.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=oem._headers(None))
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["lead.created"], "secret": SECRET}, "url"),
        ({"url": "https://x.example/h", "events": ["lead.eaten"], "secret": SECRET}, "events.0"),
        ({"url": "https://x.example/h", "events": [], "secret": SECRET}, "events"),
        ({"url": "https://x.example/h", "events": ["lead.won"], "secret": "short"}, "secret"),
        ({"events": ["lead.won"], "secret": SECRET}, "url"),
    ],
)
def test_bad_webhook_names_the_field_and_stores_nothing(oem, body, field):
    response = oem.post("/api/v1/webhooks", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert oem.get("/api/v1/webhooks").json["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # not https
        "https://127.0.0.1:8443/in",
        "https://10.1.2.3/in",
        "https://[::1]/in",
        "https://localhost/in",
        "https://169.254.169.254/latest",
        "https://exa mple.invalid/in",
        "https://[::1/in",
    ],
)
def test_private_or_plain_http_targets_are_refused_outside_tests(app, oem, url):
    app.config["RELAY_ALLOW_PRIVATE_ENDPOINTS"] = False
    response = oem.post(
        "/api/v1/webhooks", json={"url": url, "events": ["lead.created"], "secret": SECRET}
    )
    assert response.status_code == 422
    assert "url" in response.json["errors"]


@pytest.mark.both_databases
def test_lead_events_reach_the_receiver_signed(oem, hook, receiver, dealer_api, clock):
    make_dealer("D-BER-1")
    lead = oem.post("/api/v1/leads", json=lead_body()).json
    dealer = dealer_api("D-BER-1", "dealer_manager")
    assert dealer.post(f"/api/v1/leads/{lead['id']}/accept").status_code == 200
    won = dealer.post(
        f"/api/v1/leads/{lead['id']}/stage", json={"stage": "won", "order_value": 25000}
    )
    assert won.status_code == 200

    assert deliver_due_deliveries(clock.now) == 4
    events = [delivery.json["event"] for delivery in receiver.received]
    assert events == ["lead.created", "offer.created", "offer.accepted", "lead.won"]
    first = receiver.received[0]
    assert set(first.json) == {"id", "event", "occurred_at", "lead"}
    assert first.json["lead"]["id"] == lead["id"]
    assert first.json["occurred_at"].endswith("Z")
    assert first.timestamp == int(clock.now.timestamp())
    assert receiver.received[-1].json["lead"]["stage"] == "won"
    assert receiver.rejected == []
    # Nothing is sent twice.
    assert deliver_due_deliveries(clock.advance(hours=1)) == 0


def test_decline_until_no_dealer_is_left_fires_declined_and_unassigned(
    oem, hook, receiver, dealer_api, clock
):
    make_dealer("D-BER-1")
    lead = oem.post("/api/v1/leads", json=lead_body()).json
    declined = dealer_api("D-BER-1").post(
        f"/api/v1/leads/{lead['id']}/decline", json={"reason": "capacity"}
    )
    assert declined.status_code == 200
    deliver_due_deliveries(clock.now)
    assert [d.json["event"] for d in receiver.received][-2:] == [
        "offer.declined",
        "lead.unassigned",
    ]


def test_only_subscribed_events_are_sent(oem, receiver, clock):
    make_dealer("D-BER-1")
    oem.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["lead.won"], "secret": SECRET}
    )
    oem.post("/api/v1/leads", json=lead_body())
    assert deliver_due_deliveries(clock.now) == 0
    assert receiver.received == []


@pytest.mark.both_databases
def test_failed_delivery_is_retried_with_backoff_and_logged(oem, receiver, clock):
    make_dealer("D-BER-1")
    oem.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["lead.created"], "secret": SECRET}
    )
    lead = oem.post("/api/v1/leads", json=lead_body()).json
    receiver.fail_next(2)

    assert deliver_due_deliveries(clock.now) == 0  # 503
    assert deliver_due_deliveries(clock.advance(seconds=29)) == 0  # not due yet
    assert deliver_due_deliveries(clock.advance(seconds=1)) == 0  # 30 s later: 503 again
    assert deliver_due_deliveries(clock.advance(seconds=59)) == 0  # backoff doubled
    assert deliver_due_deliveries(clock.advance(seconds=1)) == 1  # 60 s later: 200

    log = oem.get(f"/api/v1/leads/{lead['id']}/deliveries").json["items"]
    assert len(log) == 1
    receipt = log[0]
    assert (receipt["channel"], receipt["event"], receipt["status"]) == (
        "webhook",
        "lead.created",
        "sent",
    )
    assert [(entry["ok"], entry["status_code"]) for entry in receipt["log"]] == [
        (False, 503),
        (False, 503),
        (True, 200),
    ]
    # Every retry sent the same document (same id), each signed afresh.
    assert len(receiver.received) == 1
    assert receiver.received[0].json["id"] == f"dlv_{receipt['id']}"


def test_delivery_gives_up_after_the_last_attempt_and_says_why(app, oem, receiver, clock):
    app.config["RELAY_DELIVERY_MAX_ATTEMPTS"] = 2
    make_dealer("D-BER-1")
    oem.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["lead.created"], "secret": SECRET}
    )
    lead = oem.post("/api/v1/leads", json=lead_body()).json
    receiver.fail_next(5, status=500)
    deliver_due_deliveries(clock.now)
    deliver_due_deliveries(clock.advance(minutes=1))
    assert deliver_due_deliveries(clock.advance(hours=2)) == 0  # given up: not tried again
    receipt = oem.get(f"/api/v1/leads/{lead['id']}/deliveries").json["items"][0]
    assert receipt["status"] == "failed"
    assert receipt["attempts"] == 2
    assert receipt["last_error"] == "answered 500"
    assert receipt["next_attempt_at"] is None


def test_a_deleted_webhook_gets_nothing_more(oem, hook, receiver, clock):
    make_dealer("D-BER-1")
    oem.post("/api/v1/leads", json=lead_body())
    oem.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=oem._headers(None))
    assert deliver_due_deliveries(clock.now) == 0
    assert receiver.received == []
    statuses = {row.failed_at is not None for row in db.session.scalars(select(Delivery))}
    assert statuses == {True}


def test_a_wrong_secret_does_not_verify():
    with pytest.raises(ValueError, match="does not match"):
        verify_signature("another-secret", "t=1,v1=00", b"{}")


def test_openapi_describes_reports_webhooks_and_receipts(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/reports/{grouping}"]
    assert "put" in paths["/api/v1/campaigns/{campaign}"]
    assert {"get", "post"} <= set(paths["/api/v1/webhooks"])
    assert "delete" in paths["/api/v1/webhooks/{webhook_id}"]
    assert "get" in paths["/api/v1/leads/{lead_id}/deliveries"]
    assert "put" in paths["/api/v1/dealers/{code}/delivery"]


def test_the_worker_pass_delivers_webhooks(app, oem, receiver, clock):
    from app.worker import run_pass

    make_dealer("D-BER-1")
    oem.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["lead.created"], "secret": SECRET},
    )
    oem.post("/api/v1/leads", json=lead_body())
    assert run_pass(app)["webhooks_and_mail"] == 1
    assert [d.json["event"] for d in receiver.received] == ["lead.created"]
