"""reports: offers by the day they were made (covering on PostgreSQL)

Revision ID: a7c3d9e1f2b4
Revises: c39f71bd957c
Create Date: 2026-11-27 07:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3d9e1f2b4'
down_revision = 'c39f71bd957c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_offers_offered_at',
        'offers',
        ['offered_at'],
        unique=False,
        postgresql_include=['lead_id', 'dealer_id', 'status', 'responded_at', 'reason'],
    )


def downgrade():
    op.drop_index('ix_offers_offered_at', table_name='offers')
