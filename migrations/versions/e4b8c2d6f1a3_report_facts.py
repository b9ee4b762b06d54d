"""reports: narrow reporting tables kept by the offer transitions, with their backfill

Revision ID: e4b8c2d6f1a3
Revises: 58242ef1e412
Create Date: 2026-11-27 10:05:00

"""
import sqlalchemy as sa
from alembic import op

from app.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = "e4b8c2d6f1a3"
down_revision = "58242ef1e412"
branch_labels = None
depends_on = None

FIGURES = ["status", "reason", "response_seconds", "won", "order_value"]


def _fact_columns():
    return [
        sa.Column(
            "offer_id",
            sa.Integer(),
            sa.ForeignKey("offers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "lead_id",
            sa.String(length=32),
            sa.ForeignKey("leads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("offered_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("response_seconds", sa.Float(), nullable=True),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("campaign", sa.String(length=120), nullable=True),
        sa.Column("won", sa.Boolean(), nullable=False),
        sa.Column("order_value", sa.Numeric(precision=14, scale=2), nullable=True),
    ]


def upgrade():
    op.create_table(
        "report_offers", *_fact_columns(), sa.PrimaryKeyConstraint("offer_id")
    )
    op.create_index("ix_report_offers_lead_id", "report_offers", ["lead_id"])
    op.create_table(
        "report_offer_groups",
        *_fact_columns(),
        sa.Column("product_group", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", "product_group"),
    )
    op.create_index("ix_report_offer_groups_lead_id", "report_offer_groups", ["lead_id"])
    # The backfill writes with today's code (app/services/report_facts.py), so it runs in
    # the latest migration that changes the fact columns (d3f8a1c6b725, the won amount's
    # currency), when every column it writes exists.
    op.create_index(
        "ix_report_offers_offered_at",
        "report_offers",
        ["offered_at"],
        postgresql_include=["dealer_id", "region", "campaign", *FIGURES],
    )
    op.create_index(
        "ix_report_offer_groups_offered_at",
        "report_offer_groups",
        ["offered_at"],
        postgresql_include=["product_group", *FIGURES],
    )


def downgrade():
    op.drop_table("report_offer_groups")
    op.drop_table("report_offers")
