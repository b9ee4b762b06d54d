"""One transaction per change of state: the unit-of-work helper every caller uses.

    with unit_of_work():
        ...  # compare-and-set updates, new rows, events, queued notifications

commits once at the end, or rolls everything back when anything inside raises. The
request, the worker and the CLI all go through it, so a change is either wholly
stored with its events and notifications or not at all.
"""

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy import Column, Connection, Insert, Table, event, insert, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    MANYTOONE,
    InstanceState,
    Session,
    make_transient,
    make_transient_to_detached,
)
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.services.driver_statements import DriverInsert, compiled_insert
from app.services.errors import Conflict
from app.services.versioned_cache import forget_versions_read


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
    for insert_ in _prepare_queued_rows(session):
        insert_.run()


def _prepare_queued_rows(session: Session) -> list["PreparedInsert"]:
    """The INSERTs of the rows queued so far, one per table, ready to run."""
    queued = session.info.pop(_QUEUED_ROWS, None)
    if not queued:
        return []
    connection = session.connection()
    return [prepare_insert(connection, table, rows) for (table, _columns), rows in queued.items()]


@functools.cache
def insert_statement(table: Table) -> Insert:
    """INSERT INTO the table, built once per table: building one cost more than running it."""
    return insert(table)


# --- INSERTs compiled once and run on the driver's cursor (SQLite) ----------------------

# Every row a lead writes (7-9 INSERTs, all inside SQLite's one write lock) went through
# Connection.execute, whose per-statement work (cache key, compiled-cache lookup,
# parameter processing, execution context, result) cost more CPU than SQLite's own
# writing: about 0.1 ms each on issue 9's dense network, most of a lead's write CPU.
# Compiled once per table and set of columns and run on the driver's cursor, a row
# costs its bind processors (dates to text, JSON to text: the values stored stay
# byte for byte the same) and the driver's call. PostgreSQL keeps Connection.execute:
# it wants RETURNING for new ids, and there a round trip dwarfs that overhead. So does
# a connection with statement listeners (tests that count or crash statements).


def insert_rows(connection: Connection, table: Table, rows: list[dict]) -> tuple | None:
    """INSERT the rows (all with the same keys) in the connection's transaction, as
    Connection.execute(insert(table), rows) would; for one row, its primary key."""
    return prepare_insert(connection, table, rows).run()


class PreparedInsert(NamedTuple):
    """An INSERT of rows with its parameters made, to run later (see insert_rows)."""

    connection: Connection
    table: Table
    rows: list[dict]
    compiled: DriverInsert | None  # None: through Connection.execute
    parameters: list[list] | None

    def run(self) -> tuple | None:
        """Run it; for one row, the row's primary key."""
        if self.compiled is None:
            result = self.connection.execute(insert_statement(self.table), self.rows)
            return result.inserted_primary_key if len(self.rows) == 1 else None
        return self.compiled.run(self.connection, self.rows, self.parameters)


def prepare_insert(connection: Connection, table: Table, rows: list[dict]) -> PreparedInsert:
    """insert_rows' statement and parameters, made now (outside SQLite's write lock when
    nothing has been written yet), run later."""
    compiled = None
    if connection.dialect.name == "sqlite" and not _statements_listened(connection):
        compiled = compiled_insert(table, tuple(rows[0]), connection.dialect)
    if compiled is None:
        return PreparedInsert(connection, table, rows, None, None)
    return PreparedInsert(
        connection, table, rows, compiled, [compiled.parameters(row) for row in rows]
    )


def _statements_listened(connection: Connection) -> bool:
    """Does anything listen to the statements the connection runs (the driver's cursor
    would run them past it)?"""
    dispatch = connection.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


@event.listens_for(Session, "after_flush")
def _write_after_flush(session: Session, flush_context) -> None:
    _write_queued_rows(session)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    _write_queued(session)


