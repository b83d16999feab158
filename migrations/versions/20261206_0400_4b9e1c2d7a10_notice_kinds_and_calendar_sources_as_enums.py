"""notice kinds and calendar sources as enums

The notice kind and the calendar's source were free strings: they become enum columns with a
CHECK constraint, like every other enum, so a mistyped kind fails at the database.

Revision ID: 4b9e1c2d7a10
Revises: c3e1f0a9b7d2
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b9e1c2d7a10'
down_revision = 'c3e1f0a9b7d2'
branch_labels = None
depends_on = None

NOTICE_KIND = sa.Enum('due_soon', 'overdue', 'risk_alert', 'returned', name='notice_kind', native_enum=False,
                      create_constraint=True, length=32)


def calendar_source():
    return sa.Enum('chinesecalendar', 'admin', 'cli', name='calendar_source', native_enum=False,
                   create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=32), type_=NOTICE_KIND, existing_nullable=False)
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=20), type_=calendar_source(),
                              existing_nullable=False)
    with op.batch_alter_table('calendar_year', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=20), type_=calendar_source(),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('calendar_year', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=calendar_source(), type_=sa.String(length=20),
                              existing_nullable=False)
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=calendar_source(), type_=sa.String(length=20),
                              existing_nullable=False)
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=NOTICE_KIND, type_=sa.String(length=32), existing_nullable=False)
