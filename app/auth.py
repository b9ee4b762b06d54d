"""Who is calling, and what every view declares about who may use it.

Session users for pages, bearer tokens for the API. Each view carries an `Access`
declaration (`view.access`): the roles that may call it and how the caller must relate
to the object its URL names (`relation`). The decorators below both record and enforce
it; tests/access/test_matrix.py walks the URL map and checks every endpoint against
every kind of user, and fails for a view that declares nothing.

    @bp.get("/leads/<lead_id>")
    @token_required(*ANY_USER, relation="lead")      # API: 401 / 403 / 404
    @login_required_role(*DEALER_ROLES, relation="lead")  # page: login / 403 / 404
    @public                                          # anyone, no sign-in
    @declare_access(roles, relation)                 # the view checks for itself

Roles in a declaration are `access_role(user)` values: `coordinator` (unrestricted),
`regional_coordinator` (a coordinator limited to regions: allowed only where named),
`dealer_manager`, `salesperson`. Distributors, sub-dealers and other dealers are dealer
users; what tells them apart is their relation to the object.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import current_user

from app.enums import DEALER_ROLES, Role
from app.extensions import login_manager
from app.models import User
from app.services import relations
from app.services.errors import DomainError, Forbidden
from app.services.sessions import user_for_session
from app.services.tokens import user_for_token

ANYONE = "anyone"
COORDINATORS = (Role.COORDINATOR, "regional_coordinator")
ANY_USER = (*COORDINATORS, *DEALER_ROLES)


@dataclass(frozen=True)
class Access:
    """Who may use a view: roles, and how they must relate to the object in its URL."""

    roles: frozenset[str]
    relation: str | None = None
    # "api" answers 401 / 403; "page" sends to sign-in, or 403; "public" lets anyone in.
    via: str = "api"
    # For dealer users: the tier their dealership must have (e.g. "distributor"), else 403.
    tier: str | None = None


def access_role(user: User) -> str:
    """The role a declaration names: a coordinator limited to regions is regional."""
    if user.is_coordinator and getattr(user, "regions", None):
        return "regional_coordinator"
    return user.role


def _relation_check(relation: str | None) -> Callable[[User, dict], object]:
    """The check a relation makes before the view runs: raises NotFound when unmet.

    The check returns what it loaded (a lead, with its offers and line items), and the
    decorators keep it in `g` while the view runs: the session holds objects only
    weakly, so without that reference the view's service would read it all again."""
    if relation is None:
        return lambda user, kwargs: None
    check = relations.CHECKS.get(relation)
    if check is None:
        raise ValueError(f"unknown relation {relation!r}; see app/services/relations.py")
    return check


def declared_access(view: Callable) -> Access | None:
    """The access declaration of a view function, if it has one."""
    return getattr(view, "access", None)


def may_open(user: User, endpoint: str) -> bool:
    """Whether the user's role (and tier) lets it in to the endpoint at all, as its view
    declares: menus show only what would not send the user away."""
    access = declared_access(current_app.view_functions[endpoint])
    if access is None or not user.is_authenticated:
        return False
    return ANYONE in access.roles or _role_allowed(user, access.roles, access.tier)


def declare_access(*roles: str, relation: str | None = None, via: str = "api") -> Callable:
    """Record who may use a view that checks the caller itself (e.g. form keys or tokens)."""

    def decorate(view: Callable) -> Callable:
        view.access = Access(frozenset(roles), relation, via)
        return view

    return decorate


def public(view: Callable) -> Callable:
    """Declare a view open to anyone, signed in or not."""
    view.access = Access(frozenset({ANYONE}), None, "public")
    return view


class Unauthorized(DomainError):
    """No valid credentials."""

    status = 401


def init_app(app: Flask) -> None:
    """Configure Flask-Login; static files are public."""
    login_manager.login_view = "public.login"
    login_manager.login_message = "Please sign in to continue."
    # The cookies carry a server-side session key, not the user id: see services/sessions.
    login_manager.id_attribute = "session_cookie_id"
    if "static" in app.view_functions:
        public(app.view_functions["static"])
    app.jinja_env.globals["may_open"] = lambda endpoint: may_open(current_user, endpoint)


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


def _role_allowed(user: User, allowed: frozenset[str], tier: str | None) -> bool:
    if access_role(user) not in allowed:
        return False
    return tier is None or (user.dealer is not None and user.dealer.tier == tier)


def token_required(*roles: str, relation: str | None = None, tier: str | None = None) -> Callable:
    """API decorator: a valid token (401), one of `roles` (403; none given: any user),
    and the relation to the URL's object (404, as if it did not exist)."""
    allowed = frozenset(roles or ANY_USER)
    check = _relation_check(relation)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = api_user()
            if not _role_allowed(user, allowed, tier):
                raise Forbidden(errors={"authorization": "this token may not do this"})
            g.checked_object = check(user, kwargs)
            return view(*args, **kwargs)

        wrapped.access = Access(allowed, relation, "api", tier)
        return wrapped

    return decorate


def login_required_role(
    *roles: str, relation: str | None = None, tier: str | None = None
) -> Callable:
    """Page decorator: a signed-in user (else sign-in) with one of `roles` (a GET goes
    to the user's home, anything else is a 403), related to the URL's object (404)."""
    allowed = frozenset(roles or ANY_USER)
    check = _relation_check(relation)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not _role_allowed(current_user, allowed, tier):
                if request.method == "GET":
                    return redirect(url_for(home_endpoint(current_user)))
                raise Forbidden(errors={"authorization": "you may not do this"})
            g.checked_object = check(current_user, kwargs)
            return view(*args, **kwargs)

        wrapped.access = Access(allowed, relation, "page", tier)
        return wrapped

    return decorate


def home_endpoint(user: User) -> str:
    """Where a user lands after signing in."""
    return "console.lead_board" if user.is_coordinator else "inbox.list_leads"
