"""Accepted leads e-mailed to a dealer's own systems, through a real local SMTP server."""

import pytest

from app.services.deliveries import deliver_due_deliveries
from tests.delivery.smtp import SmtpServer, free_port
from tests.factories import lead_body, make_dealer


@pytest.fixture
def dealer(app):
    return make_dealer("D-BER-1", name="Autohaus Mitte")


def _accepted_lead(oem, dealer_api) -> str:
    lead = oem.post("/api/v1/leads", json=lead_body()).json
    assert dealer_api("D-BER-1").post(f"/api/v1/leads/{lead['id']}/accept").status_code == 200
    return lead["id"]


def test_accepted_lead_is_mailed_as_plain_text(app, oem, dealer, dealer_api, clock):
    setting = oem.put(
        "/api/v1/dealers/D-BER-1/delivery", json={"email": "crm@autohaus.example", "format": "text"}
    )
    assert setting.status_code == 200
    assert setting.json == {
        "dealer": "D-BER-1",
        "email": "crm@autohaus.example",
        "format": "text",
        "active": True,
    }
    with SmtpServer() as smtp:
        app.config["SMTP_URL"] = smtp.url
        lead_id = _accepted_lead(oem, dealer_api)
        assert deliver_due_deliveries(clock.now) == 1
    [(recipients, message)] = smtp.inbox
    assert recipients == ["crm@autohaus.example"]
    assert message["X-LeadRelay-Lead"] == lead_id
    assert "Eva Ng" in message["Subject"]
    text = message.get_content()
    assert f"Lead: {lead_id}" in text
    assert "E-mail: eva@example.com" in text
    assert "- 1 x tractors TR-500 (buy)" in text
    assert "campaign_id: spring-26" in text
    receipt = oem.get("/api/v1/dealers/D-BER-1/deliveries").json["items"][0]
    assert (receipt["channel"], receipt["status"], receipt["target"]) == (
        "email",
        "sent",
        "crm@autohaus.example",
    )


def test_unreachable_mail_server_is_retried_then_delivered(app, oem, dealer, dealer_api, clock):
    oem.put("/api/v1/dealers/D-BER-1/delivery", json={"email": "crm@autohaus.example"})
    port = free_port()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    lead_id = _accepted_lead(oem, dealer_api)
    assert deliver_due_deliveries(clock.now) == 0  # nobody listens yet
    receipt = oem.get(f"/api/v1/leads/{lead_id}/deliveries").json["items"][0]
    assert receipt["status"] == "retrying"
    assert receipt["last_error"].startswith("mail not sent:")
    with SmtpServer(port) as smtp:
        assert deliver_due_deliveries(clock.advance(seconds=30)) == 1
    assert len(smtp.inbox) == 1
    receipt = oem.get(f"/api/v1/leads/{lead_id}/deliveries").json["items"][0]
    assert receipt["status"] == "sent"
    assert [entry["ok"] for entry in receipt["log"]] == [False, True]


def test_no_mail_is_queued_for_a_dealer_without_a_setting(app, oem, dealer, dealer_api, clock):
    lead_id = _accepted_lead(oem, dealer_api)
    assert oem.get(f"/api/v1/leads/{lead_id}/deliveries").json["items"] == []


def test_without_smtp_url_the_delivery_fails_and_says_so(app, oem, dealer, dealer_api, clock):
    oem.put("/api/v1/dealers/D-BER-1/delivery", json={"email": "crm@autohaus.example"})
    lead_id = _accepted_lead(oem, dealer_api)
    deliver_due_deliveries(clock.now)
    receipt = oem.get(f"/api/v1/leads/{lead_id}/deliveries").json["items"][0]
    assert (receipt["status"], receipt["last_error"]) == ("failed", "SMTP_URL is not set")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b.example, c@d.example"}, "email"),
        ({"email": "crm@autohaus.example", "format": "pdf"}, "format"),
        ({"email": "crm@autohaus.example", "active": "yes"}, "active"),
    ],
)
def test_bad_delivery_setting_names_the_field(oem, dealer, body, field):
    response = oem.put("/api/v1/dealers/D-BER-1/delivery", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert oem.get("/api/v1/dealers/D-BER-1/delivery").json["email"] is None


def test_delivery_setting_of_unknown_dealer_is_404(oem):
    assert (
        oem.put("/api/v1/dealers/NOPE/delivery", json={"email": "a@b.example"}).status_code == 404
    )


def test_accepted_lead_is_mailed_as_adf_xml_that_reads_back(app, oem, dealer, dealer_api, clock):
    from app.services.adf import parse_adf

    oem.put(
        "/api/v1/dealers/D-BER-1/delivery", json={"email": "dms@autohaus.example", "format": "adf"}
    )
    with SmtpServer() as smtp:
        app.config["SMTP_URL"] = smtp.url
        lead_id = _accepted_lead(oem, dealer_api)
        assert deliver_due_deliveries(clock.now) == 1
    [(_, message)] = smtp.inbox
    assert message.get_content_type() == "text/xml"
    document = message.get_content()
    assert f">{lead_id}</id>" in document
    lead = parse_adf(document.encode("utf-8"))
    assert lead["customer"]["email"] == "eva@example.com"
    assert lead["line_items"][0]["product_group"] == "tractors"
