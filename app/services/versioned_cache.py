"""Per-process caches of what rarely changes, kept correct across processes by versions.

Every request would otherwise read the same rows again: its API token and user, the
review rules, the live webhooks, the dealer network. Each process keeps them in memory
instead, in a ``VersionedCache`` filed under a version number, and the database holds
the current number of each cache in ``cache_versions``:

- A transaction reads all the numbers in one statement, the first time it asks any
  cache, and again after it has written (so what a writer decides inside SQLite's write
  lock rests on numbers read inside it). A cache whose copy is at that number answers
  from memory; otherwise it reloads. The number is read before the rows, so a copy is
  never older than the number it is filed under.
- Every change to the rows a cache holds bumps its number in the same transaction,
  whatever code made it: the session hooks below watch each flush (new, changed and
  deleted objects of the tables a cache names, and only the columns it names) and every
  ORM UPDATE, DELETE or INSERT statement on those tables.

So a change committed through one gunicorn process is seen by every other one at its
next transaction. Caches hold plain values, never ORM objects (those belong to one
session). Writes that no cache holds (a token's last use) go through the connection,
past the hooks, and bump nothing.

A large cache (the dealer network) need not reload whole for a change to a few rows:
with ``RowStamps``, each changed row of its main table carries the version of its
change, and a held copy is brought up to date from the rows stamped above its version.
"""

import copy
import gc
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app
from sqlalchemy import Column, Connection, event, inspect, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from app.extensions import db
from app.models import CacheVersion
from app.services.driver_statements import compiled_once

T = TypeVar("T")

VERSIONS = CacheVersion.__table__.c
_ALL_VERSIONS = select(VERSIONS.name, VERSIONS.version)

_CACHES: dict[str, "VersionedCache"] = {}
# Rows stamped by one statement (a large import stays under the databases' parameter limits).
_STAMPED_AT_ONCE = 500
# session.info keys: the versions this transaction read, and the caches it changed.
_READ_HERE = "cache_versions_read"
_CHANGED_HERE = "caches_changed_in_transaction"


@dataclass(frozen=True)
class RowStamps:
    """How a cache follows its main table row by row instead of reloading it whole.

    Every flush that changes rows of ``table`` (as the cache watches them) writes the
    cache's new version into those rows' ``column``. ``update`` brings a held copy up
    to date from the rows stamped above its version (and reads the cache's other, small,
    tables again), or answers None when a whole load is the better way. A change that
    cannot be pinned to rows still there (a row deleted; an UPDATE, DELETE or INSERT
    statement on the table) also bumps a second counter, ``<name>_full``, and a copy
    held from before it is loaded again whole.
    """

    table: str
    column: str
    update: Callable[[Any], Any | None]


@dataclass(frozen=True)
class _Copy:
    version: int
    full_version: int | None  # the cache's "full" counter when the copy was made
    value: Any


class _Copies:
    """One app's copies, by cache name, and a lock per cache for loading."""

    def __init__(self) -> None:
        self.held: dict[str, _Copy] = {}
        self.locks: dict[str, threading.Lock] = {}


