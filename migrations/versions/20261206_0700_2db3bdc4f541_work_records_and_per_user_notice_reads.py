"""work records and per-user notice reads

The mediator's work becomes typed records instead of free text on internal transitions:
sessions (调解记录), investigations (调查记录), evidence kept by hash, performance of each agreed
term, follow-up visits (回访记录) and notes. The follow-up visits recorded the old way (an event's
reason) become visit records. The agreement keeps its performance summary for the lists.

Notices are read per user (``notice_read``), not once for the whole organisation, and carry
their English wording beside the Chinese.

Revision ID: 2db3bdc4f541
Revises: da409e4f330c
Create Date: 2026-12-06 07:00:00

"""
import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2db3bdc4f541'
down_revision = 'da409e4f330c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_note',
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dispute_case.id'], name=op.f('fk_case_note_case_id_dispute_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_case_note_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_case_note_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_note_stage_id'), ['stage_id'], unique=False)

    op.create_table('follow_up_visit',
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('method', sa.Enum('in_person', 'phone', 'online', 'at_office', name='visit_method', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('visitors', sa.String(length=100), nullable=False),
    sa.Column('person_visited', sa.String(length=100), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('performance', sa.Enum('pending', 'fulfilled', 'partly', 'breached', name='visit_performance_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('satisfaction', sa.Enum('satisfied', 'fairly', 'dissatisfied', name='satisfaction', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('court_action', sa.String(length=500), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dispute_case.id'], name=op.f('fk_follow_up_visit_case_id_dispute_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_follow_up_visit_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_follow_up_visit_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_visit'))
    )
    with op.batch_alter_table('follow_up_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_visit_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_visit_stage_id'), ['stage_id'], unique=False)

    op.create_table('investigation',
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('investigators', sa.String(length=200), nullable=False),
    sa.Column('recorder', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('subject_details', sa.String(length=255), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dispute_case.id'], name=op.f('fk_investigation_case_id_dispute_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_investigation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_investigation_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation'))
    )
    with op.batch_alter_table('investigation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investigation_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_investigation_stage_id'), ['stage_id'], unique=False)

    op.create_table('mediation_session',
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('mediators', sa.String(length=200), nullable=False),
    sa.Column('recorder', sa.String(length=64), nullable=False),
    sa.Column('parties_present', sa.String(length=500), nullable=False),
    sa.Column('participants', sa.String(length=500), nullable=False),
    sa.Column('statements', sa.JSON(), nullable=False),
    sa.Column('facts_checked', sa.Text(), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Enum('agreed', 'partly_agreed', 'adjourned', 'not_agreed', name='session_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('next_session_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dispute_case.id'], name=op.f('fk_mediation_session_case_id_dispute_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_mediation_session_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_mediation_session_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_session'))
    )
    with op.batch_alter_table('mediation_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediation_session_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediation_session_stage_id'), ['stage_id'], unique=False)

    op.create_table('attachment',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('evidence_kind', sa.Enum('document', 'photo', 'audio_video', 'electronic', 'witness', 'appraisal', 'inspection', 'physical', 'other', name='evidence_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('provided_by', sa.String(length=100), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('investigation_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dispute_case.id'], name=op.f('fk_attachment_case_id_dispute_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attachment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['file_sha256'], ['stored_file.sha256'], name=op.f('fk_attachment_file_sha256_stored_file')),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigation.id'], name=op.f('fk_attachment_investigation_id_investigation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_session.id'], name=op.f('fk_attachment_session_id_mediation_session'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_attachment_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('token', name=op.f('uq_attachment_token'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_stage_id'), ['stage_id'], unique=False)

    op.create_table('notice_read',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_read_notice_id_notice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notice_read_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'user_id', name=op.f('pk_notice_read'))
    )
    with op.batch_alter_table('notice_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_read_user_id'), ['user_id'], unique=False)

    op.create_table('performance_record',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('term_no', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'fulfilled', 'partly', 'breached', name='performance_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('urged', sa.Boolean(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_performance_record_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['dispute_case.id'], name=op.f('fk_performance_record_case_id_dispute_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_performance_record_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_performance_record_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_record'))
    )
    with op.batch_alter_table('performance_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_record_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_record_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_record_stage_id'), ['stage_id'], unique=False)

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('performance', sa.Enum('pending', 'fulfilled', 'partly', 'breached', name='agreement_performance', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('terms_fulfilled', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_en', sa.String(length=500), nullable=False, server_default=''))
        batch_op.drop_column('read_at')

    _follow_up_events_to_visits()


def _follow_up_events_to_visits():
    """Each old ``record_follow_up`` event (its reason the only account) becomes a visit record."""
    event = sa.table('event', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer),
                     sa.column('stage_id', sa.Integer), sa.column('actor_id', sa.Integer),
                     sa.column('at', sa.DateTime), sa.column('kind', sa.String), sa.column('reason', sa.Text))
    user = sa.table('user_account', sa.column('id', sa.Integer), sa.column('display_name', sa.String))
    visit = sa.table('follow_up_visit', *[sa.column(name) for name in (
        'case_id', 'stage_id', 'created_by_id', 'created_at', 'version', 'visited_on', 'method', 'visitors',
        'person_visited', 'situation', 'court_action', 'risks')])
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(event.c.case_id, event.c.stage_id, event.c.actor_id, event.c.at, event.c.reason, user.c.display_name)
        .select_from(event.outerjoin(user, user.c.id == event.c.actor_id))
        .where(event.c.kind == 'record_follow_up', event.c.stage_id.is_not(None)).order_by(event.c.id)).all()
    if rows:
        # visited_on: the day in China (UTC+8) the visit was recorded
        connection.execute(visit.insert(), [{
            'case_id': row.case_id, 'stage_id': row.stage_id, 'created_by_id': row.actor_id, 'created_at': row.at,
            'version': 1, 'visited_on': (row.at + datetime.timedelta(hours=8)).date(), 'method': 'in_person',
            'visitors': row.display_name or '', 'person_visited': '', 'situation': row.reason or '',
            'court_action': '', 'risks': ''} for row in rows])


def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('message_en')

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_constraint('agreement_performance', type_='check')
        batch_op.drop_column('terms_fulfilled')
        batch_op.drop_column('performance')

    with op.batch_alter_table('performance_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_record_stage_id'))
        batch_op.drop_index(batch_op.f('ix_performance_record_case_id'))
        batch_op.drop_index(batch_op.f('ix_performance_record_agreement_id'))

    op.drop_table('performance_record')
    with op.batch_alter_table('notice_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_read_user_id'))

    op.drop_table('notice_read')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_stage_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_case_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('mediation_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediation_session_stage_id'))
        batch_op.drop_index(batch_op.f('ix_mediation_session_case_id'))

    op.drop_table('mediation_session')
    with op.batch_alter_table('investigation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_investigation_stage_id'))
        batch_op.drop_index(batch_op.f('ix_investigation_case_id'))

    op.drop_table('investigation')
    with op.batch_alter_table('follow_up_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_visit_stage_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_visit_case_id'))

    op.drop_table('follow_up_visit')
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_stage_id'))
        batch_op.drop_index(batch_op.f('ix_case_note_case_id'))

    op.drop_table('case_note')
