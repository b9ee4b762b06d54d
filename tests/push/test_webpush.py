"""Web push sending, end to end against the local receiver, plus its guards."""

import base64
import json
import os
import socket
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.webpush import (
    DEFAULT_VAPID_SUBJECT,
    MAX_PAYLOAD_BYTES,
    EndpointUnresolvable,
    PushOutcome,
    UnsafePushEndpoint,
    VapidKeys,
    check_push_endpoint,
    load_or_create_vapid_keys,
    push_payload,
    send_push,
)
from tests.push.receiver import VapidError, verify_vapid_authorization

PAYLOAD = push_payload("New lead: Cargo e-bike, 2 units", "Jana K. in 10115", "/inbox/7")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# sending, end to end


def test_send_push_delivers_a_payload_the_browser_can_decrypt(push_receiver, vapid_keys):
    result = send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True)

    assert result.outcome is PushOutcome.DELIVERED and result.delivered
    assert result.status_code == 201
    [push] = push_receiver.wait_for(1)
    assert push.errors == []
    assert push.json == PAYLOAD
    assert push_receiver.messages == [PAYLOAD]


def test_send_push_signs_a_vapid_jwt_for_the_push_service_origin(push_receiver, vapid_keys):
    send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True, ttl=600)

    [push] = push_receiver.wait_for(1)
    assert push.claims["aud"] == push_receiver.origin
    assert push.claims["sub"] == DEFAULT_VAPID_SUBJECT
    assert push.vapid_key == vapid_keys.public_key
    assert push.headers["ttl"] == "600"
    assert push.headers["urgency"] == "normal"
    assert push.headers["content-encoding"] == "aes128gcm"


def test_send_push_reaches_each_subscription_with_its_own_keys(push_receiver, vapid_keys):
    second = push_receiver.new_subscription()
    other_payload = push_payload("Answer on Lead 8", "Yes, in stock", "/inbox/8")

    send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True)
    send_push(second, other_payload, vapid_keys, allow_private=True)

    assert push_receiver.messages == [PAYLOAD, other_payload]


@pytest.mark.parametrize("status", [404, 410])
def test_unsubscribed_endpoint_is_gone(push_receiver, vapid_keys, status):
    push_receiver.respond_with(status)

    result = send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True)

    assert result.outcome is PushOutcome.GONE and result.gone
    assert result.status_code == status


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_push_service_is_retryable(push_receiver, vapid_keys, status):
    push_receiver.respond_with(status)

    result = send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True)

    assert result.outcome is PushOutcome.RETRYABLE and result.retryable
    assert result.status_code == status
    assert str(status) in result.error


@pytest.mark.parametrize("status", [400, 403, 413])
def test_other_client_errors_are_permanent(push_receiver, vapid_keys, status):
    push_receiver.respond_with(status)

    result = send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True)

    assert result.outcome is PushOutcome.PERMANENT
    assert result.status_code == status


def test_status_can_differ_per_subscription(push_receiver, vapid_keys):
    stale = push_receiver.new_subscription(status=410)

    assert send_push(stale, PAYLOAD, vapid_keys, allow_private=True).gone
    assert send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True).delivered


def test_redirect_is_not_followed(push_receiver, vapid_keys):
    push_receiver.respond_with(307)

    result = send_push(push_receiver.subscription, PAYLOAD, vapid_keys, allow_private=True)

    assert result.outcome is PushOutcome.PERMANENT
    assert result.status_code == 307
    assert [push.path for push in push_receiver.received] == [
        push_receiver.subscription["endpoint"].removeprefix(push_receiver.origin)
    ]


def test_unreachable_push_service_is_retryable(push_receiver, vapid_keys):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = {**push_receiver.subscription, "endpoint": f"http://127.0.0.1:{port}/push/x"}

    result = send_push(dead, PAYLOAD, vapid_keys, allow_private=True, timeout=2)

    assert result.outcome is PushOutcome.RETRYABLE
    assert "network error" in result.error


def test_private_endpoint_is_refused_without_allow_private(push_receiver, vapid_keys):
    result = send_push(push_receiver.subscription, PAYLOAD, vapid_keys)

    assert result.outcome is PushOutcome.PERMANENT
    assert "http" in result.error
    assert push_receiver.received == []


