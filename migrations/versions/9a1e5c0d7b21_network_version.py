"""network version: a counter every routing-relevant dealer change bumps

Revision ID: 9a1e5c0d7b21
Revises: a7c3d9e1f2b4
Create Date: 2026-11-27 07:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "9a1e5c0d7b21"
down_revision = "a7c3d9e1f2b4"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "network_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade():
    op.drop_table("network_version")
