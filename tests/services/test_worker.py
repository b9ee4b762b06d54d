"""The worker loop: the order of a pass, surviving a broken database, forked processes."""

import logging
import os
import threading
import time

import pytest

from app import create_app, worker
from app.extensions import db
from app.services import push_delivery
from tests import conftest
from tests.factories import make_dealer
from tests.services.helpers import new_lead, notifications, offers_of


def test_a_pass_expires_then_reminds_then_delivers(app, network, clock, monkeypatch):
    overdue = new_lead()  # D1 until 60 min, reminder at 30 min
    clock.advance(minutes=40)
    halfway = new_lead()  # D1 until 100 min, reminder at 70 min
    clock.advance(minutes=30)
    seen = {}

    def deliver_due_notifications():
        # Called last: this pass's new offers and reminders are already in the outbox.
        seen["offers"] = offers_of(overdue.id)
        seen["reminders"] = notifications("reminder", halfway.id)
        return 0

    monkeypatch.setattr(push_delivery, "deliver_due_notifications", deliver_due_notifications)
    done = worker.run_pass(app)
    # The expired offer is not reminded any more; the fresh one to D2 not yet.
    assert done == {
        "expired": 1,
        "withdrawn_absent": 0,
        "reminded": 1,
        "delivered": 0,
        "webhooks_and_mail": 0,
    }
    assert seen == {"offers": [("D1", "expired"), ("D2", "pending")], "reminders": 1}
    assert notifications("reminder", overdue.id) == 0


def test_the_loop_survives_a_broken_database_and_carries_on(tmp_path, clock, caplog):
    config = conftest.TestConfig(f"sqlite:///{tmp_path / 'later.db'}")
    config.RELAY_WORKER_INTERVAL = 0.01
    app = create_app(config)  # no tables yet: every pass fails
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(app, stop), daemon=True)
    with caplog.at_level(logging.INFO, logger="app.worker"):
        thread.start()
        _wait_for(lambda: "worker pass failed" in caplog.text)
        time.sleep(0.2)  # many more failing passes
        assert thread.is_alive()
        assert caplog.text.count("worker pass failed") == 1  # the same failure is logged once
        with app.app_context():
            db.create_all()
            make_dealer("D1", lat=52.532, lon=13.384, inventory=["TR-500"])
            make_dealer("D2", lat=52.535, lon=13.197, inventory=[])
            lead = new_lead()
            clock.advance(hours=1)
            _wait_for(lambda: offers_of(lead.id) == [("D1", "expired"), ("D2", "pending")])
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert "worker pass succeeded again" in caplog.text
    with app.app_context():
        db.engine.dispose()


def test_a_forked_child_runs_its_own_worker_thread(tmp_path):
    config = conftest.TestConfig(f"sqlite:///{tmp_path / 'fork.db'}")
    config.RELAY_WORKER_INTERVAL = 0.02
    app = create_app(config)
    with app.app_context():
        db.create_all()
    worker.start_in_background(app)
    try:
        pid = os.fork()
        if pid == 0:  # the child: like a gunicorn worker forked from a --preload master
            alive = [t for t in threading.enumerate() if t.name == "relay-worker" and t.is_alive()]
            os._exit(0 if len(alive) == 1 else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        worker.stop_background()
        with app.app_context():
            db.engine.dispose()


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    pytest.fail("condition not reached in time")


def test_a_pass_checkpoints_the_sqlite_log_that_requests_leave_to_it(app, network, database_uri):
    """Requests no longer run SQLite's checkpoint (every 1,000 pages by default): the
    worker's pass copies the write-ahead log into the database file."""
    if not database_uri.startswith("sqlite"):
        pytest.skip("the write-ahead log is SQLite's")
    path = database_uri.removeprefix("sqlite:///")
    assert db.session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == (10_000)
    worker.checkpoint()
    before = os.path.getsize(path)
    for _ in range(30):
        new_lead(message="x" * 2000)
    assert os.path.getsize(path) == before  # the new pages wait in the log
    worker.run_pass(app)
    assert os.path.getsize(path) > before
