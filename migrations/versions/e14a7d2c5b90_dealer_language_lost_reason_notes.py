"""dealer app: the user's language, a lost lead's reason, private notes on a lead

Revision ID: e14a7d2c5b90
Revises: f5c9d3e7a2b6
Create Date: 2026-11-27 10:20:00

"""
import sqlalchemy as sa
from alembic import op

from app.models import UTCDateTime

revision = "e14a7d2c5b90"
down_revision = "f5c9d3e7a2b6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("lost_reason", sa.String(length=20), nullable=True))
    op.create_table(
        "lead_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=32), nullable=False),
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dealer_id"], ["dealers.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_lead_notes_lead_dealer", "lead_notes", ["lead_id", "dealer_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_lead_notes_lead_dealer", table_name="lead_notes")
    op.drop_table("lead_notes")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("lost_reason")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
