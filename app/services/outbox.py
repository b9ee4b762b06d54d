"""The outbox pattern shared by push notifications and deliveries to other systems.

An outbox table has `sent_at`, `failed_at`, `next_attempt_at` and `attempts`. Rows are
due when neither sent nor failed and their time has come. A sender claims one row with
a compare-and-set that pushes `next_attempt_at` a lease ahead and counts the attempt,
so two processes never send the same row at once, and a sender that dies frees it when
the lease runs out.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db


def due_ids(model, now: datetime, limit: int) -> list[int]:
    """Ids of the rows of `model` waiting to be sent whose time has come, oldest due first."""
    return list(
        db.session.scalars(
            select(model.id)
            .where(model.sent_at.is_(None), model.failed_at.is_(None), model.next_attempt_at <= now)
            .order_by(model.next_attempt_at, model.id)
            .limit(limit)
        )
    )


def claim(model, row_id: int, now: datetime, lease_seconds: int) -> bool:
    """Lease one due row to this sender (compare-and-set), counting the attempt; commits."""
    result = db.session.execute(
        update(model)
        .where(
            model.id == row_id,
            model.sent_at.is_(None),
            model.failed_at.is_(None),
            model.next_attempt_at <= now,
        )
        .values(
            next_attempt_at=now + timedelta(seconds=lease_seconds),
            attempts=model.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1
