"""Sign in, sign out, and the files a PWA needs at the site root."""

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from app import PROJECT_ROOT, ratelimits
from app.auth import home_endpoint, public
from app.extensions import limiter
from app.forms import PASSWORD_ERRORS, submit_form
from app.public import bp
from app.public.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm
from app.services import password_reset, person_mail, sessions
from app.services.errors import ValidationFailed
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
        form.password.errors.append(_("Email or password is not right."))
    status = 422 if form.errors else 200
    return render_template("public/login.html", form=form, **_login_context()), status


def _login_context() -> dict:
    """The sign-in page offers "Forgot password?" only when a link can be mailed."""
    return {"reset_enabled": person_mail.mail_enabled()}


@ratelimits.rate_limited_page("public.login")
def login_rate_limited(retry_after: int):
    """Too many failed sign-ins: the same form, what was typed kept, and when to retry."""
    return _form_again_later(
        "public/login.html",
        LoginForm,
        lambda minutes: ngettext(
            "Too many sign-in attempts. Please try again in %(num)d minute.",
            "Too many sign-in attempts. Please try again in %(num)d minutes.",
            minutes,
        ),
        retry_after,
        **_login_context(),
    )


def _form_again_later(template: str, form_class, says, retry_after: int, **context) -> str:
    """A page's form again, the e-mail typed kept, saying (`says(minutes)`) when to retry."""
    form = form_class(formdata=None, email=request.form.get("email", "")[:254])
    return render_template(
        template, form=form, throttled=says(ratelimits.wait_minutes(retry_after)), **context
    )


# --- forgot password (only with SMTP_URL) ---------------------------------------------


def _reset_available() -> None:
    """Without an SMTP server there is no forgot-password page at all."""
    if not person_mail.mail_enabled():
        abort(404)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(
    ratelimits.reset_limit_per_account,
    key_func=ratelimits.reset_account_key,
    methods=["POST"],
)
@limiter.limit(
    ratelimits.reset_limit_per_address, key_func=ratelimits.reset_address_key, methods=["POST"]
)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an
    account."""
    _reset_available()
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data)
        return render_template("public/forgot_password.html", form=form, sent=True)
    status = 422 if form.errors else 200
    return render_template("public/forgot_password.html", form=form), status


@ratelimits.rate_limited_page("public.forgot_password")
def forgot_password_rate_limited(retry_after: int):
    """Too many requests for links: the same page, and when to try again."""
    return _form_again_later(
        "public/forgot_password.html",
        ForgotPasswordForm,
        ratelimits.too_many_requests,
        retry_after,
    )


def _reset_error(text: str) -> str:
    """A service's field error in the page's language."""
    if text == password_reset.EXPIRED:
        return _("This link has expired or was already used. Ask for a new one.")
    return str(PASSWORD_ERRORS.get(text, text))


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """A new password from a mailed link: once, within the hour, by the usual rules."""
    _reset_available()
    try:
        password_reset.user_for_token(token)
    except ValidationFailed:  # expired, used or not ours: the page says so, no form
        return _token_page(None, 422)
    form = ResetPasswordForm()
    if request.method == "GET":
        return _token_page(form, 200)
    done = submit_form(
        form,
        lambda: password_reset.reset_password(
            token, form.new_password.data, form.repeat_password.data
        ),
        fallback="new_password",
        wording=_reset_error,
    )
    if done:
        flash(_("Password changed. Sign in with your new password."))
        return redirect(url_for("public.login"))
    return _token_page(form, 422)


def _token_page(form: ResetPasswordForm | None, status: int):
    """The reset page (its URL holds the token: the site-wide Referrer-Policy same-origin
    keeps it from other sites)."""
    return render_template("public/reset_password.html", form=form), status


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
    flash(_("You are signed out."))
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
