"""SSRF: push endpoints and webhook URLs must be public https; one check serves both."""

import socket

import pytest

from app.models import PushSubscription
from app.outbound import TargetUnresolvable, UnsafeTarget, check_outbound_url
from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import make_dealer

PRIVATE_TARGETS = [
    "https://127.0.0.1/push",
    "https://10.0.0.1/push",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://loopback-alias.example.test/push",  # a name that resolves to 127.0.0.1
    "https://localhost/push",
    "https://0.0.0.0/push",
]
PUBLIC_IP = "93.184.215.14"


@pytest.fixture
def fake_dns(monkeypatch):
    """Names resolve without a network: one to loopback, one to a public address."""
    real = socket.getaddrinfo
    answers = {"loopback-alias.example.test": "127.0.0.1", "push.example.test": PUBLIC_IP}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        if host.endswith(".example.test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_private_targets_are_refused(fake_dns, url):
    with pytest.raises(UnsafeTarget):
        check_outbound_url(url)


@pytest.mark.parametrize(
    "url", ["http://push.example.test/x", "https://user:pw@push.example.test/x", "ftp://x/"]
)
def test_plain_http_and_credentials_are_refused(fake_dns, url):
    with pytest.raises(UnsafeTarget):
        check_outbound_url(url)


def test_public_https_passes_and_unknown_names_are_unresolvable(fake_dns):
    check_outbound_url("https://push.example.test/send/abc")
    with pytest.raises(TargetUnresolvable):
        check_outbound_url("https://nowhere.example.test/")
    # Tests' local receivers only when allowed on purpose.
    check_outbound_url("http://127.0.0.1:8999/push", allow_private=True)


def test_push_subscriptions_refuse_private_endpoints(app, client, auth, fake_dns, db):
    app.config["RELAY_ALLOW_PRIVATE_ENDPOINTS"] = False
    make_dealer("D-BER-1")
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    auth.login("sales@example.com")
    token = csrf_token_in(client.get("/inbox").get_data(as_text=True))
    keys = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}
    for url in PRIVATE_TARGETS:
        answer = client.post(
            "/inbox/push-subscriptions",
            json={"endpoint": url, "keys": keys},
            headers={"X-CSRFToken": token},
        )
        assert answer.status_code == 422, (url, answer.get_data(as_text=True))
        assert "endpoint" in answer.get_json()["errors"]
    assert db.session.query(PushSubscription).count() == 0


def test_webhooks_refuse_private_urls(app, oem, fake_dns):
    if "api.create_webhook" not in app.view_functions:
        pytest.skip("webhooks are not on this branch yet")
    app.config["RELAY_ALLOW_PRIVATE_ENDPOINTS"] = False
    for url in PRIVATE_TARGETS:
        answer = oem.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["offer.accepted"], "secret": "s" * 32},
        )
        assert 400 <= answer.status_code < 500, (url, answer.status_code)
        assert "url" in answer.get_json()["errors"]
