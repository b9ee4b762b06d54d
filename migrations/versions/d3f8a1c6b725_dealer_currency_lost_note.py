"""dealer app: each dealer's currency, a won lead's currency, a lost lead's note

Dealers get the currency of their country (Babel's territory data: EUR for DE and AT,
CHF for CH and LI, USD for US); won leads the currency of the dealer that owns them.

Revision ID: d3f8a1c6b725
Revises: e14a7d2c5b90
Create Date: 2026-11-27 13:05:00

"""
import sqlalchemy as sa
from alembic import op
from babel.numbers import get_territory_currencies

revision = "d3f8a1c6b725"
down_revision = "e14a7d2c5b90"
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


def downgrade():
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("lost_note")
        batch.drop_column("order_currency")
    with op.batch_alter_table("dealers") as batch:
        batch.drop_column("currency")