class VersionedCache(Generic[T]):
    """One kind of rows held in each process's memory, reloaded when its version moved.

    ``load`` reads the rows into plain values. ``watches`` maps each table whose rows the
    copy is made of to the attributes whose change makes it stale (None: any change;
    a new or deleted row always does). ``freeze`` moves a new copy out of the garbage
    collector's sight, for a large one that lives until the next whole load. ``rows``
    lets the copy follow changes row by row (see ``RowStamps``).
    """

    def __init__(
        self,
        name: str,
        load: Callable[[], T],
        watches: Mapping[str, Iterable[str] | None],
        *,
        freeze: bool = False,
        rows: RowStamps | None = None,
    ) -> None:
        self.name = name
        self.load = load
        self.watches = {
            table: None if columns is None else frozenset(columns)
            for table, columns in watches.items()
        }
        self.freeze = freeze
        self.rows = rows
        self.full_name = f"{name}_full" if rows is not None else None
        self._version_query = select(VERSIONS.version).where(VERSIONS.name == name)
        _CACHES[name] = self

    def get(self) -> T:
        """The rows as the database has them now: this process's copy, reloaded if stale."""
        session = db.session()
        versions = current_versions()
        version = versions.get(self.name)
        # Per app, not per module: each app (a process; two in the cross-process tests)
        # keeps its own copies.
        copies = current_app.extensions.setdefault("versioned_caches", _Copies())
        copy = copies.held.get(self.name)
        if version is None or self.name in session.info.get(_CHANGED_HERE, ()):
            # No counter to file a copy under, or this transaction changed the rows and
            # may yet roll back (its number may be handed out again): keep nothing.
            return self._fresh(copy, versions)[0]
        if copy is not None and copy.version == version:
            return copy.value
        # One thread loads; the others wait for its copy (other caches are not held up).
        with copies.locks.setdefault(self.name, threading.Lock()):
            copy = copies.held.get(self.name)
            if copy is None or copy.version != version:
                value, whole = self._fresh(copy, versions)
                full_version = versions.get(self.full_name) if self.full_name else None
                copy = copies.held[self.name] = _Copy(version, full_version, value)
                if self.freeze and whole:  # (an update adds little; a freeze keeps
                    gc.freeze()  # whatever cyclic garbage there is for good)
        return copy.value

    def _fresh(self, held: _Copy | None, versions: dict[str, int]) -> tuple[T, bool]:
        """The rows now: the held copy brought up to date where it can be, else loaded
        (then the second value is True)."""
        if (
            held is not None
            and self.rows is not None
            and held.version < versions.get(self.name, 0)  # (not a database restored)
            and held.full_version is not None
            and held.full_version == versions.get(self.full_name)
        ):
            value = self.rows.update(held.value)
            if value is not None:
                return value, False
        return self.load(), True

    def version(self) -> int:
        """The version this transaction sees (0 before the first change)."""
        return current_versions().get(self.name) or 0

    def version_query(self):
        """A statement reading the cache's version afresh (to compare inside a write)."""
        return self._version_query  # built once: building one costs more than running it

    def stale_after(self, session: Session, instance: object) -> bool:
        """Would writing this object in the flush make the copy stale?"""
        table = getattr(type(instance), "__tablename__", None)  # inline: called per object
        if table not in self.watches:
            return False
        if instance in session.new or instance in session.deleted:
            return True
        state = inspect(instance)
        columns = self.watches[table]
        names = state.attrs.keys() if columns is None else columns
        return any(state.attrs[name].history.has_changes() for name in names)

    def counters_bumped_by(self, session: Session, instances: list[object]) -> set[str]:
        """The counters to bump for these objects, written in a flush, that made it stale."""
        if self.rows is None or not any(
            instance in session.deleted and _table_of(instance) == self.rows.table
            for instance in instances
        ):
            return {self.name}
        return {self.name, self.full_name}

    def stamp_rows(self, session: Session, instances: list[object]) -> None:
        """Write the version just bumped into the changed rows of the stamped table."""
        if self.rows is None:
            return
        ids = sorted(
            inspect(instance).mapper.primary_key_from_instance(instance)[0]
            for instance in instances
            if _table_of(instance) == self.rows.table and instance not in session.deleted
        )
        table = db.metadata.tables[self.rows.table]
        (key,) = table.primary_key.columns
        # A column with an update default (updated_at) keeps its value: stamping is no edit.
        kept = {column: column for column in table.c if column.onupdate is not None}
        stamp = table.update().values(
            {table.c[self.rows.column]: self._version_query.scalar_subquery(), **kept}
        )
        for start in range(0, len(ids), _STAMPED_AT_ONCE):
            some = ids[start : start + _STAMPED_AT_ONCE]
            session.connection().execute(stamp.where(key.in_(some)))


def _table_of(instance: object) -> str | None:
    return getattr(type(instance), "__tablename__", None)


def current_versions() -> dict[str, int]:
    """Every cache's version, read once per transaction (and once more after a write)."""
    session = db.session()
    transaction = session.get_transaction()
    known = session.info.get(_READ_HERE)
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1]
    versions = read_all_versions(session.connection())
    session.info[_READ_HERE] = (session.get_transaction(), versions)
    return versions


