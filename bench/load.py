"""Throughput under load: the app under gunicorn (2 workers) on SQLite and PostgreSQL, wrk.

For each database: issue 9's dense network of 10,000 dealers (bench/network.py) plus one
store (D-LOAD) that wins every generated lead, then wrk drives, from its own process over loopback:

- the dealer inbox page (GET /inbox, signed in, about 25 leads in it),
- lead intake (POST /api/v1/leads with a coordinator token, routed against 10,000 dealers),
- accept (POST /api/v1/leads/{id}/accept, each request a different pending lead).

A bare Flask "hello" under the same gunicorn settings, in the same run, is the yardstick.
Each line prints req/s and p50/p99 latency; any non-2xx answer or socket error fails the
run (exit status 1).

    .venv/bin/python bench/load.py [--seconds 10] [--connections 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from network import prepare_database  # noqa: E402

WORKERS = 2
TARGET = {"code": "D-LOAD", "lat": 52.5200, "lon": 13.4050, "sku": "LOAD-1"}
DONE_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, errors))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lead_body(number: int) -> dict:
    """An inquiry at D-LOAD's door for its own SKU: it always wins the ranking."""
    return {
        "customer": {
            "first_name": "Load",
            "last_name": f"Customer{number}",
            "email": "load@example.com",
            "phone": "+49 30 1234567",
        },
        "inquiry_type": "b2c",
        "interest_category": "new",
        "country": "DE",
        "postal_code": "10178",
        "lat": TARGET["lat"],
        "lon": TARGET["lon"],
        "delivery": "pickup",
        "message": "Load test inquiry",
        "line_items": [{"sku": TARGET["sku"], "product_group": "tractors", "quantity": 1}],
        "custom_fields": {"campaign_id": "load"},
        "consent": True,
    }


def load_network(database_url: str) -> dict:
    """Schema, the dense network (as bench/intake.py loads it), D-LOAD and its salesperson."""
    coordinator_token = prepare_database(database_url, "dense", history=0)
    # The app below adds D-LOAD in this process: to this database, without a worker thread.
    os.environ.update(DATABASE_URL=database_url, RELAY_WORKER="0")
    from app import create_app
    from app.extensions import db
    from app.services.dealers import save_dealer
    from app.services.users import create_token, create_user

    app = create_app()
    with app.app_context():
        save_dealer(
            TARGET["code"],
            {
                "name": "Load Test Store",
                "postal_code": "10178",
                "country": "DE",
                "lat": TARGET["lat"],
                "lon": TARGET["lon"],
                "service_radius_km": 100,
                "tags": ["tractors", "store", "online", "b2b", "service"],
                "inventory": [TARGET["sku"]],
            },
        )
        seller = create_user(
            "load-sales@example.com", "salesperson", TARGET["code"], "load-pass-2026"
        )
        tokens = {"coordinator": coordinator_token, "seller": create_token(seller)}
        db.session.remove()
        db.engine.dispose()
    return tokens


def pending_leads(database_url: str) -> list[str]:
    """Ids of the leads with a pending offer to D-LOAD."""
    os.environ["DATABASE_URL"] = database_url
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Dealer, Offer

    app = create_app()
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(Offer.lead_id)
                .join(Dealer, Dealer.id == Offer.dealer_id)
                .where(Dealer.code == TARGET["code"], Offer.status == "pending")
                .order_by(Offer.id)
            )
        )
        db.session.remove()
        db.engine.dispose()
    return ids


class Gunicorn:
    """gunicorn with gunicorn.conf.py, 2 sync workers, no access log: the same for both apps."""

    def __init__(self, app_spec: str, env: dict, log: Path, extra: tuple[str, ...] = ()):
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--log-level",
                "warning",
                *extra,
                app_spec,
            ],
            cwd=ROOT,
            env={
                **env,
                "WEB_CONCURRENCY": str(WORKERS),
                "RELAY_THREADS": "1",
                "RELAY_BIND": f"127.0.0.1:{self.port}",
                "RELAY_ACCESS_LOG": "",
            },
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", path)
                if connection.getresponse().status < 500:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not come up")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=10)


