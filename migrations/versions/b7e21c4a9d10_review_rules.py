"""Pre-qualification rules: leads they match wait in review.

Revision ID: b7e21c4a9d10
Revises: cf7556ac5a8e
Create Date: 2026-11-27 07:40:00
"""

import sqlalchemy as sa
from alembic import op

import app.models

revision = "b7e21c4a9d10"
down_revision = "cf7556ac5a8e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("value", sa.String(length=120), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("review_rules")
