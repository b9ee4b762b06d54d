"""Forms of the dealer app."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

DECLINE_CHOICES = [
    SelectChoice("portfolio", "Not in our portfolio"),
    SelectChoice("capacity", "No capacity right now"),
    SelectChoice("location", "Too far away"),
    SelectChoice("spam", "Spam or fake"),
    SelectChoice("other", "Other reason"),
]


class DeclineForm(FlaskForm):
    reason = RadioField("Why do you decline?", choices=DECLINE_CHOICES, validators=[DataRequired()])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button-only form: carries the CSRF token."""
