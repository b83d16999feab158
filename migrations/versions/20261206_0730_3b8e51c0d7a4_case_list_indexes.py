"""case list indexes

The case lists read a page by walking an index in the list's order and stopping after a page,
so the first page and the thousandth cost the same at ten thousand cases as at a million:

- stages by committee (and state) in case order: a committee's cases, its inbox, its open cases;
- stages by state in case order: a state across the jurisdiction;
- overdue work by due date, without the closed confirmation windows of old agreements;
- open stages per committee by arrival: the supervision page's oldest open cases;
- referred stages by arrival: the cases referred up in a month;
- case numbers by serial and year, and party names from their start: the search box.

``ix_stage_committee_state`` (committee, state) is replaced by the same index with the case
after them.

Revision ID: 3b8e51c0d7a4
Revises: f1c2d3e4a5b6
Create Date: 2026-12-06 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8e51c0d7a4'
down_revision = 'f1c2d3e4a5b6'
branch_labels = None
depends_on = None

#: ``workflows.states.OPEN_STATES`` as they were when this migration was written.
OPEN_PREDICATE = "state IN ('agreement_pending', 'failed', 'mediating', 'paused', 'pending_acceptance')"


def _partial(predicate):
    return {'sqlite_where': sa.text(predicate), 'postgresql_where': sa.text(predicate)}


def upgrade():
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_committee_state')
        batch_op.create_index('ix_stage_committee_id_state_case_id', ['committee_id', 'state', 'case_id'])
        batch_op.create_index('ix_stage_committee_id_case_id', ['committee_id', 'case_id'])
        batch_op.create_index('ix_stage_state_case_id', ['state', 'case_id'])
        batch_op.create_index('ix_stage_work_due_on', ['due_on'], **_partial("clock <> 'jc_apply'"))
        batch_op.create_index('ix_stage_open_received_at', ['committee_id', 'received_at', 'state'],
                              **_partial(OPEN_PREDICATE))
        batch_op.create_index('ix_stage_referral_received_at', ['received_at'],
                              **_partial('previous_stage_id IS NOT NULL'))
        batch_op.create_index('ix_stage_number_serial_year', ['number_serial', 'number_year'],
                              **_partial('number_serial IS NOT NULL'))
    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.create_index('ix_party_name', ['name'], postgresql_ops={'name': 'text_pattern_ops'})


def downgrade():
    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.drop_index('ix_party_name')
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_number_serial_year', **_partial('number_serial IS NOT NULL'))
        batch_op.drop_index('ix_stage_referral_received_at', **_partial('previous_stage_id IS NOT NULL'))
        batch_op.drop_index('ix_stage_open_received_at', **_partial(OPEN_PREDICATE))
        batch_op.drop_index('ix_stage_work_due_on', **_partial("clock <> 'jc_apply'"))
        batch_op.drop_index('ix_stage_state_case_id')
        batch_op.drop_index('ix_stage_committee_id_case_id')
        batch_op.drop_index('ix_stage_committee_id_state_case_id')
        batch_op.create_index('ix_stage_committee_state', ['committee_id', 'state'])
