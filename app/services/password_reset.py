"""Forgot password: a reset link by e-mail, only when SMTP_URL is configured.

The link carries a token signed with the app's secret (itsdangerous) under its own salt,
naming the user and a digest of the password hash as it was when the link was made: the
first reset changes the hash, so the link dies with it (single use), and so does every
other link sent before. A link is good for RELAY_PASSWORD_RESET_SECONDS (an hour). The
token is signed, not encrypted, so it holds a digest of the hash, never the hash itself.

Whether or not the address has an account, the page answers the same, and as fast (the
mail leaves from a thread); only the mailbox's owner learns whether there is an account.
"""

import hashlib
import threading
from datetime import timedelta

from babel.dates import format_datetime
from flask import current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.clock import utcnow, zone
from app.extensions import db
from app.i18n import language_of
from app.models import User
from app.services.errors import ValidationFailed
from app.services.person_mail import mail_enabled, send_to_person
from app.services.users import set_new_password

SALT = "leadrelay.password-reset"
DEFAULT_MAX_AGE_SECONDS = 3600
EXPIRED = "this link has expired or was already used; ask for a new one"


class _ClockSigner(TimestampSigner):
    """Timestamps from the app's clock, so tests move time instead of sleeping."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


class _Serializer(URLSafeTimedSerializer):
    default_signer = _ClockSigner


def max_age() -> timedelta:
    """How long a reset link works."""
    seconds = current_app.config.get("RELAY_PASSWORD_RESET_SECONDS", DEFAULT_MAX_AGE_SECONDS)
    return timedelta(seconds=int(seconds))


def _serializer() -> _Serializer:
    return _Serializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    """A digest of the password hash now: it changes with the password."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    """A signed reset token for this user's current password."""
    return _serializer().dumps({"user": user.id, "password": _fingerprint(user)})


def user_for_token(token: object) -> User:
    """The active user a valid, unexpired, unused token names; else a 422 on `token`."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise ValidationFailed(EXPIRED, {"token": EXPIRED})
    try:
        data = _serializer().loads(token, max_age=int(max_age().total_seconds()))
    except (SignatureExpired, BadSignature):
        raise ValidationFailed(EXPIRED, {"token": EXPIRED}) from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("password") != _fingerprint(user):
        raise ValidationFailed(EXPIRED, {"token": EXPIRED})
    return user


def request_reset(email: object) -> threading.Thread | None:
    """E-mail a reset link to the active user with this address; the sending thread, or
    None when there is nobody to send to.

    The mail leaves from a thread of its own, so the answer comes as fast for an address
    with an account as for one without: its timing tells nothing either. (A process that
    dies meanwhile loses the mail; the person asks again.)"""
    if not mail_enabled() or not isinstance(email, str):
        return None
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()[:254]))
    if user is None or not user.active or not user.password_hash:
        return None
    link = url_for("public.reset_password", token=make_token(user), _external=True)
    with force_locale(language_of(user)):
        subject, body = _reset_mail(user, link)
    sender = threading.Thread(
        target=_send_in_background,
        args=(current_app._get_current_object(), user.email, subject, body, user.id),
        name="password-reset-mail",
        daemon=True,
    )
    sender.start()
    return sender


def _send_in_background(app, to: str, subject: str, body: str, user_id: int) -> None:
    with app.app_context():
        send_to_person(to, subject, body, f"password reset mail for user {user_id}")


def _reset_mail(user: User, link: str) -> tuple[str, str]:
    """Subject and body of the reset mail, in the language in force."""
    until = format_datetime(
        utcnow() + max_age(),
        "EEEE d MMMM, HH:mm",
        tzinfo=zone(user.dealer.timezone if user.dealer else None),
        locale=get_locale(),
    )
    body = "\n\n".join(
        [
            _("Hello,"),
            _(
                "someone asked to reset the LeadRelay password of %(email)s. "
                "If that was you, choose a new password here:",
                email=user.email,
            ),
            link,
            _("The link works once, until %(until)s.", until=until),
            _("You did not ask? Then ignore this e-mail: your password stays as it is."),
        ]
    )
    return _("Reset your LeadRelay password"), body


def reset_password(token: object, new: str, repeated: str) -> User:
    """Set a new password with a reset link, by the change-password rules; every
    signed-in session of the user ends, and the link with the old password."""
    user = user_for_token(token)
    set_new_password(user, new, repeated)
    return user
