"""The append-only lead event log."""

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Lead, LeadEvent, User
from app.services import deliveries


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
    # Webhooks and dealer e-mails go out from the outbox once this transaction commits.
    deliveries.queue_for_event(lead, kind, dealer, event.detail, event.at)
    return event
