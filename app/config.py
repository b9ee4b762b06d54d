"""Configuration read from the environment (the contract's variables)."""

import os
import secrets
from pathlib import Path


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
        # Accepted leads e-mailed to dealers (smtp://host:port); unset: no e-mail goes out.
        self.SMTP_URL = env.get("SMTP_URL")
        self.RELAY_MAIL_FROM = env.get("RELAY_MAIL_FROM", "leads@leadrelay.invalid")
        self.MAX_CONTENT_LENGTH = int(env.get("RELAY_MAX_BODY_BYTES", str(256 * 1024)))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.WTF_CSRF_TIME_LIMIT = None
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.VAPID_SUBJECT = env.get("VAPID_SUBJECT", "mailto:ops@leadrelay.invalid")
