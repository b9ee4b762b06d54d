"""Who is calling: session users for pages, bearer tokens for the API, role checks."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import login_manager
from app.models import User
from app.services.errors import DomainError, Forbidden
from app.services.sessions import user_for_session
from app.services.tokens import user_for_token


class Unauthorized(DomainError):
    """No valid credentials."""

    status = 401


def init_app(app: Flask) -> None:
    """Configure Flask-Login."""
    login_manager.login_view = "public.login"
    login_manager.login_message = "Please sign in to continue."
    # The cookies carry a server-side session key, not the user id: see services/sessions.
    login_manager.id_attribute = "session_cookie_id"


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    """Flask-Login: the user of the (still open) session the cookie names."""
    return user_for_session(session_key) if isinstance(session_key, str) else None


def api_user() -> User:
    """The user behind the request's bearer token; raises 401 without one."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Unauthorized(errors={"authorization": "a valid bearer token is required"})
        g.api_user = user
    return g.api_user


def token_required(*roles: str) -> Callable:
    """API decorator: a valid token, and one of `roles` when given (else 403)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = api_user()
            if roles and user.role not in roles:
                raise Forbidden(errors={"authorization": "this token may not do this"})
            return view(*args, **kwargs)

        return wrapped

    return decorate


def login_required_role(*roles: str) -> Callable:
    """Page decorator: a signed-in user with one of `roles`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                return redirect(url_for(home_endpoint(current_user)))
            return view(*args, **kwargs)

        return wrapped

    return decorate


def home_endpoint(user: User) -> str:
    """Where a user lands after signing in."""
    return "console.lead_board" if user.is_coordinator else "inbox.list_leads"
