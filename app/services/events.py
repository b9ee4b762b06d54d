"""The append-only lead event log."""

from app.clock import utcnow
from app.models import Dealer, Lead, LeadEvent, User
from app.services import deliveries
from app.services.unit_of_work import insert_with_transaction


def record_event(
    lead: Lead,
    kind: str,
    *,
    actor: User | None = None,
    dealer: Dealer | None = None,
    **detail,
) -> None:
    """Append an event to the lead's history (in the caller's transaction)."""
    at = utcnow()
    detail = {key: value for key, value in detail.items() if value is not None}
    insert_with_transaction(
        LeadEvent.__table__,
        {
            "lead_id": lead.id,
            "kind": kind,
            "at": at,
            "actor_user_id": actor.id if actor else None,
            "dealer_id": dealer.id if dealer else None,
            "detail": detail,
        },
    )
    lead.updated_at = at
    # Webhooks and dealer e-mails go out from the outbox once this transaction commits.
    deliveries.queue_for_event(lead, kind, dealer, detail, at)
