"""The API's lead feed: pages of the leads a user may see, oldest change first."""

from datetime import datetime

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import Dealer, Lead, User
from app.schemas import DEFAULT_PAGE
from app.services.cursors import decode_cursor, encode_cursor
from app.services.visibility import visible_leads


def list_leads(
    viewer: User,
    *,
    status: str | None = None,
    dealer_code: str | None = None,
    updated_since: datetime | None = None,
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
) -> tuple[list[Lead], str | None]:
    """A page of the leads this user may see, and the cursor of the next page (keyset)."""
    query = visible_leads(viewer)
    if status:
        query = query.where(Lead.status == status)
    if dealer_code:
        query = query.where(
            Lead.holder_dealer_id.in_(select(Dealer.id).where(Dealer.code == dealer_code))
        )
    if updated_since is not None:
        query = query.where(Lead.updated_at >= updated_since)
    # Changes feed order: oldest change first, so a client can resume from a cursor.
    if cursor:
        after_time, after_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Lead.updated_at > after_time,
                and_(Lead.updated_at == after_time, Lead.id > after_id),
            )
        )
    rows = list(db.session.scalars(query.order_by(Lead.updated_at, Lead.id).limit(limit + 1)))
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1]) if more and page else None
    return page, next_cursor
