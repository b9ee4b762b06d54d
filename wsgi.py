"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc
import os
import sys

from app import create_app, geocoding

# CLI commands (db upgrade, create-user, demo, worker itself) must not start the
# worker thread; only a serving process does.
cli = os.path.basename(sys.argv[0]) == "flask" and "run" not in sys.argv[1:]
if cli:
    os.environ.setdefault("RELAY_WORKER", "0")

app = create_app()

if not cli:
    # A serving process loads the postal-code data now, not on its first lead of each
    # country (about a second for the US), and then moves everything loaded so far out
    # of the garbage collector's sight: its full passes would otherwise walk these
    # million long-lived objects again and again, a pause of hundreds of milliseconds.
    geocoding.preload()
    gc.freeze()
