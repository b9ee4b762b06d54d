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
    url_for,
)
from flask_login import current_user, login_user, logout_user

from app import PROJECT_ROOT
from app.auth import home_endpoint, public
from app.extensions import limiter
from app.public import bp
from app.public.forms import LoginForm
from app.services.users import authenticate


@bp.get("/")
@public
def index():
    """Send people to their home screen, or to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return redirect(url_for("public.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("20/minute", methods=["POST"])
def login():
    """Sign in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=True)
            target = request.args.get("next")
            if not _is_local(target):
                target = url_for(home_endpoint(user))
            return redirect(target)
        form.password.errors.append("Email or password is not right.")
    status = 422 if form.errors else 200
    return render_template("public/login.html", form=form), status


def _is_local(target: str | None) -> bool:
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


@bp.post("/logout")
@public
def logout():
    """Sign out and tell the service worker's caches to forget this user."""
    logout_user()
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
