"""kill -9 a real server while its workers recycle leads; restart; nothing is lost.

gunicorn with two workers, each running the recycling thread, on one SQLite file.
Leads get two-second deadlines and three dealers, so each one expires twice and then
lands in the OEM queue. The whole process group is killed with SIGKILL at random
moments of that churn, five times, and restarted on the same database.
"""

import random
import sqlite3
import time
from collections import Counter

from tests.crash.harness import Server, create_token, dealer_body, flask_cli, lead_body, relay_env

DEALERS = {"D1": 13.38, "D2": 13.30, "D3": 13.20}  # tried in this order (distance)
LEADS = 60
SLA_SECONDS = 2
KILLS = 5


def test_kill_9_mid_run_loses_no_lead(tmp_path):
    database = tmp_path / "crash.db"
    env = relay_env(
        f"sqlite:///{database}",
        RELAY_WORKER="1",
        RELAY_WORKER_INTERVAL="0.1",
        RELAY_OFFER_SLA_SECONDS=str(SLA_SECONDS),
    )
    flask_cli(env, "db", "upgrade")
    token = create_token(env, "oem@example.com", "coordinator")
    log = tmp_path / "server.log"
    server = Server(env, log).start()
    try:
        for code, lon in DEALERS.items():
            status, _ = server.request(
                "PUT",
                f"/api/v1/dealers/{code}",
                dealer_body(code, lon, ["TR-500"] if code == "D1" else []),
                token,
            )
            assert status in (200, 201)
        lead_ids = []
        for number in range(LEADS):
            status, lead = server.request("POST", "/api/v1/leads", lead_body(number), token)
            assert status == 201, lead
            assert lead["dealer"] == "D1"
            lead_ids.append(lead["id"])

        chance = random.Random()
        kills = 0
        for _ in range(KILLS):
            # A (re)start takes about as long as a deadline, so each new server meets a
            # wave of overdue offers at its first passes: kill it in the middle of that.
            time.sleep(chance.uniform(0.05, 0.6))
            server.kill()
            kills += 1
            server = Server(env, log).start()

        _wait_until_all_unassigned(database, lead_ids, timeout=60)
    finally:
        server.stop()

    assert kills == KILLS
    with sqlite3.connect(database) as connection:
        offers = connection.execute(
            "SELECT lead_id, dealers.code, offers.status FROM offers "
            "JOIN dealers ON dealers.id = offers.dealer_id ORDER BY offers.id"
        ).fetchall()
        events = Counter(connection.execute("SELECT lead_id, kind FROM lead_events").fetchall())
        unassigned_notices = Counter(
            lead_id
            for (lead_id,) in connection.execute(
                "SELECT lead_id FROM notifications WHERE kind = 'unassigned'"
            )
        )
    by_lead: dict[str, list[tuple[str, str]]] = {}
    for lead_id, code, status in offers:
        by_lead.setdefault(lead_id, []).append((code, status))
    for lead_id in lead_ids:
        # Offered to every dealer exactly once, in routing order; each offer expired.
        assert by_lead[lead_id] == [("D1", "expired"), ("D2", "expired"), ("D3", "expired")]
        assert events[(lead_id, "expired")] == 3
        assert events[(lead_id, "offered")] == 3
        assert events[(lead_id, "unassigned")] == 1
        assert unassigned_notices[lead_id] == 1  # the coordinator was told, once


def _wait_until_all_unassigned(database, lead_ids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(database, timeout=10) as connection:
            statuses = Counter(
                status for (status,) in connection.execute("SELECT status FROM leads").fetchall()
            )
        if statuses == {"unassigned": len(lead_ids)}:
            return
        time.sleep(0.2)
    raise AssertionError(f"leads still not unassigned: {statuses}")
