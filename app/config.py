"""Configuration read from the environment (the contract's variables)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

# Who push services may contact about our VAPID-signed pushes (RFC 8292).
DEFAULT_VAPID_SUBJECT = "mailto:ops@leadrelay.invalid"


def _instance_secret_key(instance_path: Path) -> str:
    """Return the session key kept in instance/, generating it on first start."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def normalise_database_url(url: str) -> str:
    """Serve plain postgresql:// URLs with psycopg 3, as the contract promises."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# Settings a test config may leave out: the application factory fills them in.
DEFAULTS = {
    "RELAY_LOGIN_LIMIT_ACCOUNT": "10 per 15 minutes",
    "RELAY_LOGIN_LIMIT_IP": "30 per 15 minutes;200 per day",
    # Forgot password: links per address typed, and requests per client address.
    "RELAY_RESET_LIMIT_ACCOUNT": "3 per hour",
    "RELAY_RESET_LIMIT_IP": "10 per hour",
    "RELAY_PASSWORD_RESET_SECONDS": 3600,
    "RELAY_TRUSTED_PROXIES": 0,
    "RELAY_SESSION_LIFETIME": timedelta(hours=12),
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    # Redis down: count in this process meanwhile (and retry Redis), rather than fail
    # every limited request; a short timeout, so a lost Redis cannot stall requests.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
}


class Config:
    """Settings for a real run; every value can come from the environment."""

    def __init__(self, instance_path: str, env: dict | None = None):
        env = dict(os.environ if env is None else env)
        instance = Path(instance_path)
        default_db = f"sqlite:///{instance / 'leadrelay.db'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(env.get("DATABASE_URL", default_db))
        self.SECRET_KEY = env.get("SECRET_KEY") or _instance_secret_key(instance)
        self.RELAY_OFFER_SLA_SECONDS = int(env.get("RELAY_OFFER_SLA_SECONDS", "3600"))
        self.RELAY_WORKER_INTERVAL = float(env.get("RELAY_WORKER_INTERVAL", "1"))
        self.RELAY_WORKER = env.get("RELAY_WORKER", "1") == "1"
        # Fraction of the SLA after which a dealer gets a reminder push.
        self.RELAY_REMINDER_FRACTION = float(env.get("RELAY_REMINDER_FRACTION", "0.5"))
        # Outgoing requests (push, webhooks) to private addresses only when a test says so.
        # RELAY_ALLOW_PRIVATE_TARGETS is the contract's name; the older one still works.
        self.RELAY_ALLOW_PRIVATE_ENDPOINTS = "1" in (
            env.get("RELAY_ALLOW_PRIVATE_TARGETS"),
            env.get("RELAY_ALLOW_PRIVATE_ENDPOINTS"),
        )
        self.MAX_CONTENT_LENGTH = int(env.get("RELAY_MAX_BODY_BYTES", str(256 * 1024)))
        # A server may have dropped a pooled connection: test it before use. A SQLite
        # file cannot, so there the test (a SELECT 1 each request) is left out.
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")
        }
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.WTF_CSRF_TIME_LIMIT = None
        # Production: redis://HOST:6379, so that every worker and server shares the counters.
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        # Failed sign-ins allowed per account and per client address (limits syntax).
        self.RELAY_LOGIN_LIMIT_ACCOUNT = env.get(
            "RELAY_LOGIN_LIMIT_ACCOUNT", DEFAULTS["RELAY_LOGIN_LIMIT_ACCOUNT"]
        )
        self.RELAY_LOGIN_LIMIT_IP = env.get(
            "RELAY_LOGIN_LIMIT_IP", DEFAULTS["RELAY_LOGIN_LIMIT_IP"]
        )
        # Forgot password (with SMTP_URL): requests per address typed and per client
        # address, and how long a mailed link works.
        for name in ("RELAY_RESET_LIMIT_ACCOUNT", "RELAY_RESET_LIMIT_IP"):
            setattr(self, name, env.get(name, DEFAULTS[name]))
        self.RELAY_PASSWORD_RESET_SECONDS = int(
            env.get("RELAY_PASSWORD_RESET_SECONDS", DEFAULTS["RELAY_PASSWORD_RESET_SECONDS"])
        )
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none;
        # then those headers are ignored, as a client could forge them).
        self.RELAY_TRUSTED_PROXIES = int(env.get("RELAY_TRUSTED_PROXIES", "0"))
        # A session without "remember me" ends after this long (or when the browser closes).
        self.RELAY_SESSION_LIFETIME = timedelta(hours=int(env.get("RELAY_SESSION_HOURS", "12")))
        self.REMEMBER_COOKIE_DURATION = timedelta(days=int(env.get("RELAY_REMEMBER_DAYS", "30")))
        self.VAPID_SUBJECT = env.get("VAPID_SUBJECT", DEFAULT_VAPID_SUBJECT)
        # Customer confirmation e-mails after a form inquiry; none when unset.
        self.SMTP_URL = env.get("SMTP_URL") or None
        self.MAIL_FROM = env.get("MAIL_FROM", "LeadRelay <no-reply@leadrelay.invalid>")
        # A form submission joins the same customer's open lead within this many hours.
        self.RELAY_DUPLICATE_WINDOW_HOURS = float(env.get("RELAY_DUPLICATE_WINDOW_HOURS", "72"))
        # Faster than this from showing the form to sending it counts as a script.
        self.RELAY_FORM_MIN_FILL_SECONDS = float(env.get("RELAY_FORM_MIN_FILL_SECONDS", "3"))
