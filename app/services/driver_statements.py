"""Statements compiled once and run on the database driver's own cursor.

A few statements run for every lead, some of them inside SQLite's one write lock: the
cache versions, the load counts, the decision's confirmation. Through
Connection.execute each paid for a cache key, an execution context and a result object
on every run, more than the statement itself costs when its rows are plain numbers
(issue 9's dense network: the load counts 0.5 ms against 0.25 run this way, the
confirmation 0.16-0.19 ms against 0.11-0.12, the versions 19 us against 7). Compiled
once per database and driver, a run costs its values' bind processors, as SQLAlchemy
applies them, and the driver's call. Engine event listeners do not see these
statements.

The INSERTs of a lead's rows (services/unit_of_work) run the same way on SQLite:
compiled once per table and set of columns, each row's values through the columns'
bind processors and Python-side defaults, so that the stored bytes are SQLAlchemy's.
"""

import functools
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeEngine

_NO_PARAMETERS: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled for a dialect, run on a connection's driver cursor."""

    sql: str
    order: tuple[str, ...] | None  # parameter names in placeholder order; None: by name
    processors: Mapping[str, Callable[[object], object]]  # by parameter name
    fixed: Mapping[str, object]  # values the statement itself binds (a cache's name)

    @classmethod
    def compile(cls, statement, dialect: Dialect) -> "DriverStatement":
        compiled = statement.compile(dialect=dialect)
        processors, fixed = {}, {}
        for name, bind in compiled.binds.items():
            processor = bind_processor(bind.type, dialect)
            if processor is not None:
                processors[name] = processor
            if bind.value is not None:
                fixed[name] = bind.value
        order = tuple(compiled.positiontup or ()) if dialect.positional else None
        return cls(compiled.string, order, processors, fixed)

    def rows(
        self, connection: Connection, params: Mapping[str, object] = _NO_PARAMETERS
    ) -> list[tuple]:
        """The statement's rows for these parameters, in the connection's transaction."""
        processors = self.processors
        if self.fixed:
            params = {**self.fixed, **params}
        values = {
            name: processors[name](value) if name in processors else value
            for name, value in params.items()
        }
        with driver_cursor(connection) as cursor:
            cursor.execute(
                self.sql, values if self.order is None else [values[n] for n in self.order]
            )
            return cursor.fetchall()


# By (database, driver, what and shape): engines of one driver compile alike.
_COMPILED: dict[tuple[str, str, Hashable], DriverStatement] = {}


def compiled_once(
    dialect: Dialect, shape: Hashable, statement: Callable[[], object]
) -> DriverStatement:
    """The statement of this shape, made by ``statement``, compiled once for the dialect."""
    key = (dialect.name, dialect.driver, shape)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = DriverStatement.compile(statement(), dialect)
    return found


class DriverInsert:
    """An INSERT of given columns of a table, compiled for a dialect, with the bind
    processors and Python-side defaults of its columns in placeholder order."""

    def __init__(self, table: Table, keys: tuple[str, ...], dialect: Dialect) -> None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        self.sql = compiled.string
        self.order = tuple(compiled.positiontup)
        self.processors = tuple(
            bind_processor(compiled.binds[name].type, dialect) for name in self.order
        )
        self.defaults = {column.key: column.default for column in compiled.insert_prefetch}
        self.primary_key = [column.key for column in table.primary_key]

    def run(self, connection: Connection, rows: list[dict], parameters: list[list]) -> tuple | None:
        """Insert the rows (their parameters made by `parameters`); for one row, its
        primary key."""
        with driver_cursor(connection) as cursor:
            if len(rows) > 1:
                cursor.executemany(self.sql, parameters)
                return None
            cursor.execute(self.sql, parameters[0])
            row = rows[0]
            # The database numbers a single integer key left out (SQLite's rowid).
            return tuple(row.get(key, cursor.lastrowid) for key in self.primary_key)

    def parameters(self, row: dict) -> list:
        """The row's values in placeholder order, as the driver takes them."""
        values = []
        for name, processor in zip(self.order, self.processors, strict=True):
            if name in row:
                value = row[name]
            else:  # a column's Python-side default, as SQLAlchemy would fill it in
                default = self.defaults[name]
                value = default.arg(None) if default.is_callable else default.arg
            values.append(value if processor is None else processor(value))
        return values


@functools.lru_cache(maxsize=256)
def compiled_insert(table: Table, keys: tuple[str, ...], dialect: Dialect) -> DriverInsert | None:
    """The INSERT of these columns compiled for the driver; None when it is not plain
    columns and values (a default the database computes, a composite key it numbers,
    renamed parameters)."""
    compiled = DriverInsert(table, keys, dialect)
    plain = all(name in keys or name in compiled.defaults for name in compiled.order) and all(
        default.is_scalar or default.is_callable for default in compiled.defaults.values()
    )
    numbered = [key for key in compiled.primary_key if key not in keys]
    return compiled if plain and len(numbered) <= 1 else None


def bind_processor(type_: TypeEngine, dialect: Dialect) -> Callable[[object], object] | None:
    """What SQLAlchemy does to a value of this type before the driver gets it.

    The dialect's own implementation: a date and time becomes SQLAlchemy's text on
    SQLite ('2026-11-27 00:00:00.000000'); the type's generic processor would leave it
    to the driver's default adapter, which writes other text (and is deprecated).
    """
    return type_.dialect_impl(dialect).bind_processor(dialect)


@contextmanager
def driver_cursor(connection: Connection) -> Iterator:
    """A cursor of the connection's driver connection, in its transaction, closed after."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
