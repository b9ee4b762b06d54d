"""Users, passwords and API tokens."""

import re
import secrets

from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.enums import DEALER_ROLES, LANGUAGES, Role
from app.extensions import db
from app.models import Dealer, User
from app.services.audit import record_audit
from app.services.deadlines import is_timezone
from app.services.errors import NotFound, ValidationFailed
from app.services.sessions import end_all_sessions
from app.services.text_search import contains, starts_with
from app.services.tokens import issue_token

REGION = re.compile(r"[A-Z]{2}(-[0-9A-Z]{1,10})?")


def create_user(
    email: str,
    role: str,
    dealer_code: str | None = None,
    password: str | None = None,
    regions: list[str] | None = None,
) -> User:
    """Create a user; dealer roles need a dealer, coordinators must not have one.

    `regions` limits a coordinator to countries ("AT") or postal-code prefixes ("DE-80").
    """
    email = (email or "").strip().lower()
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        errors["email"] = "must be an email address"
    elif db.session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = "a user with this email already exists"
    if role not in tuple(Role):
        errors["role"] = f"must be one of: {', '.join(Role)}"
    dealer = None
    if role in DEALER_ROLES:
        if not dealer_code:
            errors["dealer"] = "a dealer user needs a dealer code"
        else:
            dealer = db.session.scalar(select(Dealer).where(Dealer.code == dealer_code))
            if dealer is None:
                errors["dealer"] = f"no dealer with code {dealer_code}"
    elif role == Role.COORDINATOR and dealer_code:
        errors["dealer"] = "a coordinator belongs to the OEM, not to a dealer"
    if password is not None and len(password) < 8:
        errors["password"] = "must be at least 8 characters"
    regions = [region.strip().upper() for region in regions or []]
    for index, region in enumerate(regions):
        if not REGION.fullmatch(region):
            errors[f"regions.{index}"] = 'must be a country ("AT") or country-prefix ("DE-80")'
    if regions and role != Role.COORDINATOR:
        errors["regions"] = "only a coordinator is limited to regions"
    if errors:
        raise ValidationFailed("invalid user", errors)
    user = User(
        email=email,
        role=role,
        dealer=dealer,
        password_hash=generate_password_hash(password) if password else None,
        regions=list(dict.fromkeys(regions)),
    )
    db.session.add(user)
    db.session.commit()
    return user


def set_password(user: User, password: str, keep_session_key: str | None = None) -> None:
    """Replace a user's password and end the user's other browser sessions.

    Whoever knew the old password may hold a session; after the change only the
    session that made it (`keep_session_key`, if given) still opens the app.
    """
    if not password or len(password) < 8:
        raise ValidationFailed("weak password", {"password": "must be at least 8 characters"})
    user.password_hash = generate_password_hash(password)
    ended = end_all_sessions(user, keep_key=keep_session_key)
    record_audit("password.changed", target=f"user:{user.id}", detail={"sessions_ended": ended})
    db.session.commit()


def change_password(
    user: User, current: str, new: str, repeated: str, keep_session_key: str | None = None
) -> None:
    """The user's own change: the current password first, the new one twice. Other
    sessions end (set_password); the one that made the change stays signed in."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed("wrong password", {"current_password": "is not right"})
    set_new_password(user, new, repeated, keep_session_key)


def set_new_password(
    user: User, new: str, repeated: str, keep_session_key: str | None = None
) -> None:
    """A new password typed twice (change password, and a reset link): at least 8
    characters, both the same; the user's other sessions end (set_password)."""
    if new != repeated:
        raise ValidationFailed("passwords differ", {"repeat_password": "must match the new one"})
    try:
        set_password(user, new, keep_session_key)
    except ValidationFailed as error:
        raise ValidationFailed(
            "weak password", {"new_password": error.errors["password"]}
        ) from None


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active or not user.password_hash:
        # Spend the same time as a real check so timing does not reveal accounts.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def record_sign_in(email: str, user: User | None) -> None:
    """Audit a sign-in attempt: the user when it worked, the email tried when not."""
    if user is not None:
        record_audit("login.succeeded", actor=user, via="session")
    else:
        record_audit("login.failed", actor_email=(email or "").strip().lower()[:254])
    db.session.commit()


def record_sign_out(user: User) -> None:
    """Audit a sign-out."""
    record_audit("logout", actor=user, via="session")
    db.session.commit()


def create_token(user: User) -> str:
    """Issue a new API token for the user and return its secret (shown once)."""
    return issue_token(user)[1]


def get_user(user_id: int) -> User:
    """A user by id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("no such user", {"id": "no such user"})
    return user


def find_user_by_email(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def set_timezone(user: User, timezone: str) -> User:
    """The time zone the console shows this user's times in (an IANA name such as
    Europe/Berlin)."""
    if not isinstance(timezone, str) or len(timezone) > 64 or not is_timezone(timezone):
        raise ValidationFailed(
            "bad time zone", {"timezone": "must be an IANA time zone such as Europe/Berlin"}
        )
    user.timezone = timezone
    db.session.commit()
    return user


def set_language(user: User, language: str | None) -> User:
    """The language the pages speak to this user ("de", "en"); None or "" follows the
    browser's Accept-Language."""
    if language in (None, ""):
        language = None
    elif language not in LANGUAGES:
        raise ValidationFailed(
            "bad language", {"language": f"must be one of: {', '.join(LANGUAGES)}, or empty"}
        )
    user.language = language
    db.session.commit()
    return user


def list_users(text: str = "", limit: int = 200) -> list[User]:
    """Users by e-mail, optionally those whose e-mail or dealer code contains `text`."""
    query = select(User).outerjoin(User.dealer).order_by(User.email).limit(limit)
    needle = (text or "").strip().lower()
    if needle:
        query = query.where(
            or_(contains(User.email, needle), starts_with(func.lower(Dealer.code), needle))
        )
    return list(db.session.scalars(query))


def invite_user(email: str, role: str, dealer_code: str | None, password: str | None) -> str | None:
    """Create a user; without a password one is generated and returned to pass on once
    (the person changes it after signing in). Returns that password, or None."""
    temporary = None if password else _temporary_password()
    create_user(email, role, dealer_code, password or temporary)
    return temporary


def reset_password(user: User) -> str:
    """Give the user a new generated password (returned, to pass on once); every session
    the user had ends."""
    temporary = _temporary_password()
    set_password(user, temporary)
    return temporary


def set_user_active(user: User, active: bool, actor: User | None = None) -> User:
    """Deactivate (no sign-in, no API token works, every session ends) or reactivate."""
    if actor is not None and actor.id == user.id and not active:
        raise ValidationFailed("not yourself", {"active": "you cannot deactivate yourself"})
    user.active = active
    ended = end_all_sessions(user) if not active else 0
    record_audit(
        "user.deactivated" if not active else "user.reactivated",
        actor=actor,
        target=f"user:{user.id}",
        detail={"sessions_ended": ended},
    )
    db.session.commit()
    return user


def _temporary_password() -> str:
    # Readable to dictate over the phone: no 0/O or 1/l confusion.
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(14))