def test_broken_subscription_keys_are_permanent(push_receiver, vapid_keys):
    broken = {**push_receiver.subscription, "keys": {"p256dh": "bm90IGEga2V5", "auth": "eA"}}

    result = send_push(broken, PAYLOAD, vapid_keys, allow_private=True)

    assert result.outcome is PushOutcome.PERMANENT
    assert push_receiver.received == []


def test_subscription_without_endpoint_is_permanent(vapid_keys):
    assert send_push({"keys": {}}, PAYLOAD, vapid_keys).outcome is PushOutcome.PERMANENT


def test_oversized_payload_is_refused_before_sending(push_receiver, vapid_keys):
    payload = {**PAYLOAD, "body": "x" * MAX_PAYLOAD_BYTES}

    result = send_push(push_receiver.subscription, payload, vapid_keys, allow_private=True)

    assert result.outcome is PushOutcome.PERMANENT
    assert push_receiver.received == []


def test_unresolvable_host_is_retryable(monkeypatch, vapid_keys):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    subscription = {
        "endpoint": "https://push.example.test/x",
        "keys": {"p256dh": "x", "auth": "y"},
    }

    assert send_push(subscription, PAYLOAD, vapid_keys).outcome is PushOutcome.RETRYABLE


# the endpoint guard


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://93.184.216.34/x",  # public but not https
        "https://127.0.0.1/x",
        "https://10.0.0.1/x",
        "https://172.16.5.4/x",
        "https://192.168.1.1/x",
        "https://100.64.0.1/x",  # carrier-grade NAT
        "https://169.254.169.254/latest/meta-data",
        "https://0.0.0.0/x",
        "https://224.0.0.1/x",
        "https://240.0.0.1/x",
        "https://[::1]/x",
        "https://[::]/x",
        "https://[fe80::1]/x",
        "https://[fc00::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[2002:a00:1::1]/x",  # 6to4 wrapping 10.0.0.1
        "https://[ff02::1]/x",
        "https://localhost/x",
        "https://LOCALHOST./x",
        "https://push.localhost/x",
        "https://user:secret@93.184.216.34/x",
        "ftp://93.184.216.34/x",
        "https:///x",
        "https://93.184.216.34:99999/x",
        "not a url",
    ],
)
def test_check_push_endpoint_rejects_non_public_or_non_https(url):
    with pytest.raises(UnsafePushEndpoint):
        check_push_endpoint(url)


@pytest.mark.parametrize(
    "url",
    ["https://93.184.216.34/x", "https://93.184.216.34:8443/x", "https://[2606:4700::1111]/x"],
)
def test_check_push_endpoint_accepts_public_literals(url):
    check_push_endpoint(url)


def _resolving_to(*addresses):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return fake_getaddrinfo


