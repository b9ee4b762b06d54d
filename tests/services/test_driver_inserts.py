"""INSERTs run on SQLite's driver cursor (unit_of_work.insert_rows): the rows Connection.execute
writes, byte for byte, made before the first statement, and seen by statement listeners."""

from datetime import UTC, datetime

from sqlalchemy import event

from app.extensions import db
from app.models import AuditEvent, LeadEvent, LineItem
from app.services import unit_of_work
from app.services.intake import create_lead
from app.services.unit_of_work import insert_rows
from tests.factories import lead_body
from tests.services.helpers import new_lead

NOW = datetime(2026, 3, 2, 9, 30, 0, 0, tzinfo=UTC)  # no microseconds: the text keeps ".000000"


class StatementsSeen:
    """Records the SQL the engine runs while entered (the INSERTs then go through
    Connection.execute, which the listener sees)."""

    def __init__(self, seen: list[str] | None = None) -> None:
        self.seen: list[str] = [] if seen is None else seen

    def note(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement)

    def __enter__(self) -> "StatementsSeen":
        event.listen(db.engine, "before_cursor_execute", self.note)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self.note)


def stored(table: str, ids: list[int]) -> list[tuple]:
    """The rows as SQLite holds them: each value with its storage class."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    columns = [row[1] for row in cursor.execute(f"PRAGMA table_info({table})") if row[1] != "id"]
    select = ", ".join(f"{column}, typeof({column})" for column in columns)
    marks = ", ".join("?" for _ in ids)
    return cursor.execute(f"SELECT {select} FROM {table} WHERE id IN ({marks})", ids).fetchall()


def write_twice(table, rows: list[dict]) -> tuple[list[tuple], list[tuple]]:
    """Write the rows on the driver, then through Connection.execute; both as stored."""
    connection = db.session.connection()
    by_driver = [insert_rows(connection, table, [row])[0] for row in rows]
    with StatementsSeen() as statements:
        by_sqlalchemy = [insert_rows(connection, table, [row])[0] for row in rows]
    assert len(statements.seen) == len(rows)  # the second time really went through it
    return stored(table.name, by_driver), stored(table.name, by_sqlalchemy)


def test_the_driver_stores_what_connection_execute_stores(app, network):
    lead = new_lead()
    events = [
        {
            "lead_id": lead.id,
            "kind": "offered",
            "at": NOW,
            "actor_user_id": None,
            "dealer_id": None,
            "detail": {"explanation": "Nächster Händler", "score": 1.5, "codes": ["D1"]},
        },
        {
            "lead_id": lead.id,
            "kind": "received",
            "at": datetime(2026, 3, 2, 9, 30, 0, 12, tzinfo=UTC),
            "actor_user_id": None,
            "dealer_id": None,
            "detail": {},
        },
    ]
    driver, sqlalchemy = write_twice(LeadEvent.__table__, events)
    assert driver == sqlalchemy
    assert "2026-03-02 09:30:00.000000" in driver[0]  # SQLAlchemy's text, not the driver's

    # Columns left out get their Python-side defaults, as SQLAlchemy fills them in.
    items = [{"lead_id": lead.id, "position": 3, "product_group": "mowers"}]
    driver, sqlalchemy = write_twice(LineItem.__table__, items)
    assert driver == sqlalchemy
    assert "buy" in driver[0] and "vehicle" in driver[0]

    audits = [{"at": NOW, "action": "lead.create", "via": "cli", "detail": {"n": 2}}]
    driver, sqlalchemy = write_twice(AuditEvent.__table__, audits)
    assert driver == sqlalchemy


def test_statement_listeners_see_every_insert_of_an_intake(app, network):
    # The crash tests stop a process at the n-th statement: every write must pass them.
    with StatementsSeen() as statements:
        lead = create_lead(lead_body())
    inserts = [sql.split("(")[0].strip() for sql in statements.seen if sql.startswith("INSERT")]
    assert inserts[:3] == ["INSERT INTO leads", "INSERT INTO offers", "INSERT INTO line_items"]
    assert "INSERT INTO lead_events" in inserts and "INSERT INTO report_offers" in inserts
    assert lead.offers[0].id is not None


def test_every_row_of_an_intake_is_made_before_its_first_insert(app, network, monkeypatch):
    # On SQLite the first INSERT takes the write lock: making rows after it would hold it.
    steps: list[str] = []
    make_row = unit_of_work._row_to_insert

    def noting_row(state):
        steps.append(f"row of {state.mapper.local_table.name}")
        return make_row(state)

    monkeypatch.setattr(unit_of_work, "_row_to_insert", noting_row)
    with StatementsSeen(steps):
        create_lead(lead_body())
    first_insert = next(i for i, step in enumerate(steps) if step.startswith("INSERT"))
    assert steps[:first_insert][-2:] == ["row of leads", "row of offers"]
    assert not any(step.startswith("row of") for step in steps[first_insert:])
