"""Helpers for the service tests: make leads, read offers, events and notifications fresh."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Lead, LeadEvent, Notification, Offer
from app.services.intake import create_lead
from tests.factories import lead_body


def new_lead(**overrides) -> Lead:
    """A lead created (and routed) through the service."""
    return create_lead(lead_body(**overrides))


def offers_of(lead_id: str) -> list[tuple[str, str]]:
    """(dealer code, status) of a lead's offers, oldest first, read fresh."""
    db.session.expire_all()
    offers = db.session.scalars(select(Offer).where(Offer.lead_id == lead_id).order_by(Offer.id))
    return [(offer.dealer.code, offer.status) for offer in offers]


def lead_status(lead_id: str) -> str:
    db.session.expire_all()
    return db.session.get(Lead, lead_id).status


def notifications(kind: str, lead_id: str | None = None) -> int:
    """How many outbox rows of this kind (for this lead) exist."""
    query = select(func.count()).select_from(Notification).where(Notification.kind == kind)
    if lead_id is not None:
        query = query.where(Notification.lead_id == lead_id)
    return db.session.scalar(query)


def events(kind: str, lead_id: str) -> list[LeadEvent]:
    return list(
        db.session.scalars(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead_id, LeadEvent.kind == kind)
            .order_by(LeadEvent.id)
        )
    )
