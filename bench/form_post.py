"""Form posts end to end: the inquiry form page (/f/KEY, form-encoded, spam filter and
duplicate check included) and the JSON API with a form key (X-Form-Key), on SQLite with
a 10,000-dealer network of bench/network.py (the dense one by default), against gunicorn.

    .venv/bin/python bench/form_post.py [--leads 500] [--network dense|sparse]

`measure_form_posts` and `measure_form_key_posts` take an open connection and are meant
to be called from bench/intake.py too (perf owns that file); `main` runs them alone.
Each measured request is one whole submission: for the page, the POST that answers 303
to the thank-you page (the GET that renders the form and its signed timestamp is not
timed). Every customer is new, so nothing merges as a duplicate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WARM_UP = 30
STARTED = re.compile(rb'name="started" value="([^"]+)"')


def summary(name: str, durations_ms: list[float], seconds: float, statuses: dict) -> dict:
    """p50/p99 and throughput of one series, printed and returned."""
    ordered = sorted(durations_ms)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    figures = {
        "name": name,
        "count": len(ordered),
        "p50_ms": statistics.median(ordered),
        "p99_ms": p99,
        "per_second": len(ordered) / seconds if seconds else 0.0,
        "statuses": statuses,
    }
    print(
        f"{name} x{figures['count']} (after {WARM_UP} warm-up), statuses {statuses}\n"
        f"  p50 {figures['p50_ms']:.2f} ms  p99 {p99:.2f} ms  "
        f"{figures['per_second']:.0f} submissions/s one after another (1 / mean request time)"
    )
    return figures


def form_fields(body: dict, number: int) -> dict:
    """What a customer types into the form page for a generated lead body."""
    fields = {
        "inquiry_type": body["inquiry_type"],
        "product_group": body["line_items"][0]["product_group"],
        "interest_type": "buy",
        "postal_code": body["postal_code"],
        "country": body["country"],
        "delivery": body["delivery"],
        "first_name": "Bench",
        "last_name": f"Customer {number}",
        "email": f"customer{number}@bench.example",
        "message": "Please send me a quote.",
        "consent": "on",
        "website": "",
        "page_url": "https://brand.example/p?utm_source=bench&utm_campaign=form",
    }
    if body["inquiry_type"] == "b2b":
        fields.update(company="Bench GmbH", volume_estimate="2")
    return fields


class Series:
    """Timings of one kind of request: warm-up requests are sent but not counted."""

    def __init__(self, name: str):
        self.name = name
        self.durations: list[float] = []
        self.statuses: dict[int, int] = {}
        self.busy = 0.0

    def post(self, connection, number: int, path: str, body: str, headers: dict) -> None:
        """Send one POST and record its status and (after the warm-up) its time."""
        begin = time.perf_counter()
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - begin
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        if number >= WARM_UP:
            self.durations.append(elapsed * 1000)
            self.busy += elapsed

    def summary(self) -> dict:
        return summary(self.name, self.durations, self.busy, self.statuses)


def measure_form_posts(connection: http.client.HTTPConnection, form_key: str, bodies) -> dict:
    """POST /f/KEY for each lead body (after GET /f/KEY for its signed timestamp)."""
    series = Series("POST /f/KEY (form page)")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for number, body in enumerate(bodies):
        connection.request("GET", f"/f/{form_key}")
        page = connection.getresponse().read()
        fields = form_fields(body, number)
        fields["started"] = STARTED.search(page).group(1).decode()
        series.post(connection, number, f"/f/{form_key}", urlencode(fields), headers)
    return series.summary()


def measure_form_key_posts(connection: http.client.HTTPConnection, form_key: str, bodies) -> dict:
    """POST /api/v1/leads with X-Form-Key for each lead body (a site's own form)."""
    series = Series("POST /api/v1/leads with X-Form-Key")
    headers = {"Content-Type": "application/json", "X-Form-Key": form_key}
    for number, body in enumerate(bodies):
        customer = {**body["customer"], "last_name": f"Api {number}"}
        customer["email"] = f"api{number}@bench.example"  # a new customer: no duplicate merge
        sent = {**body, "customer": customer, "custom_fields": {"utm_source": "bench"}}
        series.post(connection, number, "/api/v1/leads", json.dumps(sent), headers)
    return series.summary()


def create_bench_form(database_url: str) -> str:
    """A form without rate limits worth the name; returns its public key."""
    os.environ["DATABASE_URL"] = database_url
    from app import create_app
    from app.services.forms import create_form

    app = create_app()
    with app.app_context():
        form = create_form(
            {
                "name": "Bench",
                "allowed_origins": ["https://brand.example"],
                "rate_limit": "1000000/minute",
                "form_rate_limit": "1000000/minute",
            }
        )
        return form.public_key


def main() -> None:
    from intake import free_port
    from network import build_network, lead_bodies, prepare_database

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--network", choices=("dense", "sparse"), default="dense")
    args = parser.parse_args()

    count = args.leads + WARM_UP
    dealers = build_network(args.network)
    bodies = lead_bodies(args.network, 2 * count, dealers)
    workdir = Path(tempfile.mkdtemp(prefix="leadrelay-form-bench-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    os.environ["SECRET_KEY"] = "form-post-bench"
    prepare_database(database_url, args.network, history=0)
    form_key = create_bench_form(database_url)
    print(f"network: {args.network}, {len(dealers):,} dealers; form {form_key}")

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RELAY_WORKER": "0",
        # The bench posts at once; a person needs seconds (the spam filter's minimum).
        "RELAY_FORM_MIN_FILL_SECONDS": "0",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            "1",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        measure_form_posts(connection, form_key, bodies[:count])
        measure_form_key_posts(connection, form_key, bodies[count:])
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
