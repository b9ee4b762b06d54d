"""push preferences per device: which kinds of notification each subscription wants

Revision ID: a7c3e9f1b2d4
Revises: e14a7d2c5b90
Create Date: 2026-11-27 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a7c3e9f1b2d4"
down_revision = "e14a7d2c5b90"
branch_labels = None
depends_on = None

# Every existing device keeps getting everything it got before.
COLUMNS = ("wants_new_lead", "wants_reminder", "wants_answer", "wants_taken_back")


def upgrade():
    with op.batch_alter_table("push_subscriptions") as batch:
        for name in COLUMNS:
            batch.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.true())
            )


def downgrade():
    with op.batch_alter_table("push_subscriptions") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
