"""Inside a dealership: who works an accepted lead.

A dealer manager assigns a lead its dealership owns to one of the dealership's
salespeople; a salesperson hands a lead of theirs (or an unassigned one) to a colleague.
Either way the new assignee gets a push. A salesperson sees the leads assigned to them
and the dealership's unassigned ones (app/services/visibility.py `visible_to`); a lead
assigned to a colleague is a 404 for them. Nobody is given a lead while absent.
"""

from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.enums import LeadStatus, Role
from app.extensions import db
from app.models import Lead, User
from app.services import notify
from app.services.errors import Conflict, Forbidden, ValidationFailed
from app.services.events import record_event
from app.services.unit_of_work import unit_of_work
from app.services.visibility import get_visible_lead


def salespeople_of(dealer_id: int) -> list[User]:
    """The active salespeople of a dealership, by e-mail."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.dealer_id == dealer_id,
                User.role == Role.SALESPERSON,
                User.active.is_(True),
            )
            .order_by(User.email)
        )
    )


def _check_may_give(lead: Lead, actor: User) -> None:
    """409 unless the lead is accepted and owned; 403 for a salesperson's colleague's lead."""
    if lead.status != LeadStatus.ACCEPTED or lead.owner_dealer_id is None:
        raise Conflict(
            "not owned", {"status": "only an accepted lead is assigned inside the dealership"}
        )
    if actor.role == Role.SALESPERSON and lead.assignee_user_id not in (None, actor.id):
        raise Forbidden(errors={"authorization": "hand on only your own leads"})


def assignable_salespeople(
    lead: Lead, actor: User, now: datetime | None = None
) -> list[User] | None:
    """The salespeople the actor may give this lead to now (present, neither its assignee
    nor the actor); None when the lead is not the actor's to give."""
    try:
        _check_may_give(lead, actor)
    except (Conflict, Forbidden):
        return None
    now = now or utcnow()
    return [
        person
        for person in salespeople_of(lead.owner_dealer_id)
        if person.id not in (lead.assignee_user_id, actor.id) and not person.is_absent(now)
    ]


def assign_salesperson(
    lead_id: str, actor: User, user_id: object, now: datetime | None = None
) -> Lead:
    """Give an owned lead to a salesperson of the owning dealership; they get a push.

    A manager assigns any lead its dealership owns; a salesperson hands on a lead that is
    theirs or unassigned. 404 for a lead the actor may not see, 409 while not accepted,
    422 for someone who is not a salesperson there or is absent.
    """
    now = now or utcnow()
    lead = get_visible_lead(lead_id, actor)
    _check_may_give(lead, actor)
    target = _colleague(lead, user_id, now)
    if target.id == lead.assignee_user_id:
        return lead
    previous = lead.assignee
    with unit_of_work():
        lead.assignee_user_id = target.id
        lead.updated_at = now
        record_event(
            lead,
            "handed_over" if actor.role == Role.SALESPERSON else "assigned_to_salesperson",
            actor=actor,
            dealer=lead.owner,
            to=target.email,
            previous=previous.email if previous else None,
        )
        notify.notify_assigned(lead, target, actor)
    return lead


def _colleague(lead: Lead, user_id: object, now: datetime) -> User:
    """The salesperson of the lead's owning dealership with this id, present today."""
    field = "user_id"
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 0 < user_id < 2**62:
        raise ValidationFailed("bad user", {field: "must be a salesperson's id"})
    target = db.session.get(User, user_id)
    if (
        target is None
        or not target.active
        or target.role != Role.SALESPERSON
        or target.dealer_id != lead.owner_dealer_id
    ):
        raise ValidationFailed(
            "not a salesperson here", {field: "is not a salesperson of the owning dealership"}
        )
    if target.is_absent(now):
        raise ValidationFailed("absent", {field: f"{target.email} is absent"})
    return target
