"""gunicorn settings for LeadRelay in production: `make serve` or `gunicorn wsgi:app`.

gunicorn reads this file from the working directory by itself. Every value can be
set from the environment:

  RELAY_BIND         address to listen on                 127.0.0.1:8000
  WEB_CONCURRENCY    worker processes                     2 x CPU cores, at most 8
  RELAY_THREADS      threads per worker (gthread)         4
  RELAY_TIMEOUT      seconds before a stuck worker dies   30

Each worker process builds the app itself (no preload), so each runs its own
recycling-worker thread when RELAY_WORKER=1; the threads coordinate through row locks
in the database, never through memory. Rate limits are shared only when
RATELIMIT_STORAGE_URI points at Redis: start-up warns when several workers would each
count on their own.
"""

import os

bind = os.environ.get("RELAY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1), 8))
threads = int(os.environ.get("RELAY_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("RELAY_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# The app alone decides whom to believe about X-Forwarded-* (RELAY_TRUSTED_PROXIES and
# ProxyFix); gunicorn's own default would trust any local client's X-Forwarded-Proto.
forwarded_allow_ips = ""
accesslog = os.environ.get("RELAY_ACCESS_LOG", "-") or None  # "" turns it off
errorlog = "-"
# Never share one database connection pool across a fork.
preload_app = False


def on_starting(server):
    """Tell the workers how many of them there are (the app's start-up check reads it)."""
    os.environ["RELAY_WEB_WORKERS"] = str(server.cfg.workers)
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if server.cfg.workers > 1 and storage.startswith("memory://"):
        server.log.warning(
            "RATELIMIT_STORAGE_URI is memory://: each of the %d workers counts rate limits "
            "on its own. Point it at Redis (redis://HOST:6379) in production.",
            server.cfg.workers,
        )
