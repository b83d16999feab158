"""statistics indexes

The statistics (``services.statistics``, issue 14) count the stages a committee subtree accepted
in a period, and look up a few kinds of events by stage (withdrawals, applications for and
decisions on judicial confirmation):

- stages by acceptance time (with the committee, so a period's stages of a subtree are read from
  the index alone before the rows): a province's or a district's year;
- stages by committee and acceptance time: one committee's or a few committees' period;
- events by kind and stage: the few stages withdrawn or sent for confirmation, as a set;
- the judicial-confirmation stages by the agreed stage they were opened from (a partial index:
  a few among millions of stages).

Revision ID: d5b8e2f3a4c6
Revises: c4a7d1e2f3b5
Create Date: 2026-12-06 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5b8e2f3a4c6'
down_revision = 'c4a7d1e2f3b5'
branch_labels = None
depends_on = None

ACCEPTED = 'accepted_at IS NOT NULL'
CONFIRMATION = "kind = 'judicial_confirmation'"


def upgrade():
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.create_index('ix_stage_accepted_at', ['accepted_at', 'committee_id'], unique=False,
                              sqlite_where=sa.text(ACCEPTED), postgresql_where=sa.text(ACCEPTED))
        batch_op.create_index('ix_stage_committee_id_accepted_at', ['committee_id', 'accepted_at'], unique=False)
        batch_op.create_index('ix_stage_confirmation_previous_stage_id', ['previous_stage_id'], unique=False,
                              sqlite_where=sa.text(CONFIRMATION), postgresql_where=sa.text(CONFIRMATION))
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_kind_stage_id', ['kind', 'stage_id'], unique=False)


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_kind_stage_id')
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_confirmation_previous_stage_id', sqlite_where=sa.text(CONFIRMATION),
                            postgresql_where=sa.text(CONFIRMATION))
        batch_op.drop_index('ix_stage_committee_id_accepted_at')
        batch_op.drop_index('ix_stage_accepted_at', sqlite_where=sa.text(ACCEPTED), postgresql_where=sa.text(ACCEPTED))
