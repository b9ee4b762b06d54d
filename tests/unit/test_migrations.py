"""The migrations build the schema the models declare."""

import sqlite3

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests import conftest


def _indexes(path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    return {name for (name,) in rows}


# migrations/env.py is Flask-Migrate's own, which still asks for get_engine; SQLite's
# table rebuilds (batch_alter_table) reflect the table and skip its expression indexes.
@pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_a_migrated_sqlite_database_has_every_index_of_the_models(tmp_path):
    migrated, created = tmp_path / "migrated.db", tmp_path / "created.db"
    app = create_app(conftest.TestConfig(f"sqlite:///{migrated}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    app = create_app(conftest.TestConfig(f"sqlite:///{created}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    assert _indexes(migrated) == _indexes(created)
