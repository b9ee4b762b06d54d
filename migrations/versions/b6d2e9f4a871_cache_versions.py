"""cache versions: one counter per per-process cache (network, tokens, rules, webhooks)

The network's counter moves here from network_version, keeping its number.

Revision ID: b6d2e9f4a871
Revises: d3f8a1c6b725
Create Date: 2026-11-27 16:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b6d2e9f4a871"
down_revision = "d3f8a1c6b725"
branch_labels = None
depends_on = None

CACHES = ("network", "review_rules", "tokens", "webhooks")


def upgrade():
    table = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    network = op.get_bind().execute(sa.text("SELECT version FROM network_version")).scalar()
    op.bulk_insert(
        table,
        [
            {"name": name, "version": (network or 0) if name == "network" else 0}
            for name in CACHES
        ],
    )
    op.drop_table("network_version")


def downgrade():
    table = op.create_table(
        "network_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    network = op.get_bind().execute(
        sa.text("SELECT version FROM cache_versions WHERE name = 'network'")
    ).scalar()
    op.bulk_insert(table, [{"id": 1, "version": network or 0}])
    op.drop_table("cache_versions")
