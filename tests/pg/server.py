"""A throwaway PostgreSQL server for the test suite and the benchmarks.

Debian's `postgresql-15` binaries (`initdb`, `pg_ctl`) run a private cluster in a
temp dir on a free local port, with durability off (fsync, full-page writes and
synchronous commit): nothing here must survive the session. `initdb` refuses to run
as root, so as root the cluster belongs to the `postgres` user (`runuser`). Each
test gets its own database, created from a template that already holds the schema.

Set RELAY_PG_BIN to use other binaries; without them the PostgreSQL tests skip.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("RELAY_PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
    "-c synchronous_commit=off -c max_connections=200 -c shared_buffers=64MB"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries to run a server with."""


class PostgresServer:
    """One private PostgreSQL cluster: start it, make databases, stop it."""

    def __init__(self, bin_dir: Path = PG_BIN):
        if not (bin_dir / "pg_ctl").exists() or not (bin_dir / "initdb").exists():
            raise PostgresUnavailable(f"no initdb/pg_ctl in {bin_dir}")
        self.bin_dir = bin_dir
        self.root: Path | None = None
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._names = itertools.count(1)
        self._template: str | None = None
        self.kept = False

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def start(self, keep_in: Path | None = None) -> PostgresServer:
        """initdb a new cluster in a temp dir and start it on a free port (about 1.5 s).

        With `keep_in` (a benchmark's big data set) the cluster lives in that folder and
        outlives `stop`: a later start reuses it instead of making a new one.
        """
        started = time.perf_counter()
        self.kept = keep_in is not None
        if keep_in is not None:
            keep_in.mkdir(parents=True, exist_ok=True)
            self.root = keep_in
        else:
            self.root = Path(tempfile.mkdtemp(prefix="leadrelay-pg-"))
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
        for attempt in range(5):
            self.port = _free_port()
            try:
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    "30",
                    "-l",
                    str(self.root / "server.log"),
                    "-o",
                    f"-p {self.port} -k {self.root} {SERVER_SETTINGS}",
                    "start",
                )
                break
            except subprocess.CalledProcessError:
                if attempt == 4:
                    raise
        self.startup_seconds = time.perf_counter() - started
        atexit.register(self.stop)  # a script that dies on an error still stops its server
        return self

    def stop(self) -> None:
        """Stop the server at once and delete its files (a kept cluster: stop it cleanly)."""
        if self.root is None:
            return
        mode = "fast" if self.kept else "immediate"
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        if not self.kept:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of one database of this server (psycopg 3)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement on the maintenance database, outside a transaction."""
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as connection:
            connection.execute(sql)

    def create_database(self, template: str | None = None) -> str:
        """A new, empty (or template-copied) database; returns its name."""
        name = f"t{os.getpid()}_{next(self._names)}"
        clause = f" TEMPLATE {template}" if template else ""
        self.execute(f"CREATE DATABASE {name}{clause}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database even if a killed process left connections to it."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def schema_template(self) -> str:
        """A database holding the app's schema, to copy per test (made once)."""
        if self._template is None:
            from sqlalchemy import create_engine

            import app.models  # noqa: F401  (registers the tables)
            from app.extensions import db

            name = self.create_database()
            engine = create_engine(self.url(name))
            db.metadata.create_all(engine)
            engine.dispose()
            self._template = name
        return self._template

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
