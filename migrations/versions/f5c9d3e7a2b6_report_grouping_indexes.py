"""reports: each grouping's rows in key order, response time within (covering on PostgreSQL)

Revision ID: f5c9d3e7a2b6
Revises: e4b8c2d6f1a3
Create Date: 2026-11-27 10:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f5c9d3e7a2b6"
down_revision = "e4b8c2d6f1a3"
branch_labels = None
depends_on = None

INCLUDE = ["offered_at", "status", "reason", "won", "order_value"]
INDEXES = (
    ("ix_report_offers_dealer", "report_offers", "dealer_id"),
    ("ix_report_offers_region", "report_offers", "region"),
    ("ix_report_offers_campaign", "report_offers", "campaign"),
    ("ix_report_offer_groups_group", "report_offer_groups", "product_group"),
)


def upgrade():
    for name, table, key in INDEXES:
        op.create_index(name, table, [key, "response_seconds"], postgresql_include=INCLUDE)


def downgrade():
    for name, table, _key in INDEXES:
        op.drop_index(name, table_name=table)
