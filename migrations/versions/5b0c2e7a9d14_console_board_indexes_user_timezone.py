"""console: lead campaign column, board and search indexes, coordinator time zone, dealer town

Revision ID: 5b0c2e7a9d14
Revises: b7e21c4a9d10
Create Date: 2026-11-27 07:05:00

"""

import json

import sqlalchemy as sa
from alembic import op

revision = "5b0c2e7a9d14"
down_revision = "b7e21c4a9d10"
branch_labels = None
depends_on = None


def _campaign_of(raw) -> str | None:
    fields = json.loads(raw) if isinstance(raw, str) else (raw or {})
    for key in ("campaign_id", "utm_campaign"):
        value = fields.get(key) if isinstance(fields, dict) else None
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()[:120]
    return None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC")
        )
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("campaign", sa.String(length=120), nullable=True))
    with op.batch_alter_table("dealers") as batch:
        batch.add_column(sa.Column("town", sa.String(length=120), nullable=True))
    connection = op.get_bind()
    leads = sa.table(
        "leads", sa.column("id", sa.String), sa.column("custom_fields", sa.JSON),
        sa.column("campaign", sa.String),
    )
    rows = connection.execute(sa.select(leads.c.id, leads.c.custom_fields)).all()
    for lead_id, fields in rows:
        campaign = _campaign_of(fields)
        if campaign:
            connection.execute(
                leads.update().where(leads.c.id == lead_id).values(campaign=campaign)
            )
    op.create_index("ix_leads_status_updated", "leads", ["status", "updated_at", "id"])
    op.create_index("ix_leads_campaign_updated", "leads", ["campaign", "updated_at"])
    op.create_index("ix_leads_country_postal", "leads", ["country", "postal_code"])
    op.create_index("ix_leads_last_name_lower", "leads", [sa.text("lower(last_name)")])
    op.create_index("ix_leads_first_name_lower", "leads", [sa.text("lower(first_name)")])
    op.create_index("ix_line_items_group_lead", "line_items", ["product_group", "lead_id"])


def downgrade():
    op.drop_index("ix_line_items_group_lead", table_name="line_items")
    for name in (
        "ix_leads_first_name_lower",
        "ix_leads_last_name_lower",
        "ix_leads_country_postal",
        "ix_leads_campaign_updated",
        "ix_leads_status_updated",
    ):
        op.drop_index(name, table_name="leads")
    with op.batch_alter_table("dealers") as batch:
        batch.drop_column("town")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("campaign")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("timezone")
