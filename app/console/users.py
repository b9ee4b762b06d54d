"""Console: users and their API tokens: invite or create, deactivate, reset a password,
issue and revoke tokens. Secrets (a generated password, a new token) are shown once."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import login_required_role
from app.console import bp
from app.console.forms import UserForm
from app.enums import Role
from app.forms import ConfirmForm
from app.services import tokens, users
from app.services.errors import DomainError, NotFound


@bp.route("/users", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def list_users():
    """Every user, searchable; a form to invite or create one."""
    form = UserForm()
    shown_secret = None
    if form.validate_on_submit():
        try:
            shown_secret = users.invite_user(
                form.email.data,
                form.role.data,
                (form.dealer.data or "").strip() or None,
                form.password.data or None,
            )
        except DomainError as error:
            form.attach_errors(error.errors)
        else:
            if shown_secret is None:
                flash(f"User {form.email.data.strip().lower()} created.")
                return redirect(url_for("console.list_users"))
    query = (request.args.get("q") or "").strip()[:80]
    return render_template(
        "console/users.html",
        users=users.list_users(query),
        query=query,
        form=form if shown_secret is None else UserForm(formdata=None),
        invited=form.email.data.strip().lower() if shown_secret else None,
        secret=shown_secret,
        confirm_form=ConfirmForm(),
    ), 422 if form.errors else 200


def _user_or_404(user_id: int):
    try:
        return users.get_user(user_id)
    except NotFound:
        abort(404)


@bp.get("/users/<int:user_id>")
@login_required_role(Role.COORDINATOR)
def user_detail(user_id: int):
    """One user: state, actions and API tokens."""
    user = _user_or_404(user_id)
    return _user_page(user)


def _user_page(user, secret=None, secret_kind=None):
    return render_template(
        "console/user.html",
        user=user,
        tokens=tokens.tokens_of_user(user),
        secret=secret,
        secret_kind=secret_kind,
        confirm_form=ConfirmForm(),
    )


@bp.post("/users/<int:user_id>/active")
@login_required_role(Role.COORDINATOR)
def set_user_active(user_id: int):
    """Deactivate or reactivate a user."""
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "yes"
        try:
            users.set_user_active(user, active, actor=current_user)
            flash(f"{user.email} is {'active again' if active else 'deactivated'}.")
        except DomainError as error:
            flash("Not changed: " + "; ".join(error.errors.values()))
    return redirect(url_for("console.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@login_required_role(Role.COORDINATOR)
def reset_password(user_id: int):
    """A new generated password, shown once; the user's sessions end."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("console.user_detail", user_id=user.id))
    return _user_page(user, users.reset_password(user), "password")


@bp.post("/users/<int:user_id>/tokens")
@login_required_role(Role.COORDINATOR)
def issue_token(user_id: int):
    """A new API token for the user, shown once."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("console.user_detail", user_id=user.id))
    _, secret = tokens.issue_token(user)
    return _user_page(user, secret, "token")


@bp.post("/tokens/<int:token_id>/revoke")
@login_required_role(Role.COORDINATOR)
def revoke_token(token_id: int):
    """Revoke a token: it answers 401 from the next request on."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("console.list_users"))
    try:
        row = tokens.revoke_token(token_id)
    except NotFound:
        abort(404)
    flash(f"Token {row.prefix}… revoked.")
    return redirect(url_for("console.user_detail", user_id=row.user_id))
