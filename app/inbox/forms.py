"""Forms of the dealer app."""

from flask_babel import lazy_gettext as _l
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

from app.enums import TARGET_STAGES, DeclineReason, Stage
from app.forms import PlausibleDate

# The decline reasons in the page's language (app/enums.py keeps the English names).
DECLINE_LABELS = {
    DeclineReason.PORTFOLIO: _l("Not in our portfolio"),
    DeclineReason.CAPACITY: _l("No capacity right now"),
    DeclineReason.LOCATION: _l("Too far away"),
    DeclineReason.SPAM: _l("Spam or fake"),
    DeclineReason.OTHER: _l("Other reason"),
}
DECLINE_CHOICES = [SelectChoice(reason.value, DECLINE_LABELS[reason]) for reason in DeclineReason]
# The stage names as a page shows them, in the page's language (evaluated per request).
STAGE_LABELS = {
    Stage.NEW: _l("New"),
    Stage.CONTACTED: _l("Contacted"),
    Stage.QUALIFIED: _l("Qualified"),
    Stage.APPOINTMENT: _l("Appointment"),
    Stage.WON: _l("Won"),
    Stage.LOST: _l("Lost"),
}
# The stepper's five labels share 390 px, and the stage choices sit two to a row: soft
# hyphens (U+00AD) mark where a long word may break, in each language's own place.
STEPPER_LABELS = {
    **STAGE_LABELS,
    Stage.CONTACTED: _l("Con\u00adtacted"),
    Stage.QUALIFIED: _l("Quali\u00adfied"),
    Stage.APPOINTMENT: _l("Appoint\u00adment"),
}
STAGE_CHOICES = [SelectChoice(stage.value, STEPPER_LABELS[stage]) for stage in TARGET_STAGES]


class DeclineForm(FlaskForm):
    reason = RadioField(
        _l("Why do you decline?"), choices=DECLINE_CHOICES, validators=[DataRequired()]
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class StageForm(FlaskForm):
    """Move an owned lead to a stage; the order value is needed for won."""

    stage = RadioField(_l("Move to"), choices=STAGE_CHOICES, validators=[DataRequired()])
    order_value = StringField(_l("Order value (€, needed for won)"), validators=[Length(max=20)])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
    """A question to the manufacturer about this lead."""

    body = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(max=4000)])


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
