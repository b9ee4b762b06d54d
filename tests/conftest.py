"""Shared fixtures: an app with a fresh database per test, clients, login and tokens."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.clock import set_clock
from app.extensions import db as _db
from app.services.users import create_token, create_user
from tests import hypothesis_profiles  # noqa: F401  (loads quick or thorough)


class TestConfig:
    """Settings for tests: a throwaway database, no worker thread, fast hashing."""

    TESTING = True
    SECRET_KEY = "test-secret"
    RELAY_OFFER_SLA_SECONDS = 3600
    RELAY_WORKER_INTERVAL = 0.05
    RELAY_WORKER = False
    RELAY_REMINDER_FRACTION = 0.5
    RELAY_ALLOW_PRIVATE_ENDPOINTS = True
    MAX_CONTENT_LENGTH = 256 * 1024
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_TIME_LIMIT = None
    VAPID_SUBJECT = "mailto:test@leadrelay.invalid"

    def __init__(self, database_uri: str):
        self.SQLALCHEMY_DATABASE_URI = database_uri


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: fresh `g` and session.

    Without this, requests would reuse the fixture's long-lived app context and
    share Flask-Login's cached user and the database session with the test.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "both_databases: run the test on SQLite and again on a throwaway PostgreSQL server",
    )


def pytest_generate_tests(metafunc):
    """Tests marked `both_databases` run once per database: test[sqlite], test[postgresql]."""
    if "database_uri" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("database_uri", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def postgres_server():
    """One private PostgreSQL server for the whole session (tests/pg/server.py), on first use."""
    from tests.pg.server import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL is not installed here: {error}")
    yield server
    server.stop()


@pytest.fixture
def pg_database_uri(postgres_server):
    """A fresh PostgreSQL database holding the schema, dropped after the test."""
    name = postgres_server.create_database(template=postgres_server.schema_template())
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture
def database_uri(request, tmp_path):
    """SQLite in a temp dir by default; PostgreSQL for the `postgresql` parameter."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return request.getfixturevalue("pg_database_uri")
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app(database_uri):
    """The application with a freshly created schema."""
    app = create_app(TestConfig(database_uri))
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def clock():
    """Inject a controllable clock into services and the worker."""
    fake = FakeClock()
    set_clock(fake)
    yield fake
    set_clock(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def htmx_client(app):
    """A client whose requests look like htmx's (HX-Request: true)."""
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


class AuthActions:
    """Sign in and out through the real login form (CSRF included)."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = "password-123"):
        page = self.client.get("/login")
        token = csrf_token_in(page.get_data(as_text=True))
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        page = self.client.get("/", follow_redirects=True)
        return self.client.post(
            "/logout", data={"csrf_token": csrf_token_in(page.get_data(as_text=True))}
        )


@pytest.fixture
def auth(client):
    return AuthActions(client)


def csrf_token_in(html: str) -> str:
    """The CSRF token a rendered page carries."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "page carries no CSRF token"
    return match.group(1)


class Api:
    """JSON calls with a bearer token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        base = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**base, **(headers or {})}

    def get(self, url, headers=None, **kwargs):
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url, json=None, headers=None, **kwargs):
        return self.client.post(url, json=json, headers=self._headers(headers), **kwargs)

    def put(self, url, json=None, headers=None, **kwargs):
        return self.client.put(url, json=json, headers=self._headers(headers), **kwargs)


@pytest.fixture
def coordinator(app):
    return create_user("oem@example.com", "coordinator", password="password-123")


@pytest.fixture
def oem(client, coordinator):
    """API client with a coordinator token."""
    return Api(client, create_token(coordinator))


@pytest.fixture
def dealer_api(client):
    """Factory: an API client for a new user of the given dealer."""

    def make(dealer_code: str, role: str = "salesperson") -> Api:
        user = create_user(
            f"{role}.{dealer_code.lower()}@example.com", role, dealer_code, "password-123"
        )
        return Api(client, create_token(user))

    return make
