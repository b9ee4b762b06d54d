"""Dealer pages: thin views over the lead, offer, stage, question and push services.

Each page works as plain HTML forms (post, redirect, get). When htmx asks for a
fragment, the same view answers with the partial the page includes
(`render_page_or_fragment`, app/htmx.py; responses vary on HX-Request).
"""

from datetime import datetime

from babel.dates import format_datetime
from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import login_required_role
from app.clock import utcnow, zone
from app.enums import DEALER_ROLES, OPEN_STAGES, Role, Stage
from app.forms import ConfirmForm, submit_form
from app.htmx import is_htmx_request, redirect_to, render_page_or_fragment
from app.inbox import bp
from app.inbox.forms import (
    STAGE_LABELS,
    STEPPER_LABELS,
    AbsenceForm,
    CapacityForm,
    DeclineForm,
    QuestionForm,
    StageForm,
)
from app.inputs import read_json_object
from app.models import Lead, Offer
from app.services import (
    absence,
    dealers,
    inbox,
    offers,
    privacy,
    push_subscriptions,
    questions,
    stages,
    visibility,
)
from app.services.errors import Conflict, DomainError, NotFound

# The stage service's field errors, as the page's language words them.
STAGE_ERRORS = {
    "a won lead needs its value": _l("a won lead needs its value"),
    "must be an amount from 0 to 999,999,999,999.99": _l("Please enter an amount from 0."),
}


@bp.context_processor
def inbox_helpers() -> dict:
    """Names every dealer template may use."""
    return {
        "stage_labels": STAGE_LABELS,
        "stepper_labels": STEPPER_LABELS,
        "local_time": local_time,
        "waiting_count": _waiting_count,
        "customer_of": _customer_of,
    }


def _customer_of(lead: Lead) -> privacy.CustomerView:
    """The lead's customer as the signed-in user may see them (contact hidden until accept)."""
    return privacy.customer_for(lead, current_user)


def _zone():
    dealer = current_user.dealer if current_user.is_authenticated else None
    return zone(dealer.timezone if dealer else None)


def local_time(value: datetime | None, with_date: bool = True) -> str:
    """A time in the dealer's zone, short: "Mon 23 Nov, 09:05"."""
    if value is None:
        return ""
    local = value.astimezone(_zone())
    pattern = "EEE d MMM, HH:mm" if with_date else "HH:mm"
    return format_datetime(local, pattern, locale=get_locale())


def _stage_error(text: str) -> str:
    """A stage field error in the page's language; a bad amount shows how to write one."""
    if text == "must be a number":
        example = format_decimal(12500.5, format="#,##0.00")
        return _("Please enter the amount as a number, such as %(example)s.", example=example)
    return str(STAGE_ERRORS.get(text, text))


def _waiting_count() -> int:
    return len(_inbox_rows()[0])


def _inbox_rows() -> tuple[list[tuple[Lead, Offer]], list[Lead]]:
    """(pending offers by deadline, owned leads by stage then latest change) for this user."""
    if "inbox_rows" not in g:  # the page and its badge share one read per request
        g.inbox_rows = inbox.dealer_inbox(current_user)
    return g.inbox_rows


# --- inbox ---------------------------------------------------------------------------


@bp.get("")
@login_required_role(*DEALER_ROLES)
def list_leads():
    """Pending offers first (with time left), then owned leads by stage."""
    waiting, owned = _inbox_rows()
    context = {
        "waiting": waiting,
        "distances": {lead.id: inbox.distance_to(lead, offer.dealer) for lead, offer in waiting},
        "open_leads": [lead for lead in owned if lead.stage in OPEN_STAGES],
        "closed_leads": [lead for lead in owned if lead.stage not in OPEN_STAGES],
        "now": utcnow(),
    }
    return render_page_or_fragment("inbox/list.html", "inbox/_list_update.html", **context)


# --- one lead ------------------------------------------------------------------------


def _lead_context(lead: Lead, **extra) -> dict:
    """Everything the lead page and its partials show."""
    offer = visibility.pending_offer_for(lead, current_user)
    dealer = offer.dealer if offer is not None else lead.owner
    return {
        "lead": lead,
        "offer": offer,
        "distance": inbox.distance_to(lead, dealer),
        "place": inbox.lead_place(lead),
        "dealer": dealer,
        "questions": questions.questions_on(lead, current_user),
        "action_form": ConfirmForm(),
        "decline_form": DeclineForm(),
        "stage_form": extra.pop("stage_form", None) or _stage_form(lead),
        "question_form": extra.pop("question_form", None) or QuestionForm(formdata=None),
        "now": utcnow(),
        **extra,
    }


