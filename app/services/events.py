"""The append-only lead event log."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Lead, LeadEvent, User


def record_event(
    lead: Lead,
    kind: str,
    *,
    actor: User | None = None,
    dealer: Dealer | None = None,
    **detail,
) -> LeadEvent:
    """Append an event to the lead's history (in the caller's transaction)."""
    event = LeadEvent(
        lead_id=lead.id,
        kind=kind,
        at=utcnow(),
        actor_user_id=actor.id if actor else None,
        dealer_id=dealer.id if dealer else None,
        detail={key: value for key, value in detail.items() if value is not None},
    )
    db.session.add(event)
    lead.updated_at = event.at
    return event


def lead_events(lead: Lead) -> list[LeadEvent]:
    """The lead's history, oldest first."""
    return list(
        db.session.scalars(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead.id)
            .options(selectinload(LeadEvent.dealer), selectinload(LeadEvent.actor))
            .order_by(LeadEvent.id)
        )
    )
