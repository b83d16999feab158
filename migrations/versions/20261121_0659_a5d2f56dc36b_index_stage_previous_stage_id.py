"""index stage.previous_stage_id

The foreign key from a stage to the one it came from: without an index PostgreSQL scans the
whole stage table for every stage deleted, and looking up where a case went next is a scan.

Revision ID: a5d2f56dc36b
Revises: 6bf0ac669476
Create Date: 2026-11-21 06:59:14.645899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5d2f56dc36b'
down_revision = '6bf0ac669476'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_previous_stage_id'), ['previous_stage_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_previous_stage_id'))