def _stage_form(lead: Lead) -> StageForm:
    """The stage form, with the next step of the pipeline chosen."""
    form = StageForm(formdata=None)
    if lead.stage in OPEN_STAGES:
        form.stage.data = Stage(lead.stage).next_stage()
    return form


@bp.get("/leads/<lead_id>")
@login_required_role(*DEALER_ROLES)
def lead_detail(lead_id: str):
    """Everything the customer said, and what the dealer can do now."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    return render_page_or_fragment("inbox/lead.html", "inbox/_lead.html", **_lead_context(lead))


@bp.post("/leads/<lead_id>/accept")
@login_required_role(*DEALER_ROLES)
def accept_lead(lead_id: str):
    """One tap: the dealer takes the lead."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("inbox.lead_detail", lead_id=lead_id))
    try:
        offers.accept_offer(lead_id, current_user)
    except (Conflict, NotFound):
        flash(_("This lead is no longer waiting for you."))
        return _to_inbox()
    message = _("Lead accepted. It's yours: contact the customer soon.")
    if is_htmx_request():
        lead = visibility.get_visible_lead(lead_id, current_user)
        return render_template("inbox/_lead.html", **_lead_context(lead, status_message=message))
    flash(message)
    return redirect(url_for("inbox.lead_detail", lead_id=lead_id))


def _to_inbox():
    """Back to the inbox; an htmx fragment request is told to load it as a whole page."""
    return redirect_to(url_for("inbox.list_leads"))


@bp.route("/leads/<lead_id>/decline", methods=["GET", "POST"])
@login_required_role(*DEALER_ROLES)
def decline_lead(lead_id: str):
    """Decline with a reason; the lead goes to the next dealer at once."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            offers.decline_offer(lead_id, current_user, form.reason.data, form.note.data or None)
        except (Conflict, NotFound):
            flash(_("This lead is no longer waiting for you."))
            return _to_inbox()
        flash(_("Declined. The lead went on to the next dealer."))
        return _to_inbox()
    status = 422 if form.errors else 200
    return render_template("inbox/decline.html", lead=lead, form=form), status


@bp.post("/leads/<lead_id>/stage")
@login_required_role(*DEALER_ROLES)
def change_stage(lead_id: str):
    """Move an owned lead along the pipeline; won asks for the order value."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = StageForm()
    message = None
    try:
        saved = submit_form(
            form,
            lambda: stages.change_stage(
                lead_id,
                current_user,
                form.stage.data,
                form.order_value.data,
                form.note.data,
                locale=str(get_locale()),
            ),
            fallback="stage",
            wording=_stage_error,
        )
    except Conflict:
        flash(_("Accept the lead before you change its stage."))
        return redirect(url_for("inbox.lead_detail", lead_id=lead_id))
    if saved:
        message = _("Stage saved: %(stage)s.", stage=STAGE_LABELS[lead.stage])
        if not is_htmx_request():
            flash(message)
            return redirect(url_for("inbox.lead_detail", lead_id=lead_id))
        form = _stage_form(lead)
    status = 422 if form.errors else 200
    context = _lead_context(lead, stage_form=form, stage_message=message)
    return render_page_or_fragment("inbox/lead.html", "inbox/_stage.html", status, **context)


