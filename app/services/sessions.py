"""Browser sessions kept on the server, so that signing out really ends them.

The signed session cookie (and the remember-me cookie, when ticked) carries only a
random session key; a row here says whether that key still opens the app. Logout
ends the row; a password change ends every row of the user.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.extensions import db
from app.models import User, UserSession
from app.services.tokens import token_digest

# Noting "last seen" at most this often keeps page views read-only transactions.
SEEN_RESOLUTION = timedelta(minutes=5)


def start_session(
    user: User,
    *,
    remember: bool,
    lifetime: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Open a new session for the user (login); returns its key for the cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=token_digest(key),
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.session.commit()
    user.session_key = key
    return key


def user_for_session(key: str) -> User | None:
    """The active user of a live session key, else None."""
    if not key or len(key) > 100:
        return None
    row = db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user))  # one query per page view, not two
        .where(UserSession.key_hash == token_digest(key), UserSession.ended_at.is_(None))
    )
    now = utcnow()
    if row is None or now >= row.expires_at or not row.user.active:
        return None
    if now - row.last_seen_at > SEEN_RESOLUTION:
        row.last_seen_at = now
        db.session.commit()
    user = row.user
    user.session_key = key
    return user


def end_session(key: str | None) -> None:
    """End one session for good (logout); unknown keys are ignored."""
    if not key:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.key_hash == token_digest(key), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()


def end_all_sessions(user: User, keep_key: str | None = None, at: datetime | None = None) -> int:
    """End every session of the user (password change), optionally all but one; a count."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep_key:
        query = query.where(UserSession.key_hash != token_digest(keep_key))
    result = db.session.execute(query.values(ended_at=at or utcnow()))
    return result.rowcount or 0
