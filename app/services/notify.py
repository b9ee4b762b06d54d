"""Queue notifications (web push) in the outbox, inside the caller's transaction.

A push row exists exactly when the change it announces was committed. Sending is
app/services/push_delivery.py's job, in the worker, never in a request.
"""

from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow, zone
from app.enums import Role, WithdrawalReason
from app.extensions import db
from app.models import Dealer, Lead, Notification, Question, User
from app.services.visibility import may_see
from app.webpush import push_payload


def queue_for_users(
    users: list[User],
    kind: str,
    lead: Lead | None,
    title: str,
    body: str,
    url: str | None = None,
) -> None:
    """Add one outbox row per user; sent later so no request waits on a push service."""
    now = utcnow()
    for user in users:
        db.session.add(
            Notification(
                user_id=user.id,
                lead_id=lead.id if lead is not None else None,
                kind=kind,
                payload=push_payload(
                    title, body, url or lead_url_for(user, lead), _tag(kind, lead)
                ),
                created_at=now,
                next_attempt_at=now,
            )
        )


def lead_url_for(user: User, lead: Lead | None) -> str:
    """Where a notification about this lead opens, for this user."""
    home = "/console" if user.is_coordinator else "/inbox"
    return f"{home}/leads/{lead.id}" if lead is not None else home


def _tag(kind: str, lead: Lead | None) -> str:
    return f"lead-{lead.id}" if lead is not None else kind


def dealer_users(dealer: Dealer) -> list[User]:
    """The active users of a dealer who should hear about its leads (not those away)."""
    now = utcnow()
    return [
        user
        for user in db.session.scalars(
            select(User).where(User.dealer_id == dealer.id, User.active.is_(True))
        )
        if not user.is_absent(now)
    ]


def _who_may_see(users: list[User], lead: Lead) -> list[User]:
    """Of these users, those who may see the lead: a push names its customer, so it goes
    to nobody the lead is a 404 for (a regional coordinator elsewhere, a salesperson whose
    colleague has the lead)."""
    return [user for user in users if may_see(user, lead)]


def coordinators() -> list[User]:
    """The OEM's active coordinators."""
    return list(
        db.session.scalars(select(User).where(User.role == Role.COORDINATOR, User.active.is_(True)))
    )


def notify_new_offer(lead: Lead, dealer: Dealer) -> None:
    """Tell a dealer's people that a lead waits for their answer.

    Pushes to a dealer name the customer by first name only: until it accepts, the
    dealer may not read the surname or contact details (app/services/privacy.py).
    """
    where = f" near {lead.postal_code}" if lead.postal_code else ""
    queue_for_users(
        dealer_users(dealer),
        "new_offer",
        lead,
        f"New lead: {lead.title}",
        f"{lead.first_name}{where}. Accept or decline in LeadRelay.",
    )


def notify_unassigned(lead: Lead) -> None:
    """Tell the coordinators that a lead has no dealer left and sits in the OEM queue."""
    queue_for_users(
        _who_may_see(coordinators(), lead),
        "unassigned",
        lead,
        f"Lead needs a dealer: {lead.title}",
        f"{lead.customer_name}: no matching dealer is left. It waits in the OEM queue.",
    )


_WITHDRAWN_BECAUSE = {
    WithdrawalReason.REASSIGNED: "the manufacturer gave this lead to another dealer",
    WithdrawalReason.ACCEPTED_ELSEWHERE: "another dealer accepted this lead first",
    WithdrawalReason.FORWARDED: "it was forwarded to a sub-dealer",
    WithdrawalReason.ABSENT: "you are marked as away, so it went to another dealer",
}


def notify_withdrawn(
    lead: Lead, dealer: Dealer, reason: WithdrawalReason = WithdrawalReason.REASSIGNED
) -> None:
    """Tell a dealer's people that a lead offered to them was taken back, and why."""
    queue_for_users(
        dealer_users(dealer),
        "withdrawn",
        lead,
        f"Lead taken back: {lead.title}",
        f"{lead.first_name}: {_WITHDRAWN_BECAUSE[reason]}. Nothing more to do.",
        url="/inbox",  # the lead is no longer this dealer's to open
    )


def notify_assigned(lead: Lead, salesperson: User, by: User) -> None:
    """Tell a salesperson that a lead of the dealership is now theirs to work."""
    queue_for_users(
        [salesperson],
        "assigned",
        lead,
        f"Your lead: {lead.title}",
        f"{by.email} gave you {lead.customer_name}'s inquiry. Contact them soon.",
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
            f"Customer wrote again: {lead.title}",
            "The customer sent the inquiry again; the new message is on the lead.",
        )


def notify_question(question: Question, lead: Lead) -> None:
    """Tell the coordinators that a dealer asked about a lead."""
    dealer_name = question.dealer.name if question.dealer else "A dealer"
    queue_for_users(
        _who_may_see(coordinators(), lead),
        "question",
        lead,
        f"Question from {dealer_name}",
        f"{lead.title}: {question.body}",
        url=f"/console/questions#question-{question.id}",
    )


def notify_answer(question: Question, lead: Lead) -> None:
    """Tell the asking dealer's people that the OEM answered their question."""
    users = _who_may_see(dealer_users(question.dealer), lead) if question.dealer else []
    for user in users:
        queue_for_users(
            [user],
            "answer",
            lead,
            f"Answer on {lead.title}",
            question.answer or "",
            url=f"{lead_url_for(user, lead)}#questions",
        )


def notify_reminder(lead: Lead, dealer: Dealer, due: datetime | None = None) -> None:
    """Remind a dealer's people that a lead still waits for their answer (once per offer)."""
    when = ""
    if due is not None:
        local = due.astimezone(zone(dealer.timezone))
        when = f" by {local:%a %H:%M}"
    queue_for_users(
        dealer_users(dealer),
        "reminder",
        lead,
        f"Still waiting: {lead.title}",
        f"{lead.first_name} waits for your answer. Accept or decline{when}, "
        "or it goes to another dealer.",
    )
