"""One transaction per change of state: the unit-of-work helper every caller uses.

    with unit_of_work():
        ...  # compare-and-set updates, new rows, events, queued notifications

commits once at the end, or rolls everything back when anything inside raises. The
request, the worker and the CLI all go through it, so a change is either wholly
stored with its events and notifications or not at all.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.services.errors import Conflict


@contextmanager
def unit_of_work(*, keep_loaded: bool = False) -> Iterator[None]:
    """Run the block as one transaction; a constraint the database refuses is a 409.

    The partial unique index on offers refuses a second pending offer for one lead:
    two processes raced for the same lead and this one lost. That is a Conflict, not
    a server error; the worker treats it as "someone else did it" and moves on.

    `keep_loaded`: the objects stay as they are after the commit instead of being
    expired, for a caller that answers from rows it has just written itself (intake:
    the new lead, its line items and offer), which would otherwise be read back one
    query each only to find the values it already holds.
    """
    try:
        yield
        _commit(keep_loaded)
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "the lead changed meanwhile", {"status": "the lead changed meanwhile; reload it"}
        ) from None
    except BaseException:
        db.session.rollback()
        raise


def _commit(keep_loaded: bool) -> None:
    session = db.session()
    if not keep_loaded:
        session.commit()
        return
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
