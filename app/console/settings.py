"""Console: the coordinator's own settings (the time zone every console time is shown in)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth import login_required_role
from app.console import bp
from app.console.forms import SettingsForm
from app.enums import Role
from app.forms import submit_form
from app.services import users


@bp.route("/settings", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def settings():
    """Choose the time zone the console shows times in."""
    form = SettingsForm(timezone=current_user.timezone)
    if submit_form(
        form, lambda: users.set_timezone(current_user, form.timezone.data), fallback="timezone"
    ):
        flash(f"Times are now shown in {form.timezone.data}.")
        return redirect(url_for("console.settings"))
    return render_template("console/settings.html", form=form), 422 if form.errors else 200
