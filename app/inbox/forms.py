"""Forms of the dealer app."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.enums import TARGET_STAGES, DeclineReason, LostReason, Stage
from app.forms import NewPasswordForm, PlausibleDate

# The decline reasons in the page's language (app/enums.py keeps the English names).
DECLINE_LABELS = {
    DeclineReason.PORTFOLIO: _l("Not in our portfolio"),
    DeclineReason.CAPACITY: _l("No capacity right now"),
    DeclineReason.LOCATION: _l("Too far away"),
    DeclineReason.SPAM: _l("Spam or fake"),
    DeclineReason.OTHER: _l("Other reason"),
}
DECLINE_CHOICES = [SelectChoice(reason.value, DECLINE_LABELS[reason]) for reason in DeclineReason]
# The four kinds of notification a device may switch off (app/services/push_preferences.py).
PREFERENCE_LABELS = {
    "new_lead": _l("New leads"),
    "reminder": _l("Reminders before a deadline"),
    "answer": _l("Answers from the manufacturer"),
    "taken_back": _l("Leads taken back"),
}
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
LOST_LABELS = {
    LostReason.PRICE: _l("Price"),
    LostReason.BOUGHT_ELSEWHERE: _l("Bought elsewhere"),
    LostReason.NO_RESPONSE: _l("No response"),
    LostReason.NOT_INTERESTED: _l("Not interested"),
    LostReason.OTHER: _l("Other (say why in the note)"),
}
LOST_CHOICES = [SelectChoice(reason.value, LOST_LABELS[reason]) for reason in LostReason]
LANGUAGE_CHOICES = [
    SelectChoice("", _l("As my browser says")),
    SelectChoice("de", "Deutsch"),
    SelectChoice("en", "English"),
]


class DeclineForm(FlaskForm):
    reason = RadioField(
        _l("Why do you decline?"), choices=DECLINE_CHOICES, validators=[DataRequired()]
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class StageForm(FlaskForm):
    """Move an owned lead to a stage; the order value is needed for won."""

    stage = RadioField(_l("Move to"), choices=STAGE_CHOICES, validators=[DataRequired()])
    # The label names the dealer's currency (templates/inbox/_stage.html).
    order_value = StringField(_l("Order value"), validators=[Length(max=20)])
    # The amount the page showed for a value that reads two ways ("12500.00"), sent by
    # its "Yes, save" button: saving then goes ahead (services/stages.py).
    confirmed_amount = HiddenField(validators=[Length(max=30)])
    # Checked below, not by the field: it is needed only when the lead is lost.
    lost_reason = RadioField(
        _l("Why was it lost? (needed for lost)"), choices=LOST_CHOICES, validate_choice=False
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])

    def validate_lost_reason(self, field) -> None:
        """Lost needs one of the reasons; other stages ignore the field."""
        if self.stage.data == Stage.LOST and field.data not in tuple(LostReason):
            raise ValidationError(_l("Choose why it was lost."))

    def chosen_lost_reason(self) -> str | None:
        """The reason to store: only a lost lead has one."""
        return self.lost_reason.data if self.stage.data == Stage.LOST else None


class NoteForm(FlaskForm):
    """A private note on a lead, for the dealership's own people (prefix "note")."""

    body = TextAreaField(_l("Your note"), validators=[DataRequired(), Length(max=2000)])


class LanguageForm(FlaskForm):
    """The language the pages speak to this user; empty follows the browser."""

    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES)


class QuestionForm(FlaskForm):
    """A question to the manufacturer about this lead."""

    body = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(max=4000)])


class AssigneeForm(FlaskForm):
    """Inside a dealership: the salesperson who works the lead (choices set by the view)."""

    user_id = SelectField(_l("Salesperson"), coerce=int, validators=[DataRequired()])


class ForwardForm(FlaskForm):
    """A distributor hands the lead to one of its sub-dealers (choices set by the view)."""

    dealer = SelectField(_l("Sub-dealer"), validators=[DataRequired()])


class AbsenceForm(FlaskForm):
    """The dealership's holiday: no new leads are offered meanwhile."""

    # Bounded: a date like 0001-01-01 cannot be converted between time zones.
    absent_from = DateField(_l("Away from"), validators=[Optional(), PlausibleDate()])
    absent_until = DateField(_l("Back on"), validators=[Optional(), PlausibleDate()])


class CapacityForm(FlaskForm):
    """How many new leads a day the dealership takes; empty means no limit."""

    daily_capacity = IntegerField(
        _l("New leads per day"), validators=[Optional(), NumberRange(min=0, max=100000)]
    )


class PasswordForm(NewPasswordForm):
    """The user's own password change: the current one, then the new one twice."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )
