"""restore the lead name indexes a later table rebuild dropped on SQLite

5b0c2e7a9d14 made ix_leads_last_name_lower and ix_leads_first_name_lower (the
console's search by name). A later batch_alter_table("leads") rebuilt the table on
SQLite and did not carry these expression indexes over, so a SQLite database made by
the migrations lacked them (one made from the models had them). PostgreSQL alters in
place and kept them: IF NOT EXISTS makes this a no-op there.

Revision ID: c4f1a8e2d6b3
Revises: b3e9d2a7c5f1
Create Date: 2026-11-27 22:50:00

"""

from alembic import op

revision = "c4f1a8e2d6b3"
down_revision = "b3e9d2a7c5f1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX IF NOT EXISTS ix_leads_last_name_lower ON leads (lower(last_name))")
    op.execute("CREATE INDEX IF NOT EXISTS ix_leads_first_name_lower ON leads (lower(first_name))")


def downgrade():
    pass  # they belong to 5b0c2e7a9d14, whose downgrade drops them
