"""Run LeadRelay for real: the contract's CLI commands, a gunicorn server, JSON over HTTP.

Used by the crash tests and by bench/recycling.py. Everything goes through the outside
contract (environment variables, `flask --app wsgi ...`, the JSON API), as an operator
or an integration would.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def relay_env(database_url: str, **settings) -> dict[str, str]:
    """The process environment for a LeadRelay process on this database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAY_")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="crash-test-secret",
        PYTHONUNBUFFERED="1",
        RATELIMIT_STORAGE_URI="memory://",
    )
    env.update({key: str(value) for key, value in settings.items()})
    return env


def flask_cli(env: dict, *args: str, timeout: float = 60) -> str:
    """Run `flask --app wsgi ARGS` (no worker thread) and return its stdout."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env={**env, "RELAY_WORKER": "0"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def create_token(env: dict, email: str, role: str, dealer: str | None = None) -> str:
    """Create a user with the CLI and return a fresh API token for it."""
    args = ["create-user", email, "--role", role]
    if dealer:
        args += ["--dealer", dealer]
    flask_cli(env, *args)
    return flask_cli(env, "create-token", email).strip().splitlines()[-1]


class Server:
    """`gunicorn wsgi:app` in its own process group, so kill -9 takes every process."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2, threads: int = 1):
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Server:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child process owns it
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "2",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                status, _ = self.request("GET", "/api/v1/openapi.json")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not come up")

    def kill(self) -> None:
        """kill -9 the master and its workers at once, mid-whatever they are doing."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill after a few seconds."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
        self.process = None

    def request(self, method: str, path: str, body=None, token: str | None = None):
        """One HTTP request; returns (status, parsed JSON or None)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            data = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None


def dealer_body(name: str, lon: float, inventory: list[str]) -> dict:
    """A Berlin tractor store, as PUT /api/v1/dealers/{code} takes it."""
    return {
        "name": name,
        "tier": "dealer",
        "parent": None,
        "postal_code": "10115",
        "country": "DE",
        "lat": 52.53,
        "lon": lon,
        "service_radius_km": 100,
        "tags": ["tractors", "store"],
        "inventory": inventory,
        "daily_capacity": None,
        "active": True,
    }


def lead_body(number: int) -> dict:
    """A compact-tractor inquiry from Berlin, as POST /api/v1/leads takes it."""
    return {
        "customer": {"first_name": "Eva", "last_name": f"Crash{number}", "email": "e@example.com"},
        "inquiry_type": "b2c",
        "interest_category": "new",
        "postal_code": "10117",
        "country": "DE",
        "delivery": "pickup",
        "line_items": [{"sku": "TR-500", "product_group": "tractors"}],
        "consent": True,
    }