@event.listens_for(Session, "after_transaction_end")
def _drop_queued_rows(session: Session, transaction) -> None:
    """A transaction that ends unwritten (rolled back, or the session closed) drops its rows,
    and the objects add_new wrote in it are new again (as the ORM leaves objects that a
    rolled-back flush inserted: transient, with the values they had). Whole transactions
    only: the app takes no savepoints."""
    if transaction.parent is not None:
        return
    session.info.pop(_QUEUED_ROWS, None)
    session.info.pop(_NEW_OBJECTS, None)
    for instance, values in session.info.pop(_WRITTEN_OBJECTS, ()):
        if instance in session:
            session.expunge(instance)
        make_transient(instance)
        for key, value in values.items():
            set_committed_value(instance, key, value)


@event.listens_for(Session, "after_commit")
def _keep_written_objects(session: Session) -> None:
    session.info.pop(_WRITTEN_OBJECTS, None)


# --- New objects written with one Core INSERT each, then kept as if loaded --------------

# session.info keys: the objects add_new queued, and those written in this transaction
# with the values they had (what a rollback gives them back).
_NEW_OBJECTS = "new_objects"
_WRITTEN_OBJECTS = "written_objects"


def add_new(instance: object) -> None:
    """Queue a new object (a lead, its offer, an audit row) to be written with the
    transaction's next write: write_queued, a flush, or the commit.

    It is then written with one Core INSERT (its id chosen by the app or returned by
    the database) and put into the session as if loaded: clean, so no flush ever
    writes it again, and its later changes are saved as usual. The session's unit of
    work spent more CPU on the same three rows of an intake (state tracking, dependency
    sorting, per-object set-up) than SQLite on writing them. The objects go in in the order
    queued, before any row queued with insert_with_transaction (those may name them).
    """
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the object belongs to a transaction: its end writes or drops it
    session.info.setdefault(_NEW_OBJECTS, []).append(instance)


def write_queued() -> None:
    """Write what this transaction has queued (objects, then rows) now, so that the
    statements that follow (a check inside the write lock, a report row) see it."""
    _write_queued(db.session())


def _write_queued(session: Session) -> None:
    """The queued objects, what the session has to flush, then the queued rows.

    Every row and its parameters are made before the first INSERT: on SQLite that
    statement takes the database's write lock, which then covers the statements and
    the bookkeeping that needs their keys, not the making of rows.
    """
    objects = _new_objects_to_write(session)
    rows = _prepare_queued_rows(session)
    _insert_new_objects(session, objects)
    session.flush()  # the rows may name objects still pending in the session
    for insert_ in rows:
        insert_.run()


@event.listens_for(Session, "before_flush")
def _write_before_flush(session: Session, flush_context, instances) -> None:
    _write_new_objects(session)  # what the flush writes may name them


def _write_new_objects(session: Session) -> None:
    _insert_new_objects(session, _new_objects_to_write(session))


def _new_objects_to_write(session: Session) -> list[object]:
    """The objects add_new queued that are still this module's to write."""
    queued = session.info.pop(_NEW_OBJECTS, None)
    if not queued:
        return []
    # One pulled into the session meanwhile (an object added there names it) is the
    # flush's to write, and so is one naming an object the flush has yet to write.
    for instance in queued:
        if inspect(instance).transient and _names_pending(session, instance):
            session.add(instance)
    return [instance for instance in queued if inspect(instance).transient]


