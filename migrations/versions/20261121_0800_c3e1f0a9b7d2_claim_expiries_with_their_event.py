"""claim each lapsed deadline with its audit event instead of a stage_action row

The sweep wrote two rows per lapse: a ``stage_action`` claim under a unique constraint, and the
audit event of what it did. The event now carries the claim (``claim_key``, unique per stage
where set): one row less per escalation, and the claim is part of the audit trail. Existing
claims move onto the automatic event written in the same sweep, or become a ``deadline_lapsed``
event where there is none (a lapse that only sent reminders), so no lapse is acted on twice.

Revision ID: c3e1f0a9b7d2
Revises: a5d2f56dc36b
Create Date: 2026-11-21 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e1f0a9b7d2'
down_revision = 'a5d2f56dc36b'
branch_labels = None
depends_on = None

_WHERE = sa.text('claim_key IS NOT NULL')


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_key', sa.String(length=60), nullable=True))
    op.execute("""
        UPDATE event SET claim_key = (SELECT a.action FROM stage_action a
                                       WHERE a.stage_id = event.stage_id AND a.at = event.at)
         WHERE actor_id IS NULL AND kind IN ('refer_up', 'flag_for_decision', 'return_to_court', 'deadline_lapsed')
           AND EXISTS (SELECT 1 FROM stage_action a WHERE a.stage_id = event.stage_id AND a.at = event.at)
    """)
    op.execute("""
        INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data, claim_key)
        SELECT s.case_id, a.stage_id, NULL, a.at, 'deadline_lapsed', NULL, NULL, '', '{"automatic": true}', a.action
          FROM stage_action a JOIN stage s ON s.id = a.stage_id
         WHERE NOT EXISTS (SELECT 1 FROM event e WHERE e.stage_id = a.stage_id AND e.claim_key = a.action)
    """)
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('uq_event_stage_id_claim_key', ['stage_id', 'claim_key'], unique=True,
                              sqlite_where=_WHERE, postgresql_where=_WHERE)
    op.drop_table('stage_action')


def downgrade():
    op.create_table('stage_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_stage_action_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_action')),
    sa.UniqueConstraint('stage_id', 'action', name=op.f('uq_stage_action_stage_id_action'))
    )
    op.execute("""
        INSERT INTO stage_action (stage_id, action, at)
        SELECT stage_id, claim_key, at FROM event WHERE claim_key IS NOT NULL
    """)
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('uq_event_stage_id_claim_key', sqlite_where=_WHERE, postgresql_where=_WHERE)
        batch_op.drop_column('claim_key')
