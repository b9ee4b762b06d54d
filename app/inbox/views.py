"""Dealer pages: thin views over the lead, offer, stage, question and push services.

Each page works as plain HTML forms (post, redirect, get). When htmx asks for a
fragment, the same view answers with the partial the page includes
(`render_page_or_fragment`, app/htmx.py; responses vary on HX-Request).
"""

from datetime import datetime

from babel.dates import format_datetime
from flask import flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_decimal, get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import login_required_role
from app.clock import utcnow, zone
from app.enums import DEALER_ROLES, OPEN_STAGES, Role, Stage, Tier
from app.forms import PASSWORD_ERRORS, ConfirmForm, submit_form
from app.htmx import is_htmx_request, redirect_to, render_page_or_fragment
from app.inbox import bp
from app.inbox.forms import (
    LOST_LABELS,
    PREFERENCE_LABELS,
    STAGE_LABELS,
    STEPPER_LABELS,
    AbsenceForm,
    AssigneeForm,
    CapacityForm,
    DeclineForm,
    ForwardForm,
    LanguageForm,
    NoteForm,
    PasswordForm,
    QuestionForm,
    StageForm,
)
from app.inputs import read_json_object
from app.models import Lead, Offer
from app.services import (
    absence,
    assignment,
    dealers,
    dispatch,
    inbox,
    notes,
    offers,
    privacy,
    push_preferences,
    push_subscriptions,
    questions,
    stages,
    users,
    visibility,
)
from app.services.errors import Conflict, DomainError, NotFound, ValidationFailed

# The services' field errors, as the page's language words them (the services and the
# JSON API keep their English texts).
FIELD_ERRORS = {
    "a won lead needs its value": _l("a won lead needs its value"),
    "must be an amount from 0 to 999,999,999,999.99": _l("Please enter an amount from 0."),
    "give the day you are back": _l("Give the day you are back."),
    "the absence must end after it starts": _l("The absence must end after it starts."),
    "write your question or answer": _l("Write your question."),
    "write your note": _l("Write your note."),
    "is not right": _l("This is not your current password."),
    **PASSWORD_ERRORS,
}