def _insert_new_objects(session: Session, queued: list[object]) -> None:
    if not queued:
        return
    connection = session.connection()
    # Rows and parameters first (see _write_queued); a row naming a queued object that
    # does not hold its key yet (the database numbers it, or a default makes it) is
    # made once that one is in.
    unkeyed = {id(instance) for instance in queued if not _holds_key(inspect(instance))}
    inserts: list[tuple[dict, PreparedInsert] | None] = []
    for instance in queued:
        state = inspect(instance)
        if any(id(target) in unkeyed for target in _targets(state)):
            inserts.append(None)
            continue
        inserts.append(_prepared_row(connection, state))
    rows = []
    for instance, prepared in zip(queued, inserts, strict=True):
        state = inspect(instance)
        row, insert_ = prepared or _prepared_row(connection, state)
        mapper = state.mapper
        for column, key, value in zip(
            mapper.primary_key, _primary_key_attributes(mapper), insert_.run(), strict=True
        ):
            row[column.key] = state.dict[key] = value
        rows.append(row)
    # Then the bookkeeping, once the statements are in.
    for instance, row in zip(queued, rows, strict=True):
        state = inspect(instance)
        for key, column in _column_keys(state.mapper):
            state.dict[key] = row[column.key]
        values = {key: value for key, value in state.dict.items() if key in state.manager}
        session.info.setdefault(_WRITTEN_OBJECTS, []).append((instance, values))
        make_transient_to_detached(instance)  # as if loaded: clean, its identity known
    _attach(session, queued)
    forget_versions_read(session)  # as after a flush: read them again, now inside the write


def _prepared_row(connection: Connection, state: InstanceState) -> tuple[dict, PreparedInsert]:
    """A new object's row and its INSERT, ready to run."""
    row = _row_to_insert(state)
    return row, prepare_insert(connection, state.mapper.local_table, [row])


def _row_to_insert(state: InstanceState) -> dict:
    """The row the ORM's flush would insert for this new object: its values, the keys of
    the objects its many-to-one relationships name, and a column's default for a value
    not given (None counts as not given unless the column's type stores it, as JSON does)."""
    values = state.dict
    mapper = state.mapper
    for relationship in _many_to_one(mapper.class_):
        if relationship.key in values:
            target = values[relationship.key]
            for local, remote in relationship.local_remote_pairs:
                values[mapper.get_property_by_column(local).key] = (
                    None if target is None else getattr(target, remote.key)
                )
    row = {}
    for key, column in _column_keys(mapper):
        value = values.get(key)
        if value is None and not (key in values and column.type.should_evaluate_none):
            default = column.default
            if column.server_default is not None or (
                default is not None and not (default.is_scalar or default.is_callable)
            ):
                raise ValueError(f"add_new cannot write {column}: its default is the database's")
            if default is not None:
                value = default.arg(None) if default.is_callable else default.arg
            elif column.primary_key:
                continue  # the database numbers it
        row[column.key] = value
    return row


def _names_pending(session: Session, instance: object) -> bool:
    return any(target in session.new for target in _targets(inspect(instance)))


def _holds_key(state: InstanceState) -> bool:
    values = state.dict
    return all(values.get(key) is not None for key in _primary_key_attributes(state.mapper))


@functools.cache
def _primary_key_attributes(mapper) -> tuple[str, ...]:
    return tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)


def _targets(state: InstanceState) -> list[object]:
    """The objects the instance's many-to-one relationships name."""
    values = state.dict
    return [
        values[relationship.key]
        for relationship in _many_to_one(state.class_)
        if values.get(relationship.key) is not None
    ]


@functools.cache
def _column_keys(mapper) -> tuple[tuple[str, Column], ...]:
    return tuple((attribute.key, attribute.columns[0]) for attribute in mapper.column_attrs)


@functools.cache
def _many_to_one(model: type) -> tuple:
    return tuple(
        relationship
        for relationship in inspect(model).relationships
        if relationship.direction is MANYTOONE
    )


def _attach(session: Session, written: list[object]) -> None:
    """Put written objects into the session as persistent. Adding an object cascades to
    the objects its loaded relationships hold (and theirs): one not written with it (a
    lead's line items, queued as rows) is set aside meanwhile, or the flush would insert
    it again."""
    set_aside = []
    for instance in written:
        state = inspect(instance)
        for relationship in state.mapper.relationships:
            held = state.dict.get(relationship.key)
            if held is None:
                continue
            if any(
                inspect(other).transient for other in (held if relationship.uselist else [held])
            ):
                set_aside.append((instance, relationship.key, held))
                set_committed_value(
                    instance, relationship.key, [] if relationship.uselist else None
                )
    for instance in written:
        if instance not in session:
            session.add(instance)
    for instance, key, held in set_aside:
        set_committed_value(instance, key, held)
