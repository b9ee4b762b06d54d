"""The recycling worker: a loop over database state, holding none of its own.

Every RELAY_WORKER_INTERVAL seconds a pass expires overdue offers and hands their
leads on, takes offers back from dealers who went away, queues the reminders that
are due, then delivers queued notifications. Each transition is its own short
transaction (app/services/recycling.py), so a crash or kill -9 at any instant leaves
the old state or the new one, and the next pass, in this process or another, carries
on. Several processes may run it at once; they coordinate through the database only.

It runs as a daemon thread in each serving process (RELAY_WORKER=1) or alone in the
foreground (`flask --app wsgi worker`).
"""

import logging
import os
import signal
import threading
import time

from flask import Flask

from app.extensions import db
from app.services import deliveries, push_delivery, recycling

log = logging.getLogger(__name__)


def run_pass(app: Flask, deliver: bool = True) -> dict:
    """One pass over the database; returns how many of each thing it did."""
    with app.app_context():
        try:
            done = {
                "expired": recycling.expire_overdue_offers(),
                "withdrawn_absent": recycling.hand_on_offers_of_absent_dealers(),
                "reminded": recycling.send_due_reminders(),
            }
            # Push delivery talks to push services with no transaction open, after
            # this pass's transitions are committed.
            if deliver:
                done["delivered"] = push_delivery.deliver_due_notifications()
                # Webhooks and dealer e-mails: the same outbox pattern, their own table.
                done["webhooks_and_mail"] = deliveries.deliver_due_deliveries()
            checkpoint()
            return done
        finally:
            db.session.remove()


def checkpoint() -> int:
    """SQLite: copy the write-ahead log back into the database file, as far as no reader
    still needs it (PASSIVE: it waits for nobody, and writers go on meanwhile). Returns
    the pages copied; elsewhere 0. Requests leave this to the worker (app/__init__.py)."""
    if db.engine.dialect.name != "sqlite":
        return 0
    with db.engine.connect() as connection:
        row = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return max(row[2], 0)


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """Run passes every RELAY_WORKER_INTERVAL seconds until `stop` is set.

    A failing pass (the database is down, locked, not migrated yet) is logged and
    retried at the next interval; it never ends the loop or the process.
    """
    interval = float(app.config.get("RELAY_WORKER_INTERVAL", 1))
    stop = stop or threading.Event()
    failures = _FailureLog()
    while not stop.is_set():
        started = time.monotonic()
        try:
            done = run_pass(app)
        except Exception as error:  # noqa: BLE001 - the loop must outlive any pass
            failures.record(error)
        else:
            failures.clear()
            if any(done.values()):
                log.info("worker pass (pid %s): %s", os.getpid(), done)
        # Passes start every `interval` seconds (at once after a pass that took longer),
        # so a busy pass does not stretch the time until the next one looks.
        stop.wait(max(0.0, interval - (time.monotonic() - started)))


def run_in_foreground(app: Flask) -> None:
    """`flask --app wsgi worker`: run passes until Ctrl-C or SIGTERM, logging to stderr.

    On SIGTERM the pass under way finishes first; a kill -9 is safe too, only slower
    to be picked up (the next pass, here or elsewhere, redoes what was rolled back).
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    log.info(
        "recycling worker started (pid %s), a pass every %s s",
        os.getpid(),
        app.config.get("RELAY_WORKER_INTERVAL", 1),
    )
    try:
        run_forever(app, stop)
    except KeyboardInterrupt:
        pass
    log.info("recycling worker stopped (pid %s)", os.getpid())


class _FailureLog:
    """Logs a failing pass with its traceback once, then a line a minute while it lasts."""

    QUIET_SECONDS = 60.0

    def __init__(self) -> None:
        self.last_message: str | None = None
        self.last_logged = 0.0

    def record(self, error: Exception) -> None:
        # The first line only: a database error's later lines carry its changing parameters.
        message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        now = time.monotonic()
        if message != self.last_message:
            log.exception("worker pass failed; retrying every interval")
        elif now - self.last_logged >= self.QUIET_SECONDS:
            log.error("worker pass still failing: %s", message[:300])
        else:
            return
        self.last_message, self.last_logged = message, now

    def clear(self) -> None:
        if self.last_message is not None:
            log.warning("worker pass succeeded again")
        self.last_message = None


# (app, stop event) of each background worker started in this process; a forked
# child starts its own threads for the ones not stopped.
_background: list[tuple[Flask, threading.Event]] = []
_fork_hook_installed = False


def start_in_background(app: Flask) -> threading.Thread:
    """Start the worker as a daemon thread of this process, and again in each forked child.

    `gunicorn wsgi:app` imports the app in every worker process (after the fork), so
    each gets its thread here. With `--preload` the app is built once in the master and
    threads do not survive fork(): the fork hook starts a fresh thread in each child,
    after giving it its own database connections.
    """
    global _fork_hook_installed
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=_restart_after_fork)
        _fork_hook_installed = True
    stop = threading.Event()
    _background.append((app, stop))
    return _start_thread(app, stop)


def stop_background() -> None:
    """Stop this process's background workers after their current pass."""
    while _background:
        _, stop = _background.pop()
        stop.set()


def _start_thread(app: Flask, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(
        target=run_forever, args=(app, stop), name="relay-worker", daemon=True
    )
    thread.start()
    return thread


# Connection pools inherited from the parent across fork(). The child must neither use
# nor close those connections (closing one can end the parent's session or touch its
# SQLite locks), so it keeps them referenced, never garbage collected.
_inherited_pools: list = []


def _restart_after_fork() -> None:
    """In a forked child: set the parent's pooled connections aside, then start the threads."""
    for app, stop in list(_background):
        if stop.is_set():
            continue
        with app.app_context():
            _inherited_pools.append(db.engine.pool)
            db.engine.dispose(close=False)
        _start_thread(app, stop)
