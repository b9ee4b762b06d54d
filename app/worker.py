"""The recycling worker: a loop over database state, holding none of its own.

Each pass expires overdue offers and hands their leads on; every transition is its
own short transaction, so a crash at any instant leaves the old state or the new.
"""

import logging
import threading

from flask import Flask

from app.extensions import db
from app.services import offers

log = logging.getLogger(__name__)


def run_pass(app: Flask) -> dict:
    """One pass; returns what it did."""
    with app.app_context():
        try:
            expired = offers.expire_overdue_offers()
            return {"expired": expired}
        finally:
            db.session.remove()


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """Run passes every RELAY_WORKER_INTERVAL seconds until `stop` is set."""
    interval = float(app.config.get("RELAY_WORKER_INTERVAL", 1))
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            run_pass(app)
        except Exception:  # a bad pass must not kill the loop; the next one retries
            log.exception("worker pass failed")
        stop.wait(interval)


def start_in_background(app: Flask) -> threading.Thread:
    """Start the worker as a daemon thread of this web process."""
    thread = threading.Thread(target=run_forever, args=(app,), name="relay-worker", daemon=True)
    thread.start()
    return thread
