"""A throwaway redis-server (Debian's) on a free port, for the shared rate-limit test.

Like tests/pg: nothing persists (`--save ''`, no AOF), it listens on 127.0.0.1 only,
and it is stopped by its own PID. Without the binary the tests that need it skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time


class RedisUnavailable(RuntimeError):
    """No redis-server binary here."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """Start, ping and stop one private redis-server."""

    def __init__(self):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not shutil.which(self.binary):
            raise RedisUnavailable("redis-server is not installed (make system-deps)")
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10) -> RedisServer:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if self.process.poll() is not None:
                raise RedisUnavailable("redis-server exited at start")
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailable("redis-server did not answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
