"""notices by organisation and time

The notices page lists an organisation's notices newest first, and every page's navigation
counts the signed-in user's unread ones among the recent notices: both read this index instead
of every notice the organisation ever had.

Revision ID: f1c2d3e4a5b6
Revises: e5a7c3d91b20
Create Date: 2026-12-06 07:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f1c2d3e4a5b6'
down_revision = 'e5a7c3d91b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_notice_organisation_id_created_at', 'notice', ['organisation_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_notice_organisation_id_created_at', table_name='notice')
