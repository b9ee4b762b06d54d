"""Users, passwords and API tokens."""

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import utcnow
from app.extensions import db
from app.models import DEALER_ROLES, ROLES, ApiToken, Dealer, User
from app.services.errors import NotFound, ValidationFailed

TOKEN_PREFIX = "lr_"
TOKEN_USE_RESOLUTION = timedelta(minutes=5)
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
    if role not in ROLES:
        errors["role"] = f"must be one of: {', '.join(ROLES)}"
    dealer = None
    if role in DEALER_ROLES:
        if not dealer_code:
            errors["dealer"] = "a dealer user needs a dealer code"
        else:
            dealer = db.session.scalar(select(Dealer).where(Dealer.code == dealer_code))
            if dealer is None:
                errors["dealer"] = f"no dealer with code {dealer_code}"
    elif role == "coordinator" and dealer_code:
        errors["dealer"] = "a coordinator belongs to the OEM, not to a dealer"
    if password is not None and len(password) < 8:
        errors["password"] = "must be at least 8 characters"
    regions = [region.strip().upper() for region in regions or []]
    for index, region in enumerate(regions):
        if not REGION.fullmatch(region):
            errors[f"regions.{index}"] = 'must be a country ("AT") or country-prefix ("DE-80")'
    if regions and role != "coordinator":
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


def set_password(user: User, password: str) -> None:
    """Replace a user's password (hashed)."""
    user.password_hash = generate_password_hash(password)
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active or not user.password_hash:
        # Spend the same time as a real check so timing does not reveal accounts.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User) -> str:
    """Issue a new API token for the user; only its digest is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_digest(token), prefix=token[:10]))
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a token belongs to, else None."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # Note use at most every few minutes: a write on every call would turn each read
    # into a write transaction (and on SQLite serialise readers behind writers).
    if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION:
        row.last_used_at = now
        db.session.commit()
    return row.user


def get_user(user_id: int) -> User:
    """A user by id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("no such user", {"id": "no such user"})
    return user


def find_user_by_email(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def user_to_dict(user: User) -> dict:
    """The API's view of a user (a regional coordinator's regions only where it has some)."""
    shown = {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "dealer": user.dealer.code if user.dealer else None,
    }
    if user.regions:
        shown["regions"] = list(user.regions)
    return shown
