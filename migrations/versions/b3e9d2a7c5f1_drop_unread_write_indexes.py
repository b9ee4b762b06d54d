"""drop two indexes no query reads, written with every lead

ix_offers_offered_at served the reports' date ranges until they moved to the
reporting tables (e4b8c2d6f1a3, which index offered_at themselves); ix_audit_events_at
was never read (the audit log pages by id). Each cost a page written at every
intake's commit.

Revision ID: b3e9d2a7c5f1
Revises: a7c4e2f9d318
Create Date: 2026-11-27 20:50:00

"""

from alembic import op

revision = "b3e9d2a7c5f1"
down_revision = "a7c4e2f9d318"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_offers_offered_at", table_name="offers")
    op.drop_index("ix_audit_events_at", table_name="audit_events")


def downgrade():
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index(
        "ix_offers_offered_at",
        "offers",
        ["offered_at"],
        postgresql_include=["lead_id", "dealer_id", "status", "responded_at", "reason"],
    )
