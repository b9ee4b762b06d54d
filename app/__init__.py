"""LeadRelay: routes a manufacturer's customer inquiries to the right dealer."""

import sqlite3
import weakref
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import inputs, sqlite_writers
from app.config import DEFAULTS, Config
from app.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class LeadRelay(Flask):
    """Flask, asking once per hook or view whether it needs running as a coroutine.

    Flask asks inspect that on every request, for each before-, after- and teardown
    hook and the view: about twenty look-ups a request whose answers never change.
    The plain functions seen are remembered in ensure_sync, Flask's override point for
    this (weakly: a request's own after_this_request callback is not kept).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._plain_functions: weakref.WeakSet[Callable] = weakref.WeakSet()

    def ensure_sync(self, func: Callable) -> Callable:
        if func in self._plain_functions:
            return func
        synchronous = super().ensure_sync(func)
        if synchronous is func:
            try:
                self._plain_functions.add(func)
            except TypeError:  # a callable that takes no weak reference: asked each time
                pass
        return synchronous


def create_app(config: object | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, errors, CLI, worker."""
    app = LeadRelay(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(config if config is not None else Config(app.instance_path))
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    register_extensions(app)
    inputs.init_app(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)
    start_worker(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from app import auditing, auth, compression, htmx, i18n, security
    from app.ratelimits import warn_if_counters_per_process

    # SQLite writers queue for the write lock instead of sleeping in SQLite's busy loop.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_writers.engine_options(
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), app.config["SQLALCHEMY_DATABASE_URI"]
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    compression.init_app(app)
    htmx.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    auditing.init_app(app)
    i18n.init_app(app)
    warn_if_counters_per_process(app)


def register_blueprints(app: Flask) -> None:
    """Mount the blueprints; each one's name is its URL prefix and template folder."""
    from app.api import bp as api_bp
    from app.console import bp as console_bp
    from app.form import bp as form_bp
    from app.inbox import bp as inbox_bp
    from app.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(form_bp)
    csrf.exempt(api_bp)  # token-authenticated JSON; no cookies are read there


def register_errorhandlers(app: Flask) -> None:
    """JSON errors under /api, friendly pages elsewhere."""
    from app.errors import register

    register(app)


def register_cli(app: Flask) -> None:
    """The contract's commands: create-user, create-token, demo, worker."""
    from app.cli import register

    register(app)


def start_worker(app: Flask) -> None:
    """Run the recycling worker as a thread in this process when RELAY_WORKER says so."""
    if not app.config.get("RELAY_WORKER"):
        return
    from app.worker import start_in_background

    start_in_background(app)


SQLITE_AUTOCHECKPOINT_PAGES = 10_000


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout let several processes share one SQLite file."""
    if not isinstance(dbapi_connection, sqlite3.Connection):  # or app.sqlite_writers' kind
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoints (the WAL copied back into the database file, with an fsync) are the
    # worker's, once a pass (app/worker.py), so no request waits for one: at SQLite's
    # default of 1,000 pages every few dozen leads' commit ran one. Its own stays as a
    # backstop for a database that no worker serves.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
    cursor.close()
