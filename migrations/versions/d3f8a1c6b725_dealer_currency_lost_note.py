"""dealer app: each dealer's currency, a won lead's currency, a lost lead's note

Dealers get the currency of their country (Babel's territory data: EUR for DE and AT,
CHF for CH and LI, USD for US); won leads the currency of the dealer that owns them.
The reporting tables carry the won amount's currency (reports sum each apart), in their
covering indexes too; their rows are (re)written here from the offers and leads: the
backfill of the reporting tables lives in the latest migration that changes them.

Revision ID: d3f8a1c6b725
Revises: a7c3e9f1b2d4
Create Date: 2026-11-27 13:05:00

"""
import sqlalchemy as sa
from alembic import op
from babel.numbers import get_territory_currencies

REPORT_TABLES = ("report_offers", "report_offer_groups")
OLD_FIGURES = ["status", "reason", "response_seconds", "won", "order_value"]
FIGURES = [*OLD_FIGURES, "order_currency"]
OLD_GROUPED = ["offered_at", "status", "reason", "won", "order_value"]
GROUPED = [*OLD_GROUPED, "order_currency"]
GROUPING_INDEXES = (
    ("ix_report_offers_dealer", "report_offers", "dealer_id"),
    ("ix_report_offers_region", "report_offers", "region"),
    ("ix_report_offers_campaign", "report_offers", "campaign"),
    ("ix_report_offer_groups_group", "report_offer_groups", "product_group"),
)


def _drop_report_indexes():
    op.drop_index("ix_report_offers_offered_at", table_name="report_offers")
    op.drop_index("ix_report_offer_groups_offered_at", table_name="report_offer_groups")
    for name, table, _key in GROUPING_INDEXES:
        op.drop_index(name, table_name=table)


def _create_report_indexes(figures, grouped):
    op.create_index(
        "ix_report_offers_offered_at",
        "report_offers",
        ["offered_at"],
        postgresql_include=["dealer_id", "region", "campaign", *figures],
    )
    op.create_index(
        "ix_report_offer_groups_offered_at",
        "report_offer_groups",
        ["offered_at"],
        postgresql_include=["product_group", *figures],
    )
    for name, table, key in GROUPING_INDEXES:
        op.create_index(name, table, [key, "response_seconds"], postgresql_include=grouped)

revision = "d3f8a1c6b725"
down_revision = "a7c3e9f1b2d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dealers") as batch:
        batch.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="EUR")
        )
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("order_currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("lost_note", sa.Text(), nullable=True))
    connection = op.get_bind()
    countries = connection.execute(sa.text("SELECT DISTINCT country FROM dealers")).scalars()
    for country in list(countries):
        found = get_territory_currencies(country or "")
        if found and found[0] != "EUR":
            connection.execute(
                sa.text("UPDATE dealers SET currency = :currency WHERE country = :country"),
                {"currency": found[0], "country": country},
            )
    connection.execute(
        sa.text(
            "UPDATE leads SET order_currency = (SELECT currency FROM dealers"
            " WHERE dealers.id = leads.owner_dealer_id) WHERE order_value IS NOT NULL"
        )
    )
    _drop_report_indexes()
    for table in REPORT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("order_currency", sa.String(length=3), nullable=True))
    # Rows before the covering indexes: one sort each instead of a million inserts.
    if connection.execute(sa.text("SELECT EXISTS (SELECT 1 FROM offers)")).scalar():
        from app.services.report_facts import refresh_leads

        refresh_leads(None, executor=connection)
    _create_report_indexes(FIGURES, GROUPED)


def downgrade():
    _drop_report_indexes()
    for table in REPORT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("order_currency")
    _create_report_indexes(OLD_FIGURES, OLD_GROUPED)
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("lost_note")
        batch.drop_column("order_currency")
    with op.batch_alter_table("dealers") as batch:
        batch.drop_column("currency")
