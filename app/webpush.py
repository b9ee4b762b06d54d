"""Web push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291).

Plain functions with plain arguments: no Flask request or app state, so the web
process and the recycling worker call them the same way. Delivery problems are
never raised; `send_push` returns a `PushResult` the caller acts on (delete the
subscription when it is gone, retry later when the push service is busy).
"""

from __future__ import annotations

import binascii
import enum
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from py_vapid.utils import b64urldecode, b64urlencode
from pywebpush import WebPushException, webpush

from app.config import DEFAULT_VAPID_SUBJECT
from app.outbound import TargetUnresolvable, UnsafeTarget, check_outbound_url

VAPID_KEY_FILENAME = "vapid_private.pem"

# A notification that arrives after the offer's deadline is noise; callers with
# a deadline pass the seconds left instead.
DEFAULT_TTL_SECONDS = 60 * 60
DEFAULT_TIMEOUT_SECONDS = 10.0

# Push services accept 4096 bytes of ciphertext; aes128gcm adds 86 bytes of
# header, 16 of tag and 1 of padding delimiter. We stay well below that.
MAX_PAYLOAD_BYTES = 3072
MAX_TITLE_CHARS = 80
MAX_BODY_CHARS = 240


# The address check lives in app/outbound.py (shared with webhooks); the old names stay.
UnsafePushEndpoint = UnsafeTarget
EndpointUnresolvable = TargetUnresolvable
check_push_endpoint = check_outbound_url


class PushOutcome(enum.StrEnum):
    """What happened to one push message."""

    DELIVERED = "delivered"
    GONE = "gone"  # 404 / 410: the browser unsubscribed; delete the subscription
    RETRYABLE = "retryable"  # 429, 5xx, network trouble: try again later
    PERMANENT = "permanent"  # other 4xx, unsafe endpoint, bad subscription data


@dataclass(frozen=True)
class PushResult:
    """Outcome of `send_push`, with the push service's status code when there was one."""

    outcome: PushOutcome
    status_code: int | None = None
    error: str | None = None
    retry_after: str | None = None

    @property
    def delivered(self) -> bool:
        """True when the push service accepted the message."""
        return self.outcome is PushOutcome.DELIVERED

    @property
    def gone(self) -> bool:
        """True when the subscription no longer exists and should be deleted."""
        return self.outcome is PushOutcome.GONE

    @property
    def retryable(self) -> bool:
        """True when sending again later may succeed."""
        return self.outcome is PushOutcome.RETRYABLE


@dataclass(frozen=True)
class VapidKeys:
    """The application server's VAPID identity."""

    private_key_pem: str
    public_key: str  # base64url, uncompressed P-256 point: the applicationServerKey
    subject: str = DEFAULT_VAPID_SUBJECT

    def signer(self) -> Vapid:
        """A py_vapid signer for this key (passed to pywebpush as an object, never a path)."""
        private_key = serialization.load_pem_private_key(
            self.private_key_pem.encode("ascii"), password=None
        )
        return Vapid(private_key)


def _public_key_b64url(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(point)


def _pem_of(private_key: ec.EllipticCurvePrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _private_key_from_env(value: str) -> ec.EllipticCurvePrivateKey:
    """Read a P-256 private key given as PEM (real or "\\n"-escaped newlines),
    base64url of the raw 32-byte scalar, or base64url DER."""
    value = value.strip()
    if "-----BEGIN" in value:
        key = serialization.load_pem_private_key(
            value.replace("\\n", "\n").encode("ascii"), password=None
        )
    else:
        try:
            raw = b64urldecode(value.encode("ascii"))
        except (binascii.Error, ValueError) as error:
            raise ValueError("VAPID_PRIVATE_KEY is neither PEM nor base64url") from error
        if len(raw) == 32:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        else:
            key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
    return key


def _load_or_create_key_file(instance_path: str) -> ec.EllipticCurvePrivateKey:
    """Read instance_path/vapid_private.pem, creating it (mode 0600) on first use.

    Several server processes may start at once: each writes a complete key to a
    temporary file and links it into place; link fails if another process won,
    and then everyone reads the winner's key.
    """
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, VAPID_KEY_FILENAME)
    if not os.path.exists(path):
        pem = _pem_of(ec.generate_private_key(ec.SECP256R1()))
        descriptor, temporary = tempfile.mkstemp(prefix=".vapid-", dir=instance_path)
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(pem)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} does not hold an EC private key")
    return key


