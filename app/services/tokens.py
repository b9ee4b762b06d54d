"""API tokens: issue, list, revoke, expire, and find the user behind one.

Only a SHA-256 digest of a token is stored; the secret is shown once, when issued.
A revoked or expired token answers 401 from the next request on.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.extensions import db
from app.models import ApiToken, User
from app.services.audit import record_audit
from app.services.errors import NotFound, ValidationFailed

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


def token_is_live(row: ApiToken, now: datetime) -> bool:
    """Neither revoked nor past its expiry."""
    return not row.revoked and (row.expires_at is None or now < row.expires_at)


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, else None; notes the token's use."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))  # one query per API call, not two
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked.is_(False))
    )
    now = utcnow()
    if row is None or not token_is_live(row, now) or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION:
        row.last_used_at = now
        record_audit(
            "token.used",
            actor=row.user,
            via="token",
            target=f"token:{row.id}",
            at=now,
            describes_request=False,
        )
        db.session.commit()
    return row.user
