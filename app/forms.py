"""Forms shared by the blueprints."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from app.inputs import MAX_YEAR, MIN_YEAR


class PlausibleDate:
    """A date within the years the app can store and convert between time zones."""

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, date) and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(f"Give a date between {MIN_YEAR} and {MAX_YEAR}.")


class ConfirmForm(FlaskForm):
    """A button-only form: it carries the CSRF token of a one-tap action."""
