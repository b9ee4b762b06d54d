"""The customer's confirmation e-mail, delivered to a real local SMTP server (aiosmtpd)."""

import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from app.services import spam
from app.services.forms import receive_submission
from tests.factories import lead_body

PERSON = spam.Signals(fill_seconds=60, timed=True)


class Inbox:
    """aiosmtpd handler keeping every message it is handed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    """A local SMTP server on a free port; SMTP_URL points at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    yield inbox
    controller.stop()
    app.config["SMTP_URL"] = None


def test_customer_gets_a_confirmation_in_their_language(form, smtp_server):
    submission = receive_submission(form, lead_body(), PERSON, language="de")
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["eva@example.com"]
    assert message["Subject"] == "Wir haben Ihre Anfrage"
    text = message.get_payload(decode=True).decode()
    assert "Hallo Eva," in text and "TR-500" in text
    assert submission.lead.id[:8].upper() in text
    assert "D-BER-1" not in text and "Landtechnik" not in text  # no dealer named


def test_spam_and_merged_submissions_send_nothing_more(form, smtp_server):
    receive_submission(form, lead_body(), spam.Signals(honeypot="x", timed=True))
    assert smtp_server.messages == []
    receive_submission(form, lead_body(), PERSON, language="en")
    receive_submission(form, lead_body(), PERSON, language="en")  # merges
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0][1]["Subject"] == "We have your inquiry"


def test_without_smtp_url_nothing_is_sent_and_an_unreachable_server_fails_quietly(form, app):
    assert app.config.get("SMTP_URL") is None
    assert receive_submission(form, lead_body(), PERSON).outcome == "received"
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    try:
        other = lead_body(
            customer={"first_name": "Jo", "last_name": "B", "email": "jo@example.com"}
        )
        assert receive_submission(form, other, PERSON).outcome == "received"
    finally:
        app.config["SMTP_URL"] = None
