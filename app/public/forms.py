"""Sign-in form, and the forgot-password pair (ask for a link, set a new password)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from app.forms import NewPasswordForm


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    # Off unless ticked: a shared or lost device must not stay signed in for weeks.
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    """The address a reset link goes to (if it has an account)."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(NewPasswordForm):
    """A new password, twice, by the same rules as changing it in settings."""
