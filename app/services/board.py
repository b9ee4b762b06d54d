"""The coordinator's live board: leads by status."""

from sqlalchemy import func, select

from app.enums import LeadStatus
from app.extensions import db
from app.models import Lead, User
from app.services.visibility import lead_with_details, visible_to

BOARD_COLUMNS = (
    LeadStatus.REVIEW,
    LeadStatus.OFFERED,
    LeadStatus.UNASSIGNED,
    LeadStatus.ACCEPTED,
    LeadStatus.REJECTED,
)


def lead_board(viewer: User, per_column: int = 50) -> dict[str, tuple[int, list[Lead]]]:
    """For each lead status: how many, and the most recently changed ones (of those the
    viewer may see: a regional coordinator its regions)."""
    counts = dict(
        db.session.execute(
            select(Lead.status, func.count()).where(visible_to(viewer)).group_by(Lead.status)
        ).all()
    )
    return {
        status: (
            counts.get(status, 0),
            list(
                db.session.scalars(
                    lead_with_details()
                    .where(Lead.status == status, visible_to(viewer))
                    .order_by(Lead.updated_at.desc())
                    .limit(per_column)
                )
            ),
        )
        for status in BOARD_COLUMNS
    }
