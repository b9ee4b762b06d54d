"""Forms shared by the blueprints."""

from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from app.inputs import MAX_YEAR, MIN_YEAR
from app.services.errors import ValidationFailed

# The password rules' errors (app/services/users.py set_new_password) in the page's words:
# the settings page's change and the reset link's page say them alike.
PASSWORD_ERRORS = {
    "must match the new one": _l("Type the same new password twice."),
    "must be at least 8 characters": _l("Use at least 8 characters."),
}


class NewPasswordForm(FlaskForm):
    """A new password, twice: a reset link's page, and the settings' change (which adds
    the current one). The rules themselves are users.set_new_password's."""

    new_password = PasswordField(
        _l("New password (at least 8 characters)"), validators=[DataRequired(), Length(max=200)]
    )
    repeat_password = PasswordField(
        _l("New password again"), validators=[DataRequired(), Length(max=200)]
    )


class PlausibleDate:
    """A date within the years the app can store and convert between time zones."""

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, date) and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(
                _("Give a date between %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR)
            )


class ConfirmForm(FlaskForm):
    """A button-only form: it carries the CSRF token of a one-tap action."""


def errors_onto_fields(
    form: FlaskForm,
    errors: dict[str, str],
    fallback: str,
    wording: Callable[[str], str] = str,
) -> None:
    """A service's field errors onto the form's fields (the dotted path's first part);
    an error for a field the form does not have lands on `fallback`. `wording` turns the
    service's message into the page's words (its language)."""
    for path, message in errors.items():
        field = getattr(form, path.split(".")[0], None)
        if not hasattr(field, "errors"):
            field = getattr(form, fallback)
        field.errors = [*field.errors, wording(message)]


def submit_form(
    form: FlaskForm,
    action: Callable[[], object],
    fallback: str,
    wording: Callable[[str], str] = str,
) -> bool:
    """Validate the form, then run the service call; its ValidationFailed errors land on
    the form's fields, worded by `wording`. True when the call went through (other domain
    errors propagate)."""
    if not form.validate_on_submit():
        return False
    try:
        action()
    except ValidationFailed as error:
        errors_onto_fields(form, error.errors, fallback, wording)
        return False
    return True