def test_check_push_endpoint_accepts_name_resolving_to_public_addresses(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.216.34", "2606:4700::1111"))

    check_push_endpoint("https://push.example.test/send/abc")


def test_check_push_endpoint_rejects_name_with_any_private_address(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.216.34", "10.1.2.3"))

    with pytest.raises(UnsafePushEndpoint, match="not public"):
        check_push_endpoint("https://push.example.test/send/abc")


def test_check_push_endpoint_reports_unresolvable_names(monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)

    with pytest.raises(EndpointUnresolvable):
        check_push_endpoint("https://push.example.test/send/abc")


def test_allow_private_accepts_local_http_but_still_needs_http():
    check_push_endpoint("http://127.0.0.1:8123/push/x", allow_private=True)
    check_push_endpoint("https://localhost/push/x", allow_private=True)
    with pytest.raises(UnsafePushEndpoint):
        check_push_endpoint("file:///etc/passwd", allow_private=True)


# VAPID keys


def test_vapid_keys_are_created_once_and_reused(tmp_path):
    instance = tmp_path / "instance"

    first = load_or_create_vapid_keys(str(instance), {})
    second = load_or_create_vapid_keys(str(instance), {})

    key_file = instance / "vapid_private.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert first == second
    assert [p.name for p in instance.iterdir()] == ["vapid_private.pem"]


def test_vapid_public_key_is_an_uncompressed_p256_point(vapid_keys):
    raw = base64.urlsafe_b64decode(vapid_keys.public_key + "=" * (-len(vapid_keys.public_key) % 4))

    assert len(raw) == 65 and raw[0] == 4
    assert "=" not in vapid_keys.public_key


def _fresh_key():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return pem, _b64url(public), _b64url(raw)


def test_vapid_keys_from_env_pem_leave_the_instance_folder_alone(tmp_path):
    pem, public, _ = _fresh_key()
    env = {
        "VAPID_PRIVATE_KEY": pem.replace("\n", "\\n"),
        "VAPID_PUBLIC_KEY": public,
        "VAPID_SUBJECT": "mailto:push@dealer.example",
    }

    keys = load_or_create_vapid_keys(str(tmp_path / "instance"), env)

    assert keys.public_key == public
    assert keys.subject == "mailto:push@dealer.example"
    assert not (tmp_path / "instance").exists()


def test_vapid_keys_from_env_raw_base64url(tmp_path):
    _, public, raw = _fresh_key()

    keys = load_or_create_vapid_keys(str(tmp_path), {"VAPID_PRIVATE_KEY": raw})

    assert keys.public_key == public


@pytest.mark.parametrize(
    "env",
    [
        {"VAPID_PRIVATE_KEY": _fresh_key()[2], "VAPID_PUBLIC_KEY": _fresh_key()[1]},
        {"VAPID_PUBLIC_KEY": _fresh_key()[1]},
        {"VAPID_SUBJECT": "ops@leadrelay.example"},
        {"VAPID_PRIVATE_KEY": "!!not a key!!"},
    ],
    ids=["mismatched-pair", "public-only", "subject-not-url", "garbage"],
)
def test_misconfigured_vapid_env_fails_loudly(tmp_path, env):
    with pytest.raises(ValueError):
        load_or_create_vapid_keys(str(tmp_path), env)


def test_keys_from_env_sign_pushes_the_receiver_accepts(push_receiver, tmp_path):
    pem, public, _ = _fresh_key()
    keys = load_or_create_vapid_keys(str(tmp_path), {"VAPID_PRIVATE_KEY": pem})

    assert send_push(push_receiver.subscription, PAYLOAD, keys, allow_private=True).delivered
    assert push_receiver.wait_for(1)[0].vapid_key == public


def test_receiver_rejects_a_jwt_signed_by_another_key(push_receiver, vapid_keys):
    _, other_public, _ = _fresh_key()
    impostor = VapidKeys(vapid_keys.private_key_pem, other_public, vapid_keys.subject)
    # The signer uses the private key, so k and signature still match: the receiver
    # accepts. What it must refuse is a token whose signature does not match k.
    assert send_push(push_receiver.subscription, PAYLOAD, impostor, allow_private=True).delivered

    header = push_receiver.received[0].headers["authorization"]
    forged = header.replace(vapid_keys.public_key, other_public)
    with pytest.raises(VapidError, match="signature"):
        verify_vapid_authorization(forged, push_receiver.origin)
    with pytest.raises(VapidError, match="aud"):
        verify_vapid_authorization(header, "https://push.example.test")


# payloads


def test_push_payload_is_small_and_tagged_by_lead():
    payload = push_payload("Still waiting: Lead " + "L" * 500, "word " * 2000, "/inbox/7")

    assert set(payload) == {"title", "body", "url", "tag"}
    assert payload["title"].startswith("Still waiting")
    assert len(payload["title"]) <= 80 and len(payload["body"]) <= 240
    assert payload["body"].endswith("…")
    assert payload["tag"] == "/inbox/7"
    assert len(json.dumps(payload).encode()) < 3 * 1024


@pytest.mark.parametrize("url", ["https://evil.example/x", "//evil.example/x", "inbox/7"])
def test_push_payload_url_must_be_a_local_path(url):
    with pytest.raises(ValueError):
        push_payload("New lead", "x", url)