# The forms of the lead page's cards, empty (the note form's prefix keeps its field's id
# apart from the question form's on the same page).
EMPTY_CARD_FORMS = {
    "question": lambda: QuestionForm(formdata=None),
    "note": lambda: NoteForm(formdata=None, prefix="note"),
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


def _field_error(text: str) -> str:
    """A service's field error in the page's language; a bad amount shows how to write one."""
    if text == "must be a number":
        example = format_decimal(12500.5, format="#,##0.00")
        return _("Please enter the amount as a number, such as %(example)s.", example=example)
    return str(FIELD_ERRORS.get(text, text))


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
    """Pending offers first (with time left), then owned leads by stage; a distributor
    filters between its own leads and its sub-dealers' (`?scope=own|sub_dealers`)."""
    is_distributor = (
        current_user.dealer is not None and current_user.dealer.tier == Tier.DISTRIBUTOR
    )
    scope = request.args.get("scope") if is_distributor else None
    scope = scope if scope in inbox.INBOX_SCOPES else None
    waiting, owned = inbox.dealer_inbox(current_user, scope) if scope else _inbox_rows()
    query = request.args.get("q", "").strip()[:100]
    if query:
        owned = inbox.search_own_leads(owned, query)
    context = {
        "query": query,
        "is_distributor": is_distributor,
        "scope": scope,
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
        "question_form": extra.pop("question_form", None) or EMPTY_CARD_FORMS["question"](),
        "notes": notes.notes_on(lead, current_user),
        "note_form": extra.pop("note_form", None) or EMPTY_CARD_FORMS["note"](),
        "lost_labels": LOST_LABELS,
        "assignee_form": extra.pop("assignee_form", None) or _assignee_form(lead),
        "forward_form": extra.pop("forward_form", None) or _forward_form(lead),
        "now": utcnow(),
        **extra,
    }


def _assignee_form(lead: Lead, formdata: object = None) -> AssigneeForm | None:
    """Who the lead can go to inside the dealership, or None when it is not the user's
    to give (not accepted, or a colleague's)."""
    people = assignment.assignable_salespeople(lead, current_user)
    if people is None:
        return None
    form = AssigneeForm(formdata=formdata)
    form.user_id.choices = [(person.id, person.email) for person in people]
    return form


def _forward_form(lead: Lead, formdata: object = None) -> ForwardForm | None:
    """A distributor's choice of sub-dealers for a lead it holds or owns, else None."""
    targets = dispatch.forward_targets(lead, current_user)
    if not targets:
        return None
    form = ForwardForm(formdata=formdata)
    form.dealer.choices = [(child.code, child.name) for child in targets]
    return form


def _stage_form(lead: Lead) -> StageForm:
    """The stage form, with the next step of the pipeline chosen."""
    form = StageForm(formdata=None)
    if lead.stage in OPEN_STAGES:
        form.stage.data = Stage(lead.stage).next_stage()
    return form


@bp.get("/leads/<lead_id>")
@login_required_role(*DEALER_ROLES, relation="lead")
def lead_detail(lead_id: str):
    """Everything the customer said, and what the dealer can do now."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    return render_page_or_fragment("inbox/lead.html", "inbox/_lead.html", **_lead_context(lead))


@bp.post("/leads/<lead_id>/accept")
@login_required_role(*DEALER_ROLES, relation="offered_lead")
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
        # The tab bar's count of waiting offers is swapped out of band: one fewer now.
        context = _lead_context(lead, status_message=message, refresh_count=True)
        return render_template("inbox/_lead.html", **context)
    flash(message)
    return redirect(url_for("inbox.lead_detail", lead_id=lead_id))


def _to_inbox():
    """Back to the inbox; an htmx fragment request is told to load it as a whole page."""
    return redirect_to(url_for("inbox.list_leads"))


@bp.route("/leads/<lead_id>/decline", methods=["GET", "POST"])
@login_required_role(*DEALER_ROLES, relation="lead")
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
@login_required_role(*DEALER_ROLES, relation="lead")
def change_stage(lead_id: str):
    """Move an owned lead along the pipeline; won asks for the order value."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = StageForm()
    message = None
    to_confirm = None
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
                lost_reason=form.chosen_lost_reason(),
                confirmed_amount=form.confirmed_amount.data,
            ),
            fallback="stage",
            wording=_field_error,
        )
    except stages.AmountToConfirm as question:
        # "12.500" reads two ways: show the amount as read, save only when confirmed.
        saved, to_confirm = False, question.value
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
    context = _lead_context(
        lead, stage_form=form, stage_message=message, amount_to_confirm=to_confirm
    )
    return render_page_or_fragment("inbox/lead.html", "inbox/_stage.html", status, **context)


@bp.get("/leads/<lead_id>/amount")
@login_required_role(*DEALER_ROLES, relation="lead")
def preview_amount(lead_id: str):
    """As the order value is typed (htmx): how the page reads it, in the dealer's money,
    and whether saving will ask to confirm it."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    typed = request.args.get("order_value", "")[:40]
    reading = stages.read_typed_amount(typed, str(get_locale()))
    return render_template(
        "inbox/_amount_preview.html", reading=reading, typed=typed, dealer=lead.owner
    )


@bp.post("/leads/<lead_id>/assignee")
@login_required_role(*DEALER_ROLES, relation="lead")
def assign_salesperson(lead_id: str):
    """A manager assigns the lead to a salesperson; a salesperson hands it to a colleague."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = _assignee_form(lead, formdata=request.form) or AssigneeForm(formdata=None)
    message = None
    if form.user_id.choices and form.validate_on_submit():
        try:
            lead = assignment.assign_salesperson(lead_id, current_user, form.user_id.data)
        except (ValidationFailed, Conflict) as error:
            form.user_id.errors = [next(iter(error.errors.values()), error.message)]
        else:
            message = _("Given to %(email)s. They got a notification.", email=lead.assignee.email)
            if current_user.role == Role.SALESPERSON or not is_htmx_request():
                # A salesperson who handed the lead on no longer sees it.
                flash(message)
                target = (
                    url_for("inbox.list_leads")
                    if current_user.role == Role.SALESPERSON
                    else url_for("inbox.lead_detail", lead_id=lead_id)
                )
                return redirect_to(target)
            form = _assignee_form(lead)
    elif not form.user_id.choices:
        form.user_id.errors = [_("There is nobody to give this lead to.")]
    status = 422 if form.errors else 200
    context = _lead_context(lead, assignee_form=form, assignee_message=message)
    return render_page_or_fragment("inbox/lead.html", "inbox/_assignee.html", status, **context)


