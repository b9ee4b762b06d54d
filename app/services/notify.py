"""Queue notifications (web push) in the outbox, inside the caller's transaction.

A push row exists exactly when the change it announces was committed. Sending is
app/services/push_delivery.py's job, in the worker, never in a request.

Each push is written in its recipient's language (`language_of`), whoever caused it: a
coordinator's English page answering a question still sends a German salesperson a
German push, and the worker, which has no request, does the same.

Whoever reads the users to notify also learns, in the same statement, whether each has any
device subscribed to push (`Recipient.has_device`): the row of a user without one is
written already settled, so the worker never claims it (see `queue_for_users`).
"""

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from babel.dates import format_datetime
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from app.clock import utcnow, zone
from app.enums import Role, WithdrawalReason
from app.extensions import db
from app.i18n import language_of
from app.models import Dealer, Lead, Notification, Question, User
from app.services.push_delivery import NO_DEVICE
from app.services.push_subscriptions import has_push_device
from app.services.unit_of_work import insert_with_transaction
from app.services.visibility import may_see
from app.webpush import push_payload

# (title, body) of a push, written while the recipient's language is in force.
Texts = Callable[[], tuple[str, str]]


class Recipient(NamedTuple):
    """A user to notify, and whether they have any device subscribed to push (None: not
    read with the user; the worker finds out, as it does for everyone with a device)."""

    user: User
    has_device: bool | None = None


def queue_for_users(
    recipients: list[Recipient],
    kind: str,
    lead: Lead | None,
    texts: Texts,
    url: str | None = None,
) -> None:
    """Add one outbox row per user, in that user's language; sent later so no request
    waits on a push service."""
    now = utcnow()
    for user, has_device in recipients:
        with force_locale(language_of(user)):
            title, body = texts()
        # A user with no device subscribed to push gets the row the worker would leave
        # (failed now, "no device"), not a due one: otherwise each such row costs the
        # worker a claim and a settling write transaction on the one write lock, for no
        # push. A device subscribed in the second between this commit and the worker's
        # next pass misses this one push: acceptable, the pushes after it reach it.
        # Every row has the same columns, so the rows still go in as one INSERT.
        settled = has_device is False
        insert_with_transaction(
            Notification.__table__,
            {
                "user_id": user.id,
                "lead_id": lead.id if lead is not None else None,
                "kind": kind,
                "payload": push_payload(
                    title, body, url or lead_url_for(user, lead), _tag(kind, lead)
                ),
                "created_at": now,
                "next_attempt_at": now,
                "failed_at": now if settled else None,
                "last_error": NO_DEVICE if settled else None,
            },
        )


def lead_url_for(user: User, lead: Lead | None) -> str:
    """Where a notification about this lead opens, for this user."""
    home = "/console" if user.is_coordinator else "/inbox"
    return f"{home}/leads/{lead.id}" if lead is not None else home


def _tag(kind: str, lead: Lead | None) -> str:
    return f"lead-{lead.id}" if lead is not None else kind


# The active users, each with whether they have any device subscribed to push: one
# statement (a correlated EXISTS on the subscriptions' user index). Built once, so that
# SQLAlchemy works out their cache keys once, not on every lead.
_ACTIVE_USERS = select(User, has_push_device(User.id)).where(User.active.is_(True))
_ACTIVE_USERS_OF_DEALER = _ACTIVE_USERS.where(User.dealer_id == bindparam("dealer_id"))
_ACTIVE_COORDINATORS = _ACTIVE_USERS.where(User.role == Role.COORDINATOR)


def dealer_users(dealer: Dealer) -> list[Recipient]:
    """The active users of a dealer who should hear about its leads (not those away)."""
    now = utcnow()
    return [
        Recipient(user, has_device)
        for user, has_device in db.session.execute(
            _ACTIVE_USERS_OF_DEALER, {"dealer_id": dealer.id}
        )
        if not user.is_absent(now)
    ]


def _who_may_see(recipients: list[Recipient], lead: Lead) -> list[Recipient]:
    """Of these users, those who may see the lead: a push names its customer, so it goes
    to nobody the lead is a 404 for (a regional coordinator elsewhere, a salesperson whose
    colleague has the lead)."""
    return [recipient for recipient in recipients if may_see(recipient.user, lead)]


def coordinators() -> list[Recipient]:
    """The OEM's active coordinators."""
    return [
        Recipient(user, has_device) for user, has_device in db.session.execute(_ACTIVE_COORDINATORS)
    ]


def notify_new_offer(lead: Lead, dealer: Dealer) -> None:
    """Tell a dealer's people that a lead waits for their answer.

    Pushes to a dealer name the customer by first name only: until it accepts, the
    dealer may not read the surname or contact details (app/services/privacy.py).
    The dealership's salespeople all hear of it: a lead is assigned to one of them only
    once accepted (app/services/assignment.py), so while offered it is everyone's.
    """

    def texts() -> tuple[str, str]:
        if lead.postal_code:
            body = _(
                "%(name)s near %(postal_code)s. Accept or decline in LeadRelay.",
                name=lead.first_name,
                postal_code=lead.postal_code,
            )
        else:
            body = _("%(name)s. Accept or decline in LeadRelay.", name=lead.first_name)
        return _("New lead: %(title)s", title=lead.title), body

    queue_for_users(dealer_users(dealer), "new_offer", lead, texts)


