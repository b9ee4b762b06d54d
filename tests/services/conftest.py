"""Fixtures for the service tests: a small dealer network, leads and their offers."""

import pytest

from app import create_app
from app.extensions import db
from app.services.users import create_user
from tests import conftest
from tests.factories import make_dealer


@pytest.fixture
def other_process(database_uri):
    """A second app on the same database, as another server process would be: it has
    its own copies of what processes cache, and shares nothing but the database."""
    other = create_app(conftest.TestConfig(database_uri))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def network(app):
    """Three Berlin stores selling tractors, tried in this order: D1, D2, D3.

    D1 carries the lead's SKU and sits nearest; D2 is next; D3 is farthest.
    """
    dealers = [
        make_dealer("D1", name="Mitte", lat=52.532, lon=13.384, inventory=["TR-500"]),
        make_dealer("D2", name="Spandau", lat=52.535, lon=13.197, inventory=[]),
        make_dealer("D3", name="Potsdam", lat=52.39, lon=13.06, inventory=[]),
    ]
    for dealer in dealers:
        dealer.daily_capacity = None
        create_user(f"sales@{dealer.code.lower()}.example", "salesperson", dealer.code)
    create_user("oem@example.com", "coordinator")
    db.session.commit()
    return {dealer.code: dealer for dealer in dealers}
