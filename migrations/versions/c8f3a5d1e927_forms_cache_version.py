"""forms cache version: each process keeps the active forms (their public keys)

Revision ID: c8f3a5d1e927
Revises: b6d2e9f4a871
Create Date: 2026-11-27 16:45:00

"""
from alembic import op

revision = "c8f3a5d1e927"
down_revision = "b6d2e9f4a871"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('forms', 0)")


def downgrade():
    op.execute("DELETE FROM cache_versions WHERE name = 'forms'")