@bp.post("/leads/<lead_id>/questions")
@login_required_role(*DEALER_ROLES)
def ask_question(lead_id: str):
    """Ask the manufacturer about this lead; the answer comes back as a push."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = QuestionForm()
    message = None
    if submit_form(
        form, lambda: questions.ask_about(lead, current_user, form.body.data), fallback="body"
    ):
        message = "Question sent. You get a notification when the manufacturer answers."
        if not is_htmx_request():
            flash(message)
            return redirect(url_for("inbox.lead_detail", lead_id=lead_id) + "#questions")
        form = QuestionForm(formdata=None)
    status = 422 if form.errors else 200
    context = _lead_context(lead, question_form=form, question_message=message)
    return render_page_or_fragment("inbox/lead.html", "inbox/_questions.html", status, **context)


# --- settings ------------------------------------------------------------------------


def _absence_form() -> AbsenceForm:
    dealer = current_user.dealer
    form = AbsenceForm(formdata=None)
    zone = _zone()
    if dealer is not None and dealer.absent_from is not None:
        form.absent_from.data = dealer.absent_from.astimezone(zone).date()
    if dealer is not None and dealer.absent_until is not None:
        form.absent_until.data = dealer.absent_until.astimezone(zone).date()
    return form


def _settings_context(form: AbsenceForm | None = None, **extra) -> dict:
    dealer = current_user.dealer
    return {
        "dealer": dealer,
        "absence_form": form or _absence_form(),
        "may_set_absence": current_user.role == Role.DEALER_MANAGER,
        "is_absent_now": dealer is not None and dealer.is_absent(utcnow()),
        "absence_ends": dealer.absent_until if dealer is not None else None,
        "absence_starts": dealer.absent_from if dealer is not None else None,
        "capacity_form": extra.pop("capacity_form", None) or _capacity_form(),
        "vapid_public_key": push_subscriptions.vapid_keys().public_key,
        "now": utcnow(),
        **extra,
    }


@bp.get("/settings")
@login_required_role(*DEALER_ROLES)
def show_settings():
    """Absence, notifications on this device, sign out."""
    return render_template("inbox/settings.html", **_settings_context())


@bp.post("/settings/absence")
@login_required_role(Role.DEALER_MANAGER)
def save_absence():
    """Set or clear the dealership's absence (holiday); no leads are offered meanwhile."""
    form = AbsenceForm()
    dealer = current_user.dealer
    message = None
    if request.form.get("action") == "clear":
        if form.validate_on_submit():
            absence.clear_absence(dealer)
            message = "Absence cleared. New leads reach you again."
            form = _absence_form()
    elif submit_form(
        form,
        lambda: absence.set_absence_days(dealer, form.absent_from.data, form.absent_until.data),
        fallback="absent_until",
    ):
        message = "Absence saved. No new leads are offered to you meanwhile."
        form = _absence_form()
    if message and not is_htmx_request():
        flash(message)
        return redirect(url_for("inbox.show_settings"))
    status = 422 if form.errors else 200
    context = _settings_context(form, absence_message=message)
    return render_page_or_fragment("inbox/settings.html", "inbox/_absence.html", status, **context)


def _capacity_form() -> CapacityForm:
    form = CapacityForm(formdata=None)
    if current_user.dealer is not None:
        form.daily_capacity.data = current_user.dealer.daily_capacity
    return form


@bp.post("/settings/capacity")
@login_required_role(Role.DEALER_MANAGER)
def save_capacity():
    """Set how many new leads a day the dealership takes; routing skips it beyond that."""
    form = CapacityForm()
    message = None
    if form.validate_on_submit():
        dealers.set_daily_capacity(current_user.dealer, form.daily_capacity.data)
        message = "Capacity saved."
        if not is_htmx_request():
            flash(message)
            return redirect(url_for("inbox.show_settings"))
        form = _capacity_form()
    status = 422 if form.errors else 200
    context = _settings_context(capacity_form=form, capacity_message=message)
    return render_page_or_fragment("inbox/settings.html", "inbox/_capacity.html", status, **context)


# --- push subscriptions (JSON, session + CSRF header) ---------------------------------


@bp.post("/push-subscriptions")
@login_required_role(*DEALER_ROLES)
def save_push_subscription():
    """Store this device's push subscription for the signed-in user."""
    try:
        push_subscriptions.save_subscription(
            current_user, read_json_object(), request.headers.get("User-Agent")
        )
    except DomainError as error:
        return jsonify({"errors": error.errors}), error.status
    return jsonify({"subscribed": True}), 201


@bp.delete("/push-subscriptions")
@login_required_role(*DEALER_ROLES)
def delete_push_subscription():
    """Forget this device's push subscription (notifications off, or signing out)."""
    try:
        data = read_json_object(optional=True)
        push_subscriptions.delete_subscription(current_user, data.get("endpoint"))
    except DomainError as error:
        return jsonify({"errors": error.errors}), error.status
    return jsonify({"subscribed": False})
