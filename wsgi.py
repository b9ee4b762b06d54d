"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import os
import sys

from app import create_app

# CLI commands (db upgrade, create-user, demo, worker itself) must not start the
# worker thread; only a serving process does.
if os.path.basename(sys.argv[0]) == "flask" and "run" not in sys.argv[1:]:
    os.environ.setdefault("RELAY_WORKER", "0")

app = create_app()
