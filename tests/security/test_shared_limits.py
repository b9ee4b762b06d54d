"""Rate limits hold across processes: two gunicorn workers, one real redis-server."""

import http.client
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app import create_app
from app.extensions import db
from app.models import FormKey
from tests import conftest
from tests.crash.harness import Server, relay_env
from tests.factories import lead_body, make_dealer
from tests.redis_server import RedisServer, RedisUnavailable

LIMIT = 6


@pytest.fixture
def redis_server():
    try:
        server = RedisServer().start()
    except RedisUnavailable as error:
        pytest.skip(str(error))
    yield server
    server.stop()


@pytest.fixture
def database_file(tmp_path):
    """A SQLite file with the schema, a dealer, and a form key limited to LIMIT a minute."""
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    app = create_app(conftest.TestConfig(uri))
    with app.app_context():
        db.create_all()
        make_dealer("D-BER-1")
        db.session.add(FormKey(name="site", public_key="pk_shared", rate_limit=f"{LIMIT}/minute"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return uri


def _submit(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    return _send(connection)


def _send(connection: http.client.HTTPConnection) -> int:
    try:
        connection.request(
            "POST",
            "/api/v1/leads",
            body=json.dumps(lead_body()),
            headers={"Content-Type": "application/json", "X-Form-Key": "pk_shared"},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_form_key_limit_holds_across_two_gunicorn_workers(tmp_path, redis_server, database_file):
    access_log = tmp_path / "access.log"
    env = relay_env(
        database_file,
        RATELIMIT_STORAGE_URI=redis_server.url,
        RELAY_WORKER="0",
        RELAY_ACCESS_LOG=str(access_log),
        GUNICORN_CMD_ARGS="--access-logformat '%(p)s %(s)s %(U)s'",
    )
    server = Server(env, tmp_path / "server.log", workers=2, threads=1).start()
    try:
        # A sync worker serves one connection at a time: while one worker waits on a
        # connection that has sent nothing yet, the next submissions reach the other one.
        # (Left to the kernel, one idle worker may take every connection on a quiet machine.)
        held = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        held.connect()
        time.sleep(0.3)
        statuses = [_submit(server.port) for _ in range(LIMIT // 2)]
        statuses.append(_send(held))
        # Waves of parallel submissions until both workers have served some.
        for _ in range(10):
            with ThreadPoolExecutor(max_workers=6) as pool:
                statuses += list(pool.map(lambda _: _submit(server.port), range(6)))
            lines = [
                line.split()
                for line in access_log.read_text().splitlines()
                if "/api/v1/leads" in line
            ]
            if len({pid for pid, _, _ in lines}) == 2 and len(statuses) >= 2 * LIMIT:
                break
    finally:
        server.stop()
    pids = {pid for pid, _, _ in lines}
    assert len(pids) == 2, "both workers must have served submissions"
    assert statuses.count(201) == LIMIT, statuses
    assert set(statuses) == {201, 429}


def test_limits_fall_back_to_process_counters_when_redis_is_gone(database_uri):
    """A stopped Redis slows nothing down and fails nothing: limits count per process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    config = conftest.TestConfig(database_uri)
    config.RATELIMIT_STORAGE_URI = f"redis://127.0.0.1:{dead_port}"
    app = create_app(config)
    app.test_client_class = conftest.FreshContextClient
    with app.app_context():
        db.create_all()
        make_dealer("D-BER-1")
        db.session.add(FormKey(name="site", public_key="pk_fallback", rate_limit="2/minute"))
        db.session.commit()
        client = app.test_client()
        headers = {"X-Form-Key": "pk_fallback"}
        statuses = [
            client.post("/api/v1/leads", json=lead_body(), headers=headers).status_code
            for _ in range(3)
        ]
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    assert statuses == [201, 201, 429]
