"""dealer routing version: the network version of each dealer's last routing change

A process holding the network at version v reads only the dealers above v; a second
counter, network_full, marks changes that cannot be followed row by row.

Revision ID: a7c4e2f9d318
Revises: c8f3a5d1e927
Create Date: 2026-11-27 18:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a7c4e2f9d318"
down_revision = "c8f3a5d1e927"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dealers") as batch:
        batch.add_column(
            sa.Column("routing_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch.create_index("ix_dealers_routing_version", ["routing_version"])
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('network_full', 0)")


def downgrade():
    op.execute("DELETE FROM cache_versions WHERE name = 'network_full'")
    with op.batch_alter_table("dealers") as batch:
        batch.drop_index("ix_dealers_routing_version")
        batch.drop_column("routing_version")