def wrk(port: int, script: str, seconds: float, connections: int, workdir: Path) -> dict:
    """Run wrk with a Lua script; returns requests/s, p50/p99 ms and the error counts."""
    path = workdir / f"script-{time.monotonic_ns()}.lua"
    path.write_text(script + DONE_SCRIPT)
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(path),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+) (\d+)", output)
    if not match:
        raise RuntimeError(f"wrk said:\n{output}")
    requests, micros, p50, p99, status_errors, socket_errors = match.groups()
    return {
        "rps": int(requests) / (int(micros) / 1e6),
        "requests": int(requests),
        "p50": float(p50),
        "p99": float(p99),
        "errors": int(status_errors) + int(socket_errors),
    }


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def sign_in(port: int) -> str:
    """Sign the salesperson in through the form; returns the Cookie header to send."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login")
    page = connection.getresponse()
    html = page.read().decode()
    cookie = page.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    form = f"email=load-sales%40example.com&password=load-pass-2026&csrf_token={token}"
    connection.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    answer = connection.getresponse()
    answer.read()
    if answer.status != 302:
        raise RuntimeError(f"sign-in answered {answer.status}")
    return answer.getheader("Set-Cookie").split(";")[0]


def post_leads(port: int, token: str, count: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for number in range(count):
        connection.request(
            "POST",
            "/api/v1/leads",
            body=json.dumps(lead_body(number)),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        answer = connection.getresponse()
        answer.read()
        if answer.status != 201:
            raise RuntimeError(f"warm-up lead answered {answer.status}")


def run_app(label: str, database_url: str, args, workdir: Path) -> list[tuple[str, dict]]:
    started = time.perf_counter()
    tokens = load_network(database_url)
    print(f"{label}: the dense network loaded in {time.perf_counter() - started:.1f} s")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RELAY_WORKER": "1",
        "SECRET_KEY": "load-bench-secret",
    }
    server = Gunicorn("wsgi:app", env, workdir / f"{label}.log")
    results = []
    try:
        server.wait_ready("/healthz")
        post_leads(server.port, tokens["coordinator"], 25)  # the inbox page shows these
        cookie = sign_in(server.port)
        inbox = f'wrk.method = "GET"\nwrk.path = "/inbox"\nwrk.headers["Cookie"] = "{cookie}"\n'
        results.append(
            ("dealer inbox page", wrk(server.port, inbox, args.seconds, args.connections, workdir))
        )
        intake = (
            'wrk.method = "POST"\nwrk.path = "/api/v1/leads"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {tokens["coordinator"]}"\n'
            f"wrk.body = {lua_string(json.dumps(lead_body(0)))}\n"
        )
        intake_result = wrk(server.port, intake, args.seconds, args.connections, workdir)
        results.append(("lead intake, dense network", intake_result))
        ids = pending_leads(database_url)
        # Each accept needs its own pending lead: run only as long as they last (with room).
        seconds = min(args.seconds, max(1.0, len(ids) / (3 * max(intake_result["rps"], 1))))
        accept = (
            "local ids = {" + ",".join(f'"{lead}"' for lead in ids) + "}\n"
            "local next_index = 0\n"
            "request = function()\n"
            "  next_index = next_index + 1\n"
            "  local lead = ids[((next_index - 1) % #ids) + 1]\n"
            '  return wrk.format("POST", "/api/v1/leads/" .. lead .. "/accept",\n'
            f'    {{["Authorization"] = "Bearer {tokens["seller"]}"}}, "")\n'
            "end\n"
        )
        accept_result = wrk(server.port, accept, seconds, args.connections, workdir)
        if accept_result["requests"] > len(ids):
            raise RuntimeError("accept ran out of pending leads; lower --seconds")
        results.append((f"accept ({len(ids)} pending leads)", accept_result))
    finally:
        server.stop()
    return results


def run_hello(args, workdir: Path) -> dict:
    server = Gunicorn(
        "hello_app:app",
        dict(os.environ),
        workdir / "hello.log",
        ("--pythonpath", str(ROOT / "bench")),
    )
    try:
        server.wait_ready("/")
        script = 'wrk.method = "GET"\nwrk.path = "/"\n'
        return wrk(server.port, script, args.seconds, args.connections, workdir)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: make system-deps")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="leadrelay-load-"))
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs; gunicorn {WORKERS} sync workers; "
        f"wrk -t1 -c{args.connections} -d{args.seconds:g}s over loopback"
    )
    table: list[tuple[str, str, dict]] = []
    table.append(("yardstick", "bare Flask hello", run_hello(args, workdir)))
    table += [
        ("SQLite", name, result)
        for name, result in run_app("SQLite", f"sqlite:///{workdir / 'load.db'}", args, workdir)
    ]
    if not args.skip_postgres:
        from tests.pg.server import PostgresServer, PostgresUnavailable

        try:
            postgres = PostgresServer().start()
        except PostgresUnavailable as error:
            print(f"PostgreSQL skipped: {error}")
        else:
            try:
                url = postgres.url(postgres.create_database())
                table += [
                    ("PostgreSQL", name, result)
                    for name, result in run_app("PostgreSQL", url, args, workdir)
                ]
            finally:
                postgres.stop()
    hello = table[0][2]["rps"]
    print()
    print(
        f"{'database':<11} {'request':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'vs hello':>9} {'errors':>7}"
    )
    failed = False
    for database, name, result in table:
        failed |= result["errors"] > 0
        print(
            f"{database:<11} {name:<34} {result['rps']:>8.0f} {result['p50']:>8.2f} "
            f"{result['p99']:>8.2f} {result['rps'] / hello:>8.1%} {result['errors']:>7}"
        )
    if failed:
        print("ERRORS under load: see the logs in", workdir)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
