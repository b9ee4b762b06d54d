"""A local web push service for tests: it plays the browser vendor's push server.

It hands out subscriptions ({"endpoint", "keys": {"p256dh", "auth"}}) whose keys it
holds, checks each POST the way a real push service would (VAPID JWT signed with
ES256 by the key in `k`, `aud` = this origin, `exp` within 24 h, `sub` present),
decrypts the aes128gcm body as the browser would, and answers with the status a
test chose (201 by default; 404 / 410 / 429 / 500 to exercise failures).

    with PushReceiver() as receiver:
        send_push(receiver.subscription, payload, keys, allow_private=True)
        assert receiver.wait_for(1)[0].json == payload
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_JWT_LIFETIME_SECONDS = 24 * 60 * 60  # RFC 8292 section 2


def b64url_encode(raw: bytes) -> str:
    """Base64url without padding, as web push uses everywhere."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VapidError(Exception):
    """The Authorization header is missing or does not verify."""


def verify_vapid_authorization(header: str | None, audience: str) -> tuple[dict, str]:
    """Check `vapid t=JWT, k=KEY`; return (claims, k). Raises VapidError."""
    if not header:
        raise VapidError("no Authorization header")
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError(f"Authorization scheme is {scheme!r}, not vapid")
    values = {}
    for item in params.split(","):
        name, _, value = item.strip().partition("=")
        values[name.strip()] = value.strip()
    token, key = values.get("t"), values.get("k")
    if not token or not key:
        raise VapidError("Authorization lacks t= or k=")
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(key)
        )
        header_part, claims_part, signature_part = token.split(".")
        jwt_header = json.loads(b64url_decode(header_part))
        claims = json.loads(b64url_decode(claims_part))
        signature = b64url_decode(signature_part)
    except ValueError as error:
        raise VapidError(f"malformed token or key: {error}") from None
    if jwt_header.get("alg") != "ES256":
        raise VapidError(f"JWT alg is {jwt_header.get('alg')!r}, not ES256")
    if len(signature) != 64:
        raise VapidError("ES256 signature must be 64 bytes (r || s)")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(
            der, f"{header_part}.{claims_part}".encode("ascii"), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        raise VapidError("JWT signature does not verify with k") from None
    if claims.get("aud") != audience:
        raise VapidError(f"aud is {claims.get('aud')!r}, expected {audience!r}")
    now = time.time()
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires <= now:
        raise VapidError("exp is missing or in the past")
    if expires > now + MAX_JWT_LIFETIME_SECONDS:
        raise VapidError("exp is more than 24 hours ahead")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise VapidError("sub must be a mailto: or https: URL")
    return claims, key


@dataclass
class ReceiverSubscription:
    """One browser-side subscription: the keys the receiver decrypts with."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    status: int | None = None  # overrides the receiver's status for this endpoint

    def as_json(self) -> dict:
        """The PushSubscription JSON a browser would post to the app."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url_encode(public), "auth": b64url_encode(self.auth_secret)},
        }


@dataclass
class ReceivedPush:
    """One POST the receiver got, with what it made of it."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered
    claims: dict | None = None
    vapid_key: str | None = None
    plaintext: bytes | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def json(self):
        """The decrypted payload parsed as JSON."""
        if self.plaintext is None:
            raise AssertionError(f"push was not decrypted: {self.errors}")
        return json.loads(self.plaintext)


class PushReceiver:
    """An http.server on 127.0.0.1 (free port, own thread) acting as a push service."""

    def __init__(self, status: int = 201) -> None:
        self.status = status
        self.received: list[ReceivedPush] = []
        self._subscriptions: dict[str, ReceiverSubscription] = {}
        self._condition = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._default: ReceiverSubscription | None = None

    # lifecycle

    def start(self) -> PushReceiver:
        """Bind a free port and serve in a daemon thread."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                receiver._handle(self)

            def log_message(self, format, *args) -> None:  # noqa: A002 - keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="push-receiver",
            daemon=True,
        )
        self._thread.start()
        self._default = self._new_subscription()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> PushReceiver:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # what tests use

    @property
    def origin(self) -> str:
        """http://127.0.0.1:PORT, the `aud` every JWT must name."""
        if self._server is None:
            raise RuntimeError("receiver not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def subscription(self) -> dict:
        """The default subscription's JSON."""
        if self._default is None:
            raise RuntimeError("receiver not started")
        return self._default.as_json()

    def new_subscription(self, status: int | None = None) -> dict:
        """Another subscription (another browser), optionally answering with its own status."""
        return self._new_subscription(status).as_json()

    def respond_with(self, status: int, subscription: dict | None = None) -> None:
        """Answer future pushes with status: for one subscription, or for all by default."""
        if subscription is None:
            self.status = status
        else:
            self._subscriptions[self._path_of(subscription["endpoint"])].status = status

    @property
    def messages(self) -> list:
        """Decrypted JSON payloads of the pushes that verified, in arrival order."""
        with self._condition:
            return [
                push.json
                for push in self.received
                if not push.errors and push.plaintext is not None
            ]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedPush]:
        """Block until count pushes arrived (for senders on other threads)."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"expected {count} pushes, got {len(self.received)}")
            return list(self.received)

    # internals

    def _new_subscription(self, status: int | None = None) -> ReceiverSubscription:
        path = f"/push/{secrets.token_urlsafe(12)}"
        subscription = ReceiverSubscription(
            endpoint=self.origin + path,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
            status=status,
        )
        self._subscriptions[path] = subscription
        return subscription

    def _path_of(self, endpoint: str) -> str:
        return endpoint.removeprefix(self.origin)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        headers = {name.lower(): value for name, value in request.headers.items()}
        push = ReceivedPush(path=request.path, headers=headers, body=body, status=0)
        subscription = self._subscriptions.get(request.path)
        status = self.status
        if subscription is None:
            push.errors.append("unknown endpoint")
            status = 404
        else:
            if subscription.status is not None:
                status = subscription.status
            self._verify(push, subscription)
            if push.errors and 200 <= status < 300:
                # A real push service refuses what it cannot authenticate.
                status = (
                    401 if any("Authorization" in e or "JWT" in e for e in push.errors) else 400
                )
        push.status = status
        # Record before answering, so a sender that has its response sees the push here.
        with self._condition:
            self.received.append(push)
            index = len(self.received) - 1
            self._condition.notify_all()
        request.send_response(status)
        if 300 <= status < 400:
            request.send_header("Location", self.origin + "/elsewhere")
        if 200 <= status < 300:
            request.send_header("Location", f"{self.origin}/message/{index}")
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _verify(self, push: ReceivedPush, subscription: ReceiverSubscription) -> None:
        try:
            push.claims, push.vapid_key = verify_vapid_authorization(
                push.headers.get("authorization"), self.origin
            )
        except VapidError as error:
            push.errors.append(f"Authorization: {error}")
        if "ttl" not in push.headers:
            push.errors.append("no TTL header")
        if not push.body:
            return  # a push without payload is legal
        if push.headers.get("content-encoding") != "aes128gcm":
            push.errors.append(f"content-encoding is {push.headers.get('content-encoding')!r}")
            return
        try:
            push.plaintext = http_ece.decrypt(
                push.body,
                private_key=subscription.private_key,
                auth_secret=subscription.auth_secret,
                version="aes128gcm",
            )
        except Exception as error:  # noqa: BLE001 - any failure is a finding to record
            push.errors.append(f"decrypt: {error!r}")
