"""Private notes on a lead: written by a dealer's people, read only within that dealership.

A note belongs to the dealership of the user who wrote it. Whoever of that dealership can
see the lead reads its notes; the customer, the manufacturer and other dealers never do,
and a lead that moves on to another dealer does not take the notes with it.
"""

from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Lead, LeadNote, User
from app.services.errors import NotFound, ValidationFailed
from app.services.unit_of_work import unit_of_work
from app.services.visibility import get_visible_lead

MAX_NOTE = 2000


def add_note(lead_id: str, user: User, body: object, now: datetime | None = None) -> LeadNote:
    """Keep a note on a lead the user's dealership can see (404 for anyone else)."""
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationFailed("empty note", {"body": "write your note"})
    if len(text) > MAX_NOTE:
        raise ValidationFailed("note too long", {"body": f"at most {MAX_NOTE} characters"})
    lead = get_visible_lead(lead_id, user)
    if user.dealer_id is None:  # a coordinator: notes are the dealership's own
        raise NotFound("no such lead", {"id": "no such lead"})
    with unit_of_work():
        note = LeadNote(
            lead_id=lead.id,
            dealer_id=user.dealer_id,
            author_id=user.id,
            body=text,
            created_at=now or utcnow(),
        )
        db.session.add(note)
    return note


def notes_on(lead: Lead, user: User) -> list[LeadNote]:
    """The notes the user's dealership keeps on this lead, oldest first."""
    if user.dealer_id is None:
        return []
    return list(
        db.session.scalars(
            select(LeadNote)
            .where(LeadNote.lead_id == lead.id, LeadNote.dealer_id == user.dealer_id)
            .order_by(LeadNote.created_at, LeadNote.id)
        )
    )
