"""Sign in, sign out, and the files a PWA needs at the site root."""

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from app import PROJECT_ROOT, ratelimits
from app.auth import home_endpoint, public
from app.extensions import limiter
from app.public import bp
from app.public.forms import LoginForm
from app.services import sessions
from app.services.users import authenticate, record_sign_in, record_sign_out


@bp.get("/")
@public
def index():
    """Send people to their home screen, or to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return redirect(url_for("public.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    ratelimits.login_limit_per_account,
    key_func=ratelimits.login_account_key,
    methods=["POST"],
    deduct_when=ratelimits.sign_in_failed,
)
@limiter.limit(
    ratelimits.login_limit_per_address,
    key_func=ratelimits.login_address_key,
    methods=["POST"],
    deduct_when=ratelimits.sign_in_failed,
)
def login():
    """Sign in with email and password; a new server-side session each time."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        record_sign_in(form.email.data, user)
        if user is not None:
            _open_session(user, remember=bool(form.remember.data))
            target = request.args.get("next")
            if not _is_local(target):
                target = url_for(home_endpoint(user))
            return redirect(target)
        form.password.errors.append("Email or password is not right.")
    status = 422 if form.errors else 200
    return render_template("public/login.html", form=form), status


@ratelimits.rate_limited_page("public.login")
def login_rate_limited(retry_after: int):
    """Too many failed sign-ins: the same form, what was typed kept, and when to retry."""
    form = LoginForm(formdata=None, email=request.form.get("email", "")[:254])
    wait = ratelimits.describe_wait(retry_after)
    return render_template(
        "public/login.html",
        form=form,
        throttled=f"Too many sign-in attempts. Please try again {wait}.",
    )


def _open_session(user, remember: bool) -> None:
    # A fresh cookie for a fresh sign-in: nothing from before it (a planted session,
    # an old CSRF token) carries over, and the cookie names a new server-side session.
    session.clear()
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["RELAY_SESSION_LIFETIME"]
    sessions.start_session(
        user,
        remember=remember,
        lifetime=lifetime,
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    login_user(user, remember=remember, duration=lifetime if remember else None)


def _is_local(target: str | None) -> bool:
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


@bp.post("/logout")
@public
def logout():
    """Sign out for good: the session ends on the server, so no old cookie opens it again."""
    key = current_user.session_key if current_user.is_authenticated else None
    sessions.end_session(key)
    if current_user.is_authenticated:
        record_sign_out(current_user)
    logout_user()  # also tells the browser to drop the remember-me cookie
    flash("You are signed out.")
    response = redirect(url_for("public.login"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.get("/sw.js")
@public
def service_worker():
    """The service worker, served from the root so its scope is the whole app."""
    body = (PROJECT_ROOT / "service-worker" / "sw.js").read_bytes()
    return Response(
        body,
        content_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


@bp.get("/manifest.webmanifest")
@public
def manifest():
    """The web app manifest, with its registered media type."""
    body = (Path(current_app.static_folder) / "manifest.webmanifest").read_bytes()
    return Response(
        body, content_type="application/manifest+json", headers={"Cache-Control": "max-age=3600"}
    )


@bp.get("/offline")
@public
def offline():
    """The page the service worker shows when the network is gone."""
    return render_template("offline.html")


@bp.get("/healthz")
@public
def health():
    """Liveness probe for load balancers."""
    return {"ok": True}
