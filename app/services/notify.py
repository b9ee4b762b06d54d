"""Queue notifications (web push) in the outbox; the worker delivers them."""

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Lead, Notification, User


def queue_for_users(users: list[User], kind: str, lead: Lead | None, title: str, body: str) -> None:
    """Add one outbox row per user; sent later so no request waits on a push service."""
    now = utcnow()
    for user in users:
        db.session.add(
            Notification(
                user_id=user.id,
                lead_id=lead.id if lead is not None else None,
                kind=kind,
                payload={
                    "title": title,
                    "body": body[:240],
                    "url": lead_url_for(user, lead),
                    "tag": _tag(kind, lead),
                },
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
    """The active users of a dealer who should hear about its leads."""
    return list(
        db.session.scalars(select(User).where(User.dealer_id == dealer.id, User.active.is_(True)))
    )


def coordinators() -> list[User]:
    """The OEM's active coordinators."""
    return list(
        db.session.scalars(select(User).where(User.role == "coordinator", User.active.is_(True)))
    )


def notify_new_offer(lead: Lead, dealer: Dealer) -> None:
    """Tell a dealer's people that a lead waits for their answer."""
    where = f" near {lead.postal_code}" if lead.postal_code else ""
    queue_for_users(
        dealer_users(dealer),
        "new_offer",
        lead,
        f"New lead: {lead.title}",
        f"{lead.customer_name}{where}. Accept or decline in LeadRelay.",
    )


def notify_unassigned(lead: Lead) -> None:
    """Tell the coordinators that a lead has no dealer left and sits in the OEM queue."""
    queue_for_users(
        coordinators(),
        "unassigned",
        lead,
        f"Lead needs a dealer: {lead.title}",
        f"{lead.customer_name}: no matching dealer is left. It waits in the OEM queue.",
    )
