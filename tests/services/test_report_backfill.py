"""The reporting tables' migration backfills the offers that exist before it."""

import os

from app import create_app
from app.extensions import db
from app.services import reports
from tests import conftest
from tests.crash.harness import flask_cli
from tests.report_fixture import build_report_fixture

BEFORE_REPORT_TABLES = "58242ef1e412"  # tiers, the revision before report_facts


def test_the_migration_backfills_existing_offers(tmp_path):
    uri = f"sqlite:///{tmp_path / 'migrated.db'}"
    env = {**os.environ, "DATABASE_URL": uri}
    flask_cli(env, "db", "upgrade")
    app = create_app(conftest.TestConfig(uri))
    with app.app_context():
        build_report_fixture(backfill=False)
        db.session.remove()
        db.engine.dispose()
        # Back to the schema before the reporting tables (later migrations come off too,
        # and their columns), the leads and offers staying; then forward again.
        flask_cli(env, "db", "downgrade", BEFORE_REPORT_TABLES)
        flask_cli(env, "db", "upgrade")
        by_dealer = {item["dealer"]: item for item in reports.report("dealers")}
        # All time, by hand (tests/api/test_reports_api.py): A made 4 offers (L1 declined,
        # L2 accepted, L3 expired, L5 accepted and won 9999), B made 3 (two won).
        assert (by_dealer["D-A"]["offers"], by_dealer["D-A"]["won"]) == (4, 1)
        assert by_dealer["D-A"]["order_value"] == 9999.0
        assert (by_dealer["D-B"]["offers"], by_dealer["D-B"]["won"]) == (3, 2)
        assert by_dealer["D-B"]["order_value"] == 1500.5
        assert {item["product_group"] for item in reports.report("product-groups")} == {
            "mowers",
            "tractors",
        }
        db.session.remove()
        db.engine.dispose()
