"""Rate limits: shared counters, sign-in throttling, and the answer past a limit.

Flask-Limiter counts in RATELIMIT_STORAGE_URI. `memory://` counts per process, so
under several gunicorn workers every limit is multiplied by the number of workers;
production points it at Redis (`redis://host:6379`), and start-up warns otherwise.

Past a limit every endpoint answers 429 with a numeric `Retry-After`: JSON with the
contract's `errors` object under /api, and a page elsewhere. A page that holds a form
(sign-in, the public inquiry form) can register its own 429 page with
`rate_limited_page(endpoint)`, so the visitor keeps what they typed and is told when
to try again.
"""

import math
import os
import time
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_babel import ngettext

from app.extensions import limiter

_PAGES: dict[str, Callable[[int], object]] = {}


def retry_after_seconds(error: Exception | None = None) -> int:
    """Whole seconds until the limit this request broke lets a request through (≥ 1).

    `error` (the 429 exception) may be passed by a blueprint's own 429 handler; the
    figure always comes from the limit's window, which every process shares via Redis.
    """
    breached = limiter.current_limit
    if breached is None:
        return 60
    try:
        return max(1, math.ceil(breached.window[0] - time.time()))
    except Exception:  # storage gone: a sane hint rather than an error page
        return 60


def too_many_requests(minutes: int) -> str:
    """'Too many requests. Please try again in 3 minutes.', in the language in force."""
    return ngettext(
        "Too many requests. Please try again in %(num)d minute.",
        "Too many requests. Please try again in %(num)d minutes.",
        minutes,
    )


def wait_minutes(seconds: int) -> int:
    """A wait in whole minutes, rounded up, at least one (what a person is told)."""
    return max(1, math.ceil(seconds / 60))


def rate_limited_page(endpoint: str) -> Callable:
    """Register `render(retry_after_seconds)` as the 429 page of a page endpoint."""

    def register(render: Callable[[int], object]) -> Callable[[int], object]:
        _PAGES[endpoint] = render
        return render

    return register


def page_for_rate_limited(endpoint: str | None) -> Callable[[int], object] | None:
    """The registered 429 page renderer of an endpoint, if any."""
    return _PAGES.get(endpoint or "")


# --- sign-in throttling ---------------------------------------------------------------


def login_limit_per_account() -> str:
    """Failed sign-ins allowed per account (configurable)."""
    return current_app.config["RELAY_LOGIN_LIMIT_ACCOUNT"]


def login_limit_per_address() -> str:
    """Failed sign-ins allowed per client address (configurable)."""
    return current_app.config["RELAY_LOGIN_LIMIT_IP"]


def _email_typed() -> str:
    """The e-mail address a form was sent with, as the per-account limits count it."""
    return (request.form.get("email") or "").strip().lower()[:254]


def login_account_key() -> str:
    """Counts failed sign-ins per email typed, whatever address they come from."""
    return f"login-account:{_email_typed()}"


def login_address_key() -> str:
    """Counts failed sign-ins per client address, whichever accounts are tried."""
    return f"login-ip:{request.remote_addr}"


def sign_in_failed(response) -> bool:
    """Only failed attempts count: a busy office signing in correctly is never slowed."""
    return response.status_code == 422


# --- forgot password -------------------------------------------------------------------


def reset_limit_per_account() -> str:
    """Reset links one address may be sent (configurable): a mailbox is not to be flooded."""
    return current_app.config["RELAY_RESET_LIMIT_ACCOUNT"]


def reset_limit_per_address() -> str:
    """Reset requests one client address may make, whichever addresses it types."""
    return current_app.config["RELAY_RESET_LIMIT_IP"]


def reset_account_key() -> str:
    """Counts reset requests per address typed, whoever sends them."""
    return f"reset-account:{_email_typed()}"


def reset_address_key() -> str:
    """Counts reset requests per client address."""
    return f"reset-ip:{request.remote_addr}"


# --- start-up check -------------------------------------------------------------------


def declared_worker_processes(env: dict | None = None) -> int:
    """How many server processes share this configuration (gunicorn.conf.py tells us)."""
    env = os.environ if env is None else env
    for name in ("RELAY_WEB_WORKERS", "WEB_CONCURRENCY"):
        value = env.get(name, "")
        if value.isascii() and value.isdigit():
            return int(value)
    return 1


def warn_if_counters_per_process(app: Flask, env: dict | None = None) -> bool:
    """Log a warning when several workers would each keep their own rate-limit counters."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    workers = declared_worker_processes(env)
    if storage.startswith("memory://") and workers > 1:
        app.logger.warning(
            "rate limits are counted per process (RATELIMIT_STORAGE_URI=memory://) but %d "
            "worker processes serve this app: each limit is multiplied by %d. Set "
            "RATELIMIT_STORAGE_URI=redis://HOST:6379 to share the counters.",
            workers,
            workers,
        )
        return True
    return False
