"""SQLite: writers wait for the database's one write lock in a queue, not in a sleep loop.

SQLite lets one transaction write at a time. A connection that finds the write lock
taken calls its busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries,
however soon the lock comes free: with two gunicorn processes (and their threads and
worker threads) writing a few milliseconds per lead, the waiting one mostly sleeps
past the moment it could have gone on, and the CPUs idle while leads queue.

So every connection to a database file first takes an exclusive flock(2) on a lock file
beside it (`<database>-writer.lock`) when it begins a write transaction, and lets it go
when the transaction ends (commit, rollback, close; the kernel drops it when a process
dies). Writers thus take turns through the kernel and go on within a fraction of a
millisecond of the lock coming free. It is only a queue in front of SQLite's own lock:
reads never take it, a writer that does not use it (the sqlite3 shell, a migration's
DDL) is still kept out by SQLite itself, and a connection that has waited
WAIT_SECONDS for the queue goes on to SQLite's busy handler as before (whose
busy_timeout then decides), so nothing waits forever on a lock file.
"""

import fcntl
import os
import sqlite3
import time

# Statements that begin a write transaction in Python's sqlite3 (legacy transaction
# control, which SQLAlchemy uses: reads run outside a transaction, and the module
# issues BEGIN before the first of these).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
WAIT_SECONDS = 10.0  # as long as the busy_timeout (app/__init__.py)
_POLL_SECONDS = 0.0002


class QueuedWritersConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions queue on the database's lock file."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._queue: int | None = _open_lock_file(database)
        self._holding = False

    def cursor(self, factory=None):
        return super().cursor(factory or QueuedWritersCursor)

    # The connection's own shortcuts run their statement in C on a plain cursor, past
    # QueuedWritersCursor.execute: route them through a queued cursor too.
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def before_statement(self, sql: str) -> None:
        """Take the queue's lock before the statement that begins a write transaction."""
        if self._queue is None or self._holding or self.in_transaction:
            return
        if sql.lstrip()[:7].upper().startswith(_WRITES):
            self._holding = _lock(self._queue)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()
            if self._queue is not None:
                os.close(self._queue)
                self._queue = None

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            fcntl.flock(self._queue, fcntl.LOCK_UN)


class QueuedWritersCursor(sqlite3.Cursor):
    """Tells its connection about each statement before running it."""

    def execute(self, sql, parameters=(), /):
        self.connection.before_statement(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        self.connection.before_statement(sql)
        return super().executemany(sql, seq_of_parameters)


def _open_lock_file(database) -> int | None:
    """The lock file's descriptor for a database file; None for memory and URI databases."""
    name = os.fspath(database)
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return os.open(f"{name}-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _lock(descriptor: int) -> bool:
    """Take the lock, waiting at most WAIT_SECONDS; False if it was not had in that time.

    Polled rather than a blocking flock so that the wait is bounded; each try is one
    system call, and the sleep between tries is 0.2 ms (SQLite's first is 1 ms).
    """
    deadline = None
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            now = time.monotonic()
            if deadline is None:
                deadline = now + WAIT_SECONDS
            elif now >= deadline:
                return False
            time.sleep(_POLL_SECONDS)


def engine_options(options: dict, database_uri: str) -> dict:
    """The engine options with this connection class for a SQLite database file."""
    if not database_uri.startswith("sqlite") or ":memory:" in database_uri:
        return options
    connect_args = {**options.get("connect_args", {}), "factory": QueuedWritersConnection}
    return {**options, "connect_args": connect_args}