def notify_unassigned(lead: Lead) -> None:
    """Tell the coordinators that a lead has no dealer left and sits in the OEM queue."""
    queue_for_users(
        _who_may_see(coordinators(), lead),
        "unassigned",
        lead,
        lambda: (
            _("Lead needs a dealer: %(title)s", title=lead.title),
            _(
                "%(name)s: no matching dealer is left. It waits in the OEM queue.",
                name=lead.customer_name,
            ),
        ),
    )


def _withdrawn_because(reason: WithdrawalReason) -> str:
    """Why a lead was taken back, in the language in force."""
    return {
        WithdrawalReason.REASSIGNED: _("the manufacturer gave this lead to another dealer"),
        WithdrawalReason.ACCEPTED_ELSEWHERE: _("another dealer accepted this lead first"),
        WithdrawalReason.FORWARDED: _("it was forwarded to a sub-dealer"),
        WithdrawalReason.ABSENT: _("you are marked as away, so it went to another dealer"),
    }[reason]


def notify_withdrawn(
    lead: Lead, dealer: Dealer, reason: WithdrawalReason = WithdrawalReason.REASSIGNED
) -> None:
    """Tell a dealer's people that a lead offered to them was taken back, and why."""
    queue_for_users(
        dealer_users(dealer),
        "withdrawn",
        lead,
        lambda: (
            _("Lead taken back: %(title)s", title=lead.title),
            _(
                "%(name)s: %(reason)s. Nothing more to do.",
                name=lead.first_name,
                reason=_withdrawn_because(reason),
            ),
        ),
        url="/inbox",  # the lead is no longer this dealer's to open
    )


def notify_assigned(lead: Lead, salesperson: User, by: User) -> None:
    """Tell a salesperson that a lead of the dealership is now theirs to work."""
    queue_for_users(
        [Recipient(salesperson)],  # devices not read here: the worker finds out
        "assigned",
        lead,
        lambda: (
            _("Your lead: %(title)s", title=lead.title),
            _(
                "%(who)s gave you %(name)s's inquiry. Contact them soon.",
                who=by.email,
                name=lead.customer_name,
            ),
        ),
    )


def notify_customer_wrote_again(lead: Lead) -> None:
    """Tell the dealer holding a lead (or each one offered it) that the customer wrote again."""
    dealers = {offer.dealer_id: offer.dealer for offer in lead.offers if offer.status == "pending"}
    if lead.owner is not None:
        dealers[lead.owner.id] = lead.owner
    for dealer in dealers.values():
        queue_for_users(
            _who_may_see(dealer_users(dealer), lead),
            "customer_again",
            lead,
            lambda: (
                _("Customer wrote again: %(title)s", title=lead.title),
                _("The customer sent the inquiry again; the new message is on the lead."),
            ),
        )


def notify_question(question: Question, lead: Lead) -> None:
    """Tell the coordinators that a dealer asked about a lead."""

    def texts() -> tuple[str, str]:
        dealer_name = question.dealer.name if question.dealer else _("A dealer")
        return (
            _("Question from %(dealer)s", dealer=dealer_name),
            f"{lead.title}: {question.body}",
        )

    queue_for_users(
        _who_may_see(coordinators(), lead),
        "question",
        lead,
        texts,
        url=f"/console/questions#question-{question.id}",
    )


def notify_answer(question: Question, lead: Lead) -> None:
    """Tell the asking dealer's people that the OEM answered their question."""
    recipients = _who_may_see(dealer_users(question.dealer), lead) if question.dealer else []
    for recipient in recipients:
        queue_for_users(
            [recipient],
            "answer",
            lead,
            lambda: (_("Answer on %(title)s", title=lead.title), question.answer or ""),
            url=f"{lead_url_for(recipient.user, lead)}#questions",
        )


def notify_reminder(lead: Lead, dealer: Dealer, due: datetime | None = None) -> None:
    """Remind a dealer's people that a lead still waits for their answer (once per offer)."""

    def texts() -> tuple[str, str]:
        title = _("Still waiting: %(title)s", title=lead.title)
        if due is None:
            return title, _(
                "%(name)s waits for your answer. Accept or decline, or it goes to another dealer.",
                name=lead.first_name,
            )
        # The deadline in the dealer's time zone, written the recipient's way ("Fr. 14:30").
        when = format_datetime(due, "EEE HH:mm", tzinfo=zone(dealer.timezone), locale=get_locale())
        return title, _(
            "%(name)s waits for your answer. Accept or decline by %(when)s, "
            "or it goes to another dealer.",
            name=lead.first_name,
            when=when,
        )

    queue_for_users(dealer_users(dealer), "reminder", lead, texts)
