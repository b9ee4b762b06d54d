"""Forms shared by the blueprints."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button-only form: it carries the CSRF token of a one-tap action."""