def read_all_versions(connection: Connection) -> dict[str, int]:
    """Every cache's version, in one statement run on the driver's own cursor (every
    API call runs it: its token is checked against the tokens' cache)."""
    statement = compiled_once(connection.dialect, "versions", lambda: _ALL_VERSIONS)
    return dict(statement.rows(connection))


# --- Plain values in, session objects out -------------------------------------------------


def column_attributes(model: type) -> dict[str, Column]:
    """A model's column attributes by name: read them to keep a row as plain values."""
    return {attribute.key: attribute.columns[0] for attribute in inspect(model).column_attrs}


def instance_in_session(model: type[T], values: Mapping[str, object]) -> T:
    """The row as a persistent object of this session, made from kept values (no query).

    The session gets its own object, with copies of lists and dicts, so nothing it
    changes reaches the kept values; a change it saves bumps the cache's version. Its
    relationships load on first use, as after any query.
    """
    session = db.session()
    # (The mapper's own key: Session.identity_key takes every call style and costs more.)
    mapper = inspect(model)
    key = mapper.identity_key_from_primary_key((values["id"],))
    present = session.identity_map.get(key)
    if present is not None:
        return present
    # Made as a query's loader makes an object: no constructor, the values straight into
    # its dict (the constructor's event per attribute was half the cost of an API call's
    # user, for history that make_transient_to_detached throws away).
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(
        (key, copy.deepcopy(value) if isinstance(value, list | dict) else value)
        for key, value in values.items()
    )
    make_transient_to_detached(instance)  # as if loaded: clean, its identity known
    session.add(instance)
    return instance


# --- Bumping versions ---------------------------------------------------------------------


def _bump(session: Session, names: set[str]) -> None:
    session.connection().execute(
        update(CacheVersion.__table__)
        .where(VERSIONS.name.in_(sorted(names)))
        .values(version=VERSIONS.version + 1)
    )
    session.info.setdefault(_CHANGED_HERE, set()).update(names)
    session.info.pop(_READ_HERE, None)


def forget_versions_read(session: Session) -> None:
    """After a write: the next question to a cache reads the versions again, inside the
    write (on SQLite, its lock)."""
    session.info.pop(_READ_HERE, None)


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, flush_context) -> None:
    """A flush that wrote rows a cache holds bumps that cache's version."""
    forget_versions_read(session)  # read them again, now inside the write
    stale: dict[VersionedCache, list[object]] = {}
    for instance in (*session.new, *session.dirty, *session.deleted):
        for cache in _CACHES.values():
            if cache.stale_after(session, instance):
                stale.setdefault(cache, []).append(instance)
    if not stale:
        return
    _bump(
        session,
        {
            name
            for cache, written in stale.items()
            for name in cache.counters_bumped_by(session, written)
        },
    )
    for cache, written in stale.items():
        cache.stamp_rows(session, written)


@event.listens_for(Session, "do_orm_execute")
def _bump_after_bulk_write(state) -> object:
    """An UPDATE, DELETE or INSERT statement on a table a cache holds bumps it too."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    table = getattr(getattr(state.statement, "table", None), "name", None)
    stale = {cache.name for cache in _CACHES.values() if table in cache.watches}
    if not stale:
        return None
    # Which rows such a statement wrote is not known: copies of a stamped table reload.
    stale.update(
        cache.full_name
        for cache in _CACHES.values()
        if cache.rows is not None and cache.rows.table == table
    )
    result = state.invoke_statement()
    _bump(state.session, stale)
    return result


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_over(session: Session) -> None:
    session.info.pop(_CHANGED_HERE, None)
    session.info.pop(_READ_HERE, None)


@event.listens_for(CacheVersion.__table__, "after_create")
def _insert_version_rows(table, connection, **kwargs) -> None:
    """Each cache's counter exists from the moment the table does (create_all in tests)."""
    names = {name for cache in _CACHES.values() for name in (cache.name, cache.full_name) if name}
    connection.execute(table.insert(), [{"name": name, "version": 0} for name in sorted(names)])
