"""SQLite writers queue on a lock file beside the database instead of SQLite's sleep loop."""

import sqlite3
import threading

import pytest

from app import sqlite_writers
from app.sqlite_writers import QueuedWritersConnection


def _connect(path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, factory=QueuedWritersConnection, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=10000")
    return connection


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "queue.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE rows (n INTEGER)")
    return path


def test_a_second_writer_waits_in_the_queue_not_in_sqlites_busy_handler(database):
    first, second = _connect(database), _connect(database)
    # No busy handler at all: had the second writer reached SQLite's lock while the first
    # held it, SQLite would refuse at once ("database is locked"). It waits in the queue
    # instead and goes on when the first commits (no timing asserted: CI may be loaded).
    second.execute("PRAGMA busy_timeout=0")
    first.execute("INSERT INTO rows VALUES (1)")  # holds the write transaction and the queue
    outcome = []

    def write():
        try:
            second.execute("INSERT INTO rows VALUES (2)")
            second.commit()
            outcome.append("written")
        except sqlite3.OperationalError as error:
            outcome.append(str(error))

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=0.2)
    assert outcome == []  # still waiting for the first writer
    first.commit()
    writer.join(timeout=10)
    assert outcome == ["written"]
    assert sorted(n for (n,) in first.execute("SELECT n FROM rows")) == [1, 2]
    first.close()
    second.close()


def test_reads_do_not_queue(database):
    writer, reader = _connect(database), _connect(database)
    writer.execute("INSERT INTO rows VALUES (1)")
    assert reader.execute("SELECT count(*) FROM rows").fetchone() == (0,)  # at once
    writer.rollback()
    reader.execute("INSERT INTO rows VALUES (2)")  # the rollback let the queue go
    reader.commit()
    writer.close()
    reader.close()


def test_a_queue_held_too_long_leaves_the_wait_to_sqlite(database, monkeypatch):
    """Nothing waits forever on the lock file: after WAIT_SECONDS SQLite decides."""
    monkeypatch.setattr(sqlite_writers, "WAIT_SECONDS", 0.05)
    holder = open(f"{database}-writer.lock", "a+")  # noqa: SIM115 - held across the test
    sqlite_writers.fcntl.flock(holder, sqlite_writers.fcntl.LOCK_EX)
    connection = _connect(database)
    connection.execute("INSERT INTO rows VALUES (1)")  # SQLite's own lock is free
    connection.commit()
    holder.close()
    assert connection.execute("SELECT count(*) FROM rows").fetchone() == (1,)
    connection.close()


def test_the_apps_sqlite_connections_queue_and_keep_their_pragmas(app, database_uri):
    from app.extensions import db

    if not database_uri.startswith("sqlite"):
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert isinstance(connection.connection.driver_connection, QueuedWritersConnection)
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA busy_timeout").scalar() == 10_000
        assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert pragma("PRAGMA foreign_keys").scalar() == 1