@bp.post("/leads/<lead_id>/forward")
@login_required_role(*DEALER_ROLES, relation="lead", tier=Tier.DISTRIBUTOR)
def forward_lead(lead_id: str):
    """A distributor hands the lead to one of its sub-dealers, who gets it as an offer."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = _forward_form(lead, formdata=request.form)
    if form is None:
        flash(_("This lead is not yours to forward now."))
        return redirect(url_for("inbox.lead_detail", lead_id=lead_id))
    if form.validate_on_submit():
        try:
            lead = dispatch.forward_lead(lead_id, form.dealer.data, current_user)
        except (ValidationFailed, Conflict) as error:
            form.dealer.errors = [next(iter(error.errors.values()), error.message)]
        else:
            flash(
                _(
                    "Forwarded to %(dealer)s. If they decline, it comes back to you.",
                    dealer=lead.holder.name,
                )
            )
            return redirect_to(url_for("inbox.lead_detail", lead_id=lead_id))
    context = _lead_context(lead, forward_form=form)
    return render_page_or_fragment("inbox/lead.html", "inbox/_forward.html", 422, **context)


@bp.post("/leads/<lead_id>/questions")
@login_required_role(*DEALER_ROLES, relation="lead")
def ask_question(lead_id: str):
    """Ask the manufacturer about this lead; the answer comes back as a push."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = QuestionForm()
    return _save_on_lead_card(
        lead,
        form,
        lambda: questions.ask_about(lead, current_user, form.body.data),
        card="question",
        message=_("Question sent. You get a notification when the manufacturer answers."),
    )


@bp.post("/leads/<lead_id>/notes")
@login_required_role(*DEALER_ROLES, relation="lead")
def add_note(lead_id: str):
    """Keep a private note on the lead, for the people of this dealership."""
    lead = visibility.get_visible_lead(lead_id, current_user)
    form = NoteForm(prefix="note")
    return _save_on_lead_card(
        lead,
        form,
        lambda: notes.add_note(lead.id, current_user, form.body.data),
        card="note",
        message=_("Note saved. Only your dealership sees it."),
    )


def _save_on_lead_card(lead: Lead, form, action, card: str, message: str):
    """The question and note cards: the form through its service call, then the lead
    page again (a redirect), or for htmx just the card (`_questions.html`, `_notes.html`)."""
    saved = submit_form(form, action, fallback="body", wording=_field_error)
    if saved and not is_htmx_request():
        flash(message)
        return redirect(url_for("inbox.lead_detail", lead_id=lead.id) + f"#{card}s")
    if saved:
        form = EMPTY_CARD_FORMS[card]()
    status = 422 if form.errors else 200
    context = _lead_context(
        lead, **{f"{card}_form": form, f"{card}_message": message if saved else None}
    )
    return render_page_or_fragment("inbox/lead.html", f"inbox/_{card}s.html", status, **context)


# --- settings ------------------------------------------------------------------------


def _absent_one():
    """Whose absence the settings page sets: a manager the dealership's, a salesperson
    their own."""
    return current_user.dealer if current_user.role == Role.DEALER_MANAGER else current_user


def _absence_form() -> AbsenceForm:
    away = _absent_one()
    form = AbsenceForm(formdata=None)
    zone = _zone()
    if away is not None and away.absent_from is not None:
        form.absent_from.data = away.absent_from.astimezone(zone).date()
    if away is not None and away.absent_until is not None:
        form.absent_until.data = away.absent_until.astimezone(zone).date()
    return form


def _settings_context(form: AbsenceForm | None = None, **extra) -> dict:
    dealer = current_user.dealer
    away = _absent_one()
    return {
        "dealer": dealer,
        "absence_form": form or _absence_form(),
        "may_set_absence": away is not None,
        "may_set_capacity": current_user.role == Role.DEALER_MANAGER,
        "own_absence": away is current_user,
        "is_absent_now": away is not None and away.is_absent(utcnow()),
        "absence_ends": away.absent_until if away is not None else None,
        "absence_starts": away.absent_from if away is not None else None,
        "capacity_form": extra.pop("capacity_form", None) or _capacity_form(),
        "vapid_public_key": push_subscriptions.vapid_keys().public_key,
        "language_form": extra.pop("language_form", None) or _language_form(),
        "password_form": extra.pop("password_form", None) or PasswordForm(formdata=None),
        **_devices_context(),
        "now": utcnow(),
        **extra,
    }


@bp.get("/settings")
@login_required_role(*DEALER_ROLES)
def show_settings():
    """Absence, notifications on this device, sign out."""
    return render_template("inbox/settings.html", **_settings_context())


