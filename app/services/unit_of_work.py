"""One transaction per change of state: the unit-of-work helper every caller uses.

    with unit_of_work():
        ...  # compare-and-set updates, new rows, events, queued notifications

commits once at the end, or rolls everything back when anything inside raises. The
request, the worker and the CLI all go through it, so a change is either wholly
stored with its events and notifications or not at all.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Table, event, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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


# --- One thread of a process at a time ranking a lead and writing its offer (SQLite) ----

# Ranking is pure Python, so two threads of one process gain nothing from ranking at
# once: they only take turns on the interpreter's lock. Worse, while one of them holds
# SQLite's one write lock, the others' ranking shares the interpreter with it and
# stretches that hold for every process. Measured under gunicorn (two workers, four
# threads each, wrk -c16) on issue 9's dense network: the write lock was held 3.9 ms on
# average and waited for 18 ms; with the turn, 2.6 ms and 1.8 ms, and about 10 % more
# leads a second. PostgreSQL has no such lock, and its round trips are time in which
# another thread can rank, so there is no turn there.
_TURN = threading.RLock()  # a thread already in its turn may enter again


@contextmanager
def turn_in_process() -> Iterator[None]:
    """On SQLite, run the block (rank a lead, write its offer) as this process's only one."""
    if db.engine.dialect.name != "sqlite" or _holds_sqlite_write_lock():
        # A caller already writing holds the write lock, which the thread having the
        # turn may be waiting for: waiting for the turn could then wait for ever.
        yield
        return
    with _TURN:
        yield


def _holds_sqlite_write_lock() -> bool:
    """Has this session's transaction begun writing (Python's sqlite3 begins one only at
    the first write, so an open one holds the lock every other writer waits for)?"""
    session = db.session()
    if session.get_transaction() is None:
        return False
    return session.connection().connection.dbapi_connection.in_transaction


# --- Rows written with the transaction, one statement per table --------------------------

# session.info key: {(table, column names): [row, ...]} queued by insert_with_transaction.
_QUEUED_ROWS = "queued_rows"


def insert_with_transaction(table: Table, row: dict) -> None:
    """Queue a row that nothing reads back in this transaction (a lead event, an outbox row).

    The queued rows of a table are written together, one executemany INSERT without
    RETURNING, after the session's next flush that writes anything (so the new lead they
    name is in first) or just before the commit; a transaction that ends otherwise (a
    rollback, the session closed) drops them. Until then no query sees them. As ORM
    objects each cost its own INSERT ... RETURNING id (SQLite cannot batch those) and
    unit-of-work bookkeeping, for an id nobody reads.
    """
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the row belongs to a transaction: its end writes or drops it
    queued = session.info.setdefault(_QUEUED_ROWS, {})
    queued.setdefault((table, tuple(row)), []).append(row)


def _write_queued_rows(session: Session) -> None:
    queued = session.info.pop(_QUEUED_ROWS, None)
    if not queued:
        return
    connection = session.connection()
    for (table, _columns), rows in queued.items():
        connection.execute(insert(table), rows)


@event.listens_for(Session, "after_flush")
def _write_after_flush(session: Session, flush_context) -> None:
    _write_queued_rows(session)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    session.flush()  # the rows may name objects still pending in the session
    _write_queued_rows(session)


@event.listens_for(Session, "after_transaction_end")
def _drop_queued_rows(session: Session, transaction) -> None:
    """A transaction that ends unwritten (rolled back, or the session closed) drops its rows."""
    if transaction.parent is None:
        session.info.pop(_QUEUED_ROWS, None)
