"""API tokens: issue, list, revoke, expire, and find the user behind one.

Only a SHA-256 digest of a token is stored; the secret is shown once, when issued.
A revoked or expired token answers 401 from the next request on.

Every API call presents its token: each process keeps the live tokens it has seen, with
their users' values, in a versioned cache (services/versioned_cache.py) that any change
to a token's validity or to any user empties in every process. Expiry is checked
against the clock on each use; the user is made from the kept values, not read again.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import ApiToken, User
from app.services.audit import record_audit
from app.services.errors import NotFound, ValidationFailed
from app.services.versioned_cache import VersionedCache, column_attributes, instance_in_session

TOKEN_PREFIX = "lr_"
# Note use at most every few minutes: a write on every call would turn each read
# into a write transaction (and on SQLite serialise readers behind writers).
TOKEN_USE_RESOLUTION = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 200


def token_digest(token: str) -> str:
    """The stored form of a token (or of any other bearer secret)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for the user: the stored row and the secret, which is shown only now."""
    expires_at = _checked_expiry(expires_at)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        token_hash=token_digest(secret),
        prefix=secret[:10],
        created_at=utcnow(),
        expires_at=expires_at,
    )
    db.session.add(row)
    db.session.flush()
    record_audit("token.created", target=f"token:{row.id}", detail={"user": user.email})
    db.session.commit()
    return row, secret


def _checked_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise ValidationFailed("bad expiry", {"expires_at": "needs a time zone, e.g. Z"})
    try:
        expires_at = expires_at.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationFailed("bad expiry", {"expires_at": "is out of range"}) from None
    if expires_at <= utcnow():
        raise ValidationFailed("bad expiry", {"expires_at": "must be in the future"})
    if expires_at.year > 9000:
        raise ValidationFailed("bad expiry", {"expires_at": "is out of range"})
    return expires_at


def tokens_of_user(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included, marked)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def get_token(token_id: int) -> ApiToken:
    """A token row by id, or NotFound."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token", {"id": "no such token"})
    return row


def revoke_token(token_id: int) -> ApiToken:
    """Revoke a token for good; it answers 401 from the next request on. Idempotent."""
    row = get_token(token_id)
    if not row.revoked:
        row.revoked = True
        row.revoked_at = utcnow()
        record_audit("token.revoked", target=f"token:{row.id}", detail={"user": row.user.email})
        db.session.commit()
    return row


def has_expired(expires_at: datetime | None, now: datetime) -> bool:
    """Past its expiry (checked against the clock on each use; none: never expires)."""
    return expires_at is not None and now >= expires_at


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, else None; notes the token's use."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = token_digest(token)
    known = KNOWN_TOKENS.get()
    live = known.get(digest)
    if live is None:
        live = _read_live_token(digest)
        if live is None:
            return None  # unknown or revoked: not kept, so guessing fills no memory
        known[digest] = live
    now = utcnow()
    if has_expired(live.expires_at, now) or not live.user["active"]:
        return None
    user = instance_in_session(User, live.user)
    if live.last_used_at is None or now - live.last_used_at > TOKEN_USE_RESOLUTION:
        _note_use(live, user, now)
    return user


@dataclass
class LiveToken:
    """A token that was not revoked when read, and its user's column values."""

    token_id: int
    expires_at: datetime | None
    user: dict[str, object]
    last_used_at: datetime | None  # as this process last wrote or read it


TOKENS = ApiToken.__table__.c
_USER_COLUMNS = column_attributes(User)

# Tokens (what decides whether one is live, not its last use) and every user value
# (the user is made from them): any change empties each process's copy.
KNOWN_TOKENS = VersionedCache(
    "tokens",
    dict,  # filled as tokens are presented: digest -> LiveToken
    {"api_tokens": ("token_hash", "user_id", "revoked", "expires_at"), "users": None},
)


def _read_live_token(digest: str) -> LiveToken | None:
    """The token and its user's values, in one statement."""
    row = db.session.execute(
        select(TOKENS.id, TOKENS.expires_at, TOKENS.last_used_at, *_USER_COLUMNS.values())
        .join_from(ApiToken.__table__, User.__table__, TOKENS.user_id == User.__table__.c.id)
        .where(TOKENS.token_hash == digest, TOKENS.revoked.is_(False))
    ).first()
    if row is None:
        return None
    token_id, expires_at, last_used_at, *values = row
    return LiveToken(
        token_id, expires_at, dict(zip(_USER_COLUMNS, values, strict=True)), last_used_at
    )


def _note_use(live: LiveToken, user: User, now: datetime) -> None:
    """Write the token's last use, at most once per TOKEN_USE_RESOLUTION in any process.

    Through the connection, past the session's hooks: a last use changes nothing the
    cache holds. The condition leaves the row alone when another process noted it.
    """
    connection = db.session.connection()
    noted = connection.execute(
        update(ApiToken.__table__)
        .where(
            TOKENS.id == live.token_id,
            or_(TOKENS.last_used_at.is_(None), TOKENS.last_used_at < now - TOKEN_USE_RESOLUTION),
        )
        .values(last_used_at=now)
    ).rowcount
    if noted:
        record_audit(
            "token.used",
            actor=user,
            via="token",
            target=f"token:{live.token_id}",
            at=now,
            describes_request=False,
        )
        live.last_used_at = now
    else:
        live.last_used_at = connection.execute(
            select(TOKENS.last_used_at).where(TOKENS.id == live.token_id)
        ).scalar()
    db.session.commit()