def _language_form() -> LanguageForm:
    form = LanguageForm(formdata=None)
    form.language.data = current_user.language or ""
    return form


@bp.post("/settings/language")
@login_required_role(*DEALER_ROLES)
def save_language():
    """The language the pages speak to this user; the whole app changes, so the settings
    page loads again in it."""
    form = LanguageForm()
    if submit_form(
        form,
        lambda: users.set_language(current_user, form.language.data),
        fallback="language",
        wording=_field_error,
    ):
        refresh()  # this response already speaks the new language
        flash(_("Language saved."))
        return redirect_to(url_for("inbox.show_settings"))
    context = _settings_context(language_form=form)
    return render_template("inbox/settings.html", **context), 422


@bp.post("/settings/password")
@login_required_role(*DEALER_ROLES)
def change_password():
    """Change one's own password; other signed-in devices are signed out."""
    form = PasswordForm()
    message = None
    if submit_form(
        form,
        lambda: users.change_password(
            current_user,
            form.current_password.data,
            form.new_password.data,
            form.repeat_password.data,
            keep_session_key=current_user.session_key,
        ),
        fallback="new_password",
        wording=_field_error,
    ):
        message = _("Password changed. Other devices are signed out.")
        if not is_htmx_request():
            flash(message)
            return redirect(url_for("inbox.show_settings"))
        form = PasswordForm(formdata=None)
    status = 422 if form.errors else 200
    context = _settings_context(password_form=form, password_message=message)
    return render_page_or_fragment("inbox/settings.html", "inbox/_password.html", status, **context)


@bp.post("/settings/absence")
@login_required_role(*DEALER_ROLES)
def save_absence():
    """Set or clear an absence: a manager the dealership's (no leads are offered
    meanwhile), a salesperson their own (no pushes, no leads assigned to them)."""
    form = AbsenceForm()
    away = _absent_one()
    message = None
    if request.form.get("action") == "clear":
        if form.validate_on_submit():
            absence.clear_absence(away)
            message = _("Absence cleared. New leads reach you again.")
            form = _absence_form()
    elif submit_form(
        form,
        lambda: absence.set_absence_days(away, form.absent_from.data, form.absent_until.data),
        fallback="absent_until",
        wording=_field_error,
    ):
        message = _("Absence saved. No new leads are offered to you meanwhile.")
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
        message = _("Capacity saved.")
        if not is_htmx_request():
            flash(message)
            return redirect(url_for("inbox.show_settings"))
        form = _capacity_form()
    status = 422 if form.errors else 200
    context = _settings_context(capacity_form=form, capacity_message=message)
    return render_page_or_fragment("inbox/settings.html", "inbox/_capacity.html", status, **context)


# --- notification preferences per device ---------------------------------------------

# Which of the user's devices this browser is: remembered when it subscribes.
THIS_DEVICE = "push_device_id"


def _devices_context() -> dict:
    return {
        "devices": push_preferences.devices_of(current_user, session.get(THIS_DEVICE)),
        "preference_labels": PREFERENCE_LABELS,
    }


@bp.get("/settings/devices")
@login_required_role(*DEALER_ROLES)
def show_devices():
    """The list of the user's devices (htmx refreshes it after a device subscribes)."""
    if not is_htmx_request():
        return redirect(url_for("inbox.show_settings", _anchor="devices"))
    return render_template("inbox/_devices.html", **_devices_context())


@bp.post("/settings/devices")
@login_required_role(*DEALER_ROLES)
def save_device_preferences():
    """Which kinds of notification one of the user's devices (form field `device`) gets."""
    device_id = push_preferences.save_preferences(
        current_user, request.form.get("device"), request.form.getlist("wants")
    )
    message = _("Saved for this device.")
    if is_htmx_request():
        return render_template("inbox/_device_status.html", message=message)
    flash(message)
    return redirect(url_for("inbox.show_settings", _anchor=f"device-{device_id}"))


# --- push subscriptions (JSON, session + CSRF header) ---------------------------------


@bp.post("/push-subscriptions")
@login_required_role(*DEALER_ROLES)
def save_push_subscription():
    """Store this device's push subscription for the signed-in user."""
    try:
        subscription = push_subscriptions.save_subscription(
            current_user, read_json_object(), request.headers.get("User-Agent")
        )
    except DomainError as error:
        return jsonify({"errors": error.errors}), error.status
    session[THIS_DEVICE] = subscription.id
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
    session.pop(THIS_DEVICE, None)
    return jsonify({"subscribed": False})
