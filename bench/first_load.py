"""Bytes a phone downloads on its first visit to the inbox, service-worker install included.

    .venv/bin/python bench/first_load.py

Lighthouse counts what the page itself loads; this counts at the server every byte sent
(status line, headers and compressed body) from the first request for /inbox with an
empty cache until the service worker has installed and precached the app shell.
Signed in as the demo salesperson, on a throwaway SQLite database. Goal: < 40 KB.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, launch_phone  # noqa: E402

BUDGET = 40 * 1024


class CountingMiddleware:
    """WSGI middleware that records (path, bytes sent) for every response."""

    def __init__(self, app):
        self.app = app
        self.sent: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        header_bytes = 0

        def counting_start_response(status, headers, exc_info=None):
            nonlocal header_bytes
            header_bytes = len(status) + 11 + sum(len(k) + len(v) + 4 for k, v in headers) + 2
            return start_response(status, headers, exc_info)

        body = 0
        result = self.app(environ, counting_start_response)
        try:
            for chunk in result:
                body += len(chunk)
                yield chunk
        finally:
            if hasattr(result, "close"):
                result.close()
            path = environ.get("PATH_INFO", "")
            with self.lock:
                self.sent.append((path, header_bytes + body))


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="first-load-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
        RELAY_WORKER="0",
        SECRET_KEY="first-load-bench",
    )
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.demo import DEMO_PASSWORD, load_demo

    app = create_app()
    with app.app_context():
        upgrade()
        load_demo()
    counter = CountingMiddleware(app.wsgi_app)
    app.wsgi_app = counter
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            # Sign in in one context, then open the inbox in a fresh one with only the cookie.
            login = browser.new_context()
            page = login.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill("sales.berlin@leadrelay-demo.example")
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/inbox")
            cookies = login.cookies()
            login.close()
            with tempfile.TemporaryDirectory() as profile:
                context = launch_phone(playwright, profile)
                context.add_cookies(cookies)
                with counter.lock:
                    counter.sent.clear()
                page = context.new_page()
                page.goto(f"{base}/inbox", wait_until="load")
                page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                page.wait_for_load_state("networkidle")
                time.sleep(0.5)
                context.close()
            browser.close()
    finally:
        server.shutdown()
    total = 0
    for path, size in counter.sent:
        total += size
        print(f"{size:7d} B  {path}")
    verdict = "within" if total < BUDGET else "OVER"
    print(
        f"first visit to /inbox incl. service worker install: {total / 1024:.1f} KB "
        f"({verdict} the 40 KB goal)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
