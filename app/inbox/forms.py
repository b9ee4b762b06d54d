"""Forms of the dealer app."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.enums import TARGET_STAGES, DeclineReason
from app.forms import PlausibleDate

DECLINE_CHOICES = [SelectChoice(reason.value, reason.label) for reason in DeclineReason]
STAGE_CHOICES = [SelectChoice(stage.value, stage.label) for stage in TARGET_STAGES]


class DeclineForm(FlaskForm):
    reason = RadioField("Why do you decline?", choices=DECLINE_CHOICES, validators=[DataRequired()])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])


class StageForm(FlaskForm):
    """Move an owned lead to a stage; the order value is needed for won."""

    stage = RadioField("Move to", choices=STAGE_CHOICES, validators=[DataRequired()])
    order_value = StringField("Order value (€, needed for won)", validators=[Length(max=20)])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
    """A question to the manufacturer about this lead."""

    body = TextAreaField("Your question", validators=[DataRequired(), Length(max=4000)])


class AssigneeForm(FlaskForm):
    """Inside a dealership: the salesperson who works the lead (choices set by the view)."""

    user_id = SelectField("Salesperson", coerce=int, validators=[DataRequired()])


class ForwardForm(FlaskForm):
    """A distributor hands the lead to one of its sub-dealers (choices set by the view)."""

    dealer = SelectField("Sub-dealer", validators=[DataRequired()])


class AbsenceForm(FlaskForm):
    """The dealership's holiday: no new leads are offered meanwhile."""

    # Bounded: a date like 0001-01-01 cannot be converted between time zones.
    absent_from = DateField("Away from", validators=[Optional(), PlausibleDate()])
    absent_until = DateField("Back on", validators=[Optional(), PlausibleDate()])


class CapacityForm(FlaskForm):
    """How many new leads a day the dealership takes; empty means no limit."""

    daily_capacity = IntegerField(
        "New leads per day", validators=[Optional(), NumberRange(min=0, max=100000)]
    )