def load_or_create_vapid_keys(instance_path: str, env: Mapping[str, str]) -> VapidKeys:
    """The VAPID keys from env (VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY, VAPID_SUBJECT),
    else from instance_path/vapid_private.pem, generated there once."""
    subject = env.get("VAPID_SUBJECT") or DEFAULT_VAPID_SUBJECT
    if not subject.startswith(("mailto:", "https:")):
        raise ValueError("VAPID_SUBJECT must be a mailto: or https: URL")
    configured_private = env.get("VAPID_PRIVATE_KEY")
    configured_public = env.get("VAPID_PUBLIC_KEY")
    if configured_private:
        private_key = _private_key_from_env(configured_private)
    elif configured_public:
        raise ValueError("VAPID_PUBLIC_KEY is set without VAPID_PRIVATE_KEY")
    else:
        private_key = _load_or_create_key_file(instance_path)
    public_key = _public_key_b64url(private_key)
    if configured_public and configured_public.strip().rstrip("=") != public_key:
        # A mismatch would make every browser's subscription fail silently.
        raise ValueError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
    return VapidKeys(private_key_pem=_pem_of(private_key), public_key=public_key, subject=subject)


def _origin_of(url: str) -> str:
    """scheme://host[:port] of url, the VAPID `aud` claim (default ports omitted)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default_port = 443 if parts.scheme == "https" else 80
    if parts.port and parts.port != default_port:
        return f"{parts.scheme}://{host}:{parts.port}"
    return f"{parts.scheme}://{host}"


class _NoRedirectSession(requests.Session):
    """A session that never follows redirects: a public endpoint must not be able
    to bounce our POST to an internal address."""

    def request(self, method, url, *args, **kwargs):  # noqa: D102 - same as requests
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def _classify_status(status: int) -> PushOutcome:
    if status in (404, 410):
        return PushOutcome.GONE
    if status == 429 or status >= 500:
        return PushOutcome.RETRYABLE
    return PushOutcome.PERMANENT


def send_push(
    subscription: Mapping,
    payload: Mapping,
    keys: VapidKeys,
    *,
    allow_private: bool = False,
    ttl: int = DEFAULT_TTL_SECONDS,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    urgency: str = "normal",
) -> PushResult:
    """Encrypt payload (JSON) for subscription and POST it to its push service.

    subscription is the browser's PushSubscription JSON: {"endpoint", "keys": {"p256dh", "auth"}}.
    urgency is RFC 8030's very-low / low / normal / high. Never raises for
    delivery problems: the result says delivered, gone, retryable or permanent.
    """
    endpoint = subscription.get("endpoint") if isinstance(subscription, Mapping) else None
    if not isinstance(endpoint, str):
        return PushResult(PushOutcome.PERMANENT, error="subscription has no endpoint")
    try:
        check_push_endpoint(endpoint, allow_private=allow_private)
    except EndpointUnresolvable as error:
        return PushResult(PushOutcome.RETRYABLE, error=str(error))
    except UnsafePushEndpoint as error:
        return PushResult(PushOutcome.PERMANENT, error=str(error))

    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    if len(data.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        return PushResult(
            PushOutcome.PERMANENT, error=f"payload larger than {MAX_PAYLOAD_BYTES} bytes"
        )
    claims: dict[str, str | int] = {"sub": keys.subject, "aud": _origin_of(endpoint)}
    try:
        with _NoRedirectSession() as session:
            response = webpush(
                subscription_info=dict(subscription),
                data=data,
                vapid_private_key=keys.signer(),
                vapid_claims=claims,
                content_encoding="aes128gcm",
                ttl=ttl,
                timeout=timeout,
                headers={"Urgency": urgency},
                requests_session=session,
            )
    except WebPushException as error:
        response = error.response
        if response is None:  # pywebpush rejected the subscription data itself
            return PushResult(PushOutcome.PERMANENT, error=str(error.message))
        return PushResult(
            _classify_status(response.status_code),
            status_code=response.status_code,
            error=f"push service answered {response.status_code} {response.reason}",
            retry_after=response.headers.get("Retry-After"),
        )
    except requests.RequestException as error:
        return PushResult(PushOutcome.RETRYABLE, error=f"network error: {error}")
    except (ValueError, TypeError, KeyError, binascii.Error) as error:
        # Malformed p256dh / auth keys: the browser gave us garbage.
        return PushResult(PushOutcome.PERMANENT, error=f"invalid subscription: {error}")
    return PushResult(PushOutcome.DELIVERED, status_code=response.status_code)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def push_payload(title: str, body: str, url: str, tag: str | None = None) -> dict[str, str]:
    """The small {"title", "body", "url", "tag"} payload the service worker shows.

    Title and body are shortened (with an ellipsis) to fit a notification; url must be
    a path on our own origin ("/inbox/leads/42"). The tag defaults to the url, so a
    reminder replaces the earlier notification of the same lead instead of piling up.
    """
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("notification url must be a path on this site")
    return {
        "title": _shorten(title, MAX_TITLE_CHARS),
        "body": _shorten(body, MAX_BODY_CHARS),
        "url": url,
        "tag": tag or url,
    }
