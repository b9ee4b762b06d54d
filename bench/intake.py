"""POST /api/v1/leads end to end on SQLite with the 10,000-dealer network of bench/routing.py.

A real gunicorn server on a temp SQLite file; the client sends leads one after another
over one keep-alive connection and prints p50/p95/p99 of the full request (validation,
geocoding, indexed candidate query, routing, offer, events, outbox, commit).
Goal (issue 3): p50 under 15 ms.

    .venv/bin/python bench/intake.py [--leads 1000] [--dealers 10000]
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from routing import SEED, build_leads, build_network, postal_codes  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_network(database_url: str, dealers) -> str:
    """Insert the dealers and a coordinator in one transaction; return an API token."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["RELAY_WORKER"] = "0"
    from app import create_app
    from app.extensions import db
    from app.models import Dealer, DealerTag
    from app.services.users import create_token, create_user

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        for profile in dealers:
            dealer = Dealer(
                code=profile.code,
                name=f"Dealer {profile.code}",
                tier="dealer",
                postal_code=profile.postal_code,
                country=profile.country,
                lat=profile.lat,
                lon=profile.lon,
                service_radius_km=profile.service_radius_km,
                tags=sorted(profile.tags),
                inventory=sorted(profile.inventory),
                daily_capacity=profile.daily_capacity,
                active=profile.active,
            )
            dealer.tag_rows = [DealerTag(tag=tag) for tag in sorted(profile.tags)]
            db.session.add(dealer)
        db.session.commit()
        user = create_user("bench@example.com", "coordinator", password="bench-password")
        return create_token(user)


def lead_body(lead, rng: random.Random) -> dict:
    """A contract-shaped body for a generated lead, on its real postal code."""
    items = [{"product_group": group, "quantity": 1} for group in lead.product_groups]
    for item, sku in zip(items, lead.skus, strict=False):
        item["sku"] = sku
    body = {
        "customer": {
            "first_name": "Bench",
            "last_name": f"Customer{rng.randint(1, 10**6)}",
            "email": "bench@example.com",
            "company": "Bench GmbH",
        },
        "inquiry_type": lead.inquiry_type,
        "interest_category": lead.interest_category,
        "delivery": lead.delivery,
        "line_items": items,
        "custom_fields": {"campaign_id": "bench"},
        "consent": True,
        "lat": lead.lat,
        "lon": lead.lon,
    }
    if lead.inquiry_type == "b2b":
        body["volume_estimate"] = 2
    if lead.preferred_dealer:
        body["preferred_seller"] = {"dealer": lead.preferred_dealer}
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--dealers", type=int, default=10_000)
    args = parser.parse_args()

    rng = random.Random(SEED)
    codes = {country: postal_codes(country) for country in ("DE", "US")}
    dealers = build_network(rng, args.dealers, codes)
    leads = [lead for lead in build_leads(rng, args.leads + 100, codes, dealers) if lead.lat]
    workdir = Path(tempfile.mkdtemp(prefix="leadrelay-bench-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    started = time.perf_counter()
    token = load_network(database_url, dealers)
    seconds = time.perf_counter() - started
    print(f"network: {len(dealers):,} dealers loaded into SQLite in {seconds:.1f} s")

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "RELAY_WORKER": "0"}
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
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        durations, statuses = [], {}
        for number, lead in enumerate(leads[: args.leads + 50]):
            body = json.dumps(lead_body(lead, rng))
            begin = time.perf_counter()
            connection.request("POST", "/api/v1/leads", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - begin
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if number >= 50:  # the first requests warm caches (postal data, SQL statements)
                durations.append(elapsed * 1000)
        durations.sort()
        quantile = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))]  # noqa: E731
        print(f"POST /api/v1/leads x{len(durations)} (after 50 warm-up), statuses {statuses}")
        print(
            f"  p50 {statistics.median(durations):.2f} ms  p95 {quantile(0.95):.2f} ms  "
            f"p99 {quantile(0.99):.2f} ms  mean {statistics.fmean(durations):.2f} ms"
        )
        # Yardstick from the same run: the cheapest request this server answers.
        floor = []
        for _ in range(300):
            begin = time.perf_counter()
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            floor.append((time.perf_counter() - begin) * 1000)
        print(f"yardstick GET /healthz: p50 {statistics.median(floor):.2f} ms")
        goal = statistics.median(durations) < 15
        print(f"goal p50 < 15 ms: {'met' if goal else 'MISSED'}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
