"""Three `flask --app wsgi worker` processes on one PostgreSQL database.

A hundred leads have their offers fall due at the same instant, and every new offer
lasts one second, so each lead goes through all three dealers and ends in the OEM
queue: 300 expiries (and the reminders between them) raced for by three processes
claiming rows with FOR UPDATE SKIP LOCKED. Afterwards each lead was offered to each
dealer exactly once and never had two pending offers (the partial unique index would
have refused one, and a refused transition shows up as a missing hand-on).
"""

import re
import subprocess
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import create_engine, func, select, text, update

from app import create_app
from app.clock import utcnow
from app.extensions import db
from app.models import Lead, LeadEvent, Notification, Offer
from app.services.intake import create_lead
from app.services.users import create_user
from tests import conftest
from tests.crash.harness import BIN, ROOT, flask_cli, relay_env
from tests.factories import lead_body, make_dealer

LEADS = 100
DEALERS = ("D1", "D2", "D3")
PROCESSES = 3


def test_worker_processes_split_the_work_without_duplicates(postgres_server, tmp_path):
    name = postgres_server.create_database()
    url = postgres_server.url(name)
    # The contract's plain postgresql:// URL, migrated by the contract's command.
    env = relay_env(
        url.replace("postgresql+psycopg://", "postgresql://"),
        RELAY_WORKER_INTERVAL="0.05",
        RELAY_OFFER_SLA_SECONDS="1",
    )
    flask_cli(env, "db", "upgrade")
    lead_ids = _leads_all_due_now(url)

    logs = [tmp_path / f"worker{index}.log" for index in range(PROCESSES)]
    workers = []
    for path in logs:
        with open(path, "wb") as log:
            workers.append(
                subprocess.Popen(
                    [str(BIN / "flask"), "--app", "wsgi", "worker"],
                    cwd=ROOT,
                    env={**env, "RELAY_WORKER": "0"},
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            )
    try:
        _wait_until_all_unassigned(url, timeout=120)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=20)

    engine = create_engine(url)
    with engine.connect() as connection:
        pairs = connection.execute(select(Offer.lead_id, Offer.dealer_id, Offer.status)).all()
        events = Counter(connection.execute(select(LeadEvent.lead_id, LeadEvent.kind)).all())
        reminded = Counter(
            detail.get("offer_id")
            for detail in connection.execute(
                select(LeadEvent.detail).where(LeadEvent.kind == "reminded")
            ).scalars()
        )
        told = Counter(
            connection.execute(
                select(Notification.lead_id).where(Notification.kind == "unassigned")
            ).scalars()
        )
        pending = connection.scalar(
            select(func.count()).select_from(Offer).where(Offer.status == "pending")
        )
    engine.dispose()
    postgres_server.drop_database(name)

    assert pending == 0
    assert len(pairs) == LEADS * len(DEALERS)
    per_lead = Counter(lead_id for lead_id, _, _ in pairs)
    assert set(per_lead.values()) == {len(DEALERS)}
    assert len({(lead_id, dealer_id) for lead_id, dealer_id, _ in pairs}) == len(pairs)
    assert {status for _, _, status in pairs} == {"expired"}
    assert set(reminded.values()) <= {1}  # no offer reminded twice
    for lead_id in lead_ids:
        assert events[(lead_id, "expired")] == len(DEALERS)
        assert events[(lead_id, "unassigned")] == 1
        assert told[lead_id] == 1

    # Every process took part: their logs add up to exactly the expiries there were.
    shares = [_expired_in(path.read_text()) for path in logs]
    assert sum(shares) == LEADS * len(DEALERS), shares
    assert sum(1 for share in shares if share > 0) >= 2, shares


def _leads_all_due_now(url: str) -> list[str]:
    """Dealers, a coordinator and the leads, each offered to D1 and overdue as of now."""
    config = conftest.TestConfig(url)
    app = create_app(config)
    with app.app_context():
        for index, code in enumerate(DEALERS):
            make_dealer(code, lat=52.52 + index * 0.02, lon=13.40, daily_capacity=None)
        create_user("oem@example.com", "coordinator")
        lead_ids = [create_lead(lead_body()).id for _ in range(LEADS)]
        db.session.execute(
            update(Offer).values(expires_at=utcnow() - timedelta(seconds=1), remind_at=None)
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Lead)) == LEADS
        db.session.remove()
        db.engine.dispose()
    return lead_ids


def _wait_until_all_unassigned(url: str, timeout: float) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                left = connection.scalar(
                    text("SELECT count(*) FROM leads WHERE status <> 'unassigned'")
                )
            if left == 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"{left} leads not unassigned in time")
    finally:
        engine.dispose()


def _expired_in(log: str) -> int:
    return sum(int(count) for count in re.findall(r"'expired': (\d+)", log))
