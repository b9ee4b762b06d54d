"""A local webhook receiver for tests: it verifies X-LeadRelay-Signature as an integration would.

    with WebhookReceiver(secret) as receiver:
        receiver.fail_next(2)          # answer 503 twice, then 200
        ... deliver ...
        assert receiver.received[0].json["event"] == "offer.accepted"

Only requests whose signature verifies (HMAC-SHA256 of "{t}.{raw body}" under the
secret, hex) are recorded as `received`; the others are answered 401 and kept in
`rejected`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One verified delivery."""

    body: bytes
    timestamp: int
    headers: dict

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify_signature(secret: str, header: str | None, body: bytes) -> int:
    """The header's timestamp when `t=…,v1=…` matches the body; raises ValueError otherwise."""
    if not header:
        raise ValueError("no signature header")
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not given:
        raise ValueError(f"malformed signature header {header!r}")
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise ValueError("signature does not match the body")
    return int(timestamp)


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that checks signatures and can fail on purpose."""

    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self._failures_left = 0
        self._failure_status = 503
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._answer(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/leadrelay"

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next `count` deliveries with `status` (still verifying them)."""
        with self._lock:
            self._failures_left, self._failure_status = count, status

    def _answer(self, headers, body: bytes) -> int:
        try:
            timestamp = verify_signature(self.secret, headers.get("X-LeadRelay-Signature"), body)
        except ValueError as error:
            with self._lock:
                self.rejected.append(str(error))
            return 401
        with self._lock:
            if self._failures_left:
                self._failures_left -= 1
                return self._failure_status
            self.received.append(Received(body, timestamp, dict(headers)))
        return 200

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
