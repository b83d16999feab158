"""court stages

The court's side of a case (issue 13, docs/court.md):

- a stage's state may be one of the court's (received, registered, sent down, result returned,
  filed, in trial, agreement filed) or of a judicial confirmation (under review, confirmed,
  rejected); a stage may be a judicial confirmation; three clocks are the court's (review,
  confirmation acceptance, confirmation decision). The CHECK constraints of the three enum
  columns are replaced (SQLite: the table is rebuilt in batch mode);
- the court's open states join the partial index of open stages by arrival;
- the court's roster of invited mediation organisations (特邀调解组织名册);
- a case records whether both parties agreed that the court may see the mediation transcripts
  and investigation records.

Revision ID: c4a7d1e2f3b5
Revises: 3b8e51c0d7a4
Create Date: 2026-12-06 08:00:00

"""
import datetime
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a7d1e2f3b5'
down_revision = '3b8e51c0d7a4'
branch_labels = None
depends_on = None

OLD_STATES = ('pending_acceptance', 'declined', 'mediating', 'paused', 'agreement_pending', 'agreed', 'failed',
              'referred_up', 'with_court', 'returned_to_court', 'withdrawn', 'terminated', 'closed')
NEW_STATES = OLD_STATES + ('court_received', 'court_registered', 'sent_down', 'court_returned', 'case_filed',
                           'in_trial', 'agreement_filed', 'jc_reviewing', 'jc_confirmed', 'jc_rejected')
OLD_KINDS = ('people', 'court_delegated', 'court_entrusted', 'court_entrusted_summary', 'court')
NEW_KINDS = OLD_KINDS + ('judicial_confirmation',)
OLD_CLOCKS = ('acceptance', 'mediation', 'jc_apply')
NEW_CLOCKS = OLD_CLOCKS + ('court_review', 'jc_acceptance', 'jc_decision')
OLD_DOCUMENTS = ('application', 'registration', 'rights_notice', 'session_record', 'agreement', 'oral_agreement',
                 'follow_up', 'confirmation_application', 'termination_notice', 'dossier')
NEW_DOCUMENTS = OLD_DOCUMENTS + ('closing_report',)

#: ``workflows.states.OPEN_STATES`` before and after this migration.
OLD_OPEN = "state IN ('agreement_pending', 'failed', 'mediating', 'paused', 'pending_acceptance')"
NEW_OPEN = ("state IN ('agreement_pending', 'court_received', 'court_registered', 'court_returned', 'failed', "
            "'jc_reviewing', 'mediating', 'paused', 'pending_acceptance', 'sent_down')")


@contextmanager
def _sqlite_foreign_keys_off():
    """SQLite rebuilds a table to change its CHECK constraints, and dropping the old table with
    foreign keys on would delete every row that references it (ON DELETE CASCADE: the events,
    notices, records of every stage). The pragma only takes effect outside a transaction."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    bind.exec_driver_sql('COMMIT')
    bind.exec_driver_sql('PRAGMA foreign_keys = OFF')
    bind.exec_driver_sql('BEGIN IMMEDIATE')
    try:
        yield
    finally:
        bind.exec_driver_sql('COMMIT')
        bind.exec_driver_sql('PRAGMA foreign_keys = ON')
        bind.exec_driver_sql('BEGIN IMMEDIATE')


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _partial(predicate):
    return {'sqlite_where': sa.text(predicate), 'postgresql_where': sa.text(predicate)}


def _stage_columns(states, kinds, clocks, old_states, old_kinds, old_clocks, open_before, open_after):
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_open_received_at', **_partial(open_before))
        batch_op.alter_column('state', existing_type=_enum(old_states, 'stage_state'),
                              type_=_enum(states, 'stage_state'), existing_nullable=False)
        batch_op.alter_column('kind', existing_type=_enum(old_kinds, 'stage_kind'),
                              type_=_enum(kinds, 'stage_kind'), existing_nullable=False)
        batch_op.alter_column('clock', existing_type=_enum(old_clocks, 'stage_clock'),
                              type_=_enum(clocks, 'stage_clock'), existing_nullable=True)
        batch_op.create_index('ix_stage_open_received_at', ['committee_id', 'received_at', 'state'],
                              **_partial(open_after))


def _document_kinds(kinds, old_kinds):
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_enum(old_kinds, 'document_kind'),
                              type_=_enum(kinds, 'document_kind'), existing_nullable=False)


def upgrade():
    with _sqlite_foreign_keys_off():
        _stage_columns(NEW_STATES, NEW_KINDS, NEW_CLOCKS, OLD_STATES, OLD_KINDS, OLD_CLOCKS, OLD_OPEN, NEW_OPEN)
        _document_kinds(NEW_DOCUMENTS, OLD_DOCUMENTS)
        op.create_table('invited_organisation',
        sa.Column('court_id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_invited_organisation_added_by_id_user_account')),
        sa.ForeignKeyConstraint(['committee_id'], ['organisation.id'], name=op.f('fk_invited_organisation_committee_id_organisation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['court_id'], ['organisation.id'], name=op.f('fk_invited_organisation_court_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('court_id', 'committee_id', name=op.f('pk_invited_organisation'))
        )
        with op.batch_alter_table('invited_organisation', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_invited_organisation_committee_id'), ['committee_id'], unique=False)
        with op.batch_alter_table('dispute_case', schema=None) as batch_op:
            batch_op.add_column(sa.Column('records_disclosed_to_court', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    _roster_from_served_districts()


def _roster_from_served_districts():
    """Every existing court starts with the committees of the districts it serves on its roster."""
    organisation = sa.table('organisation', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                            sa.column('path', sa.String))
    court_district = sa.table('court_district', sa.column('court_id', sa.Integer), sa.column('district_id', sa.Integer))
    roster = sa.table('invited_organisation', sa.column('court_id', sa.Integer), sa.column('committee_id', sa.Integer),
                      sa.column('active', sa.Boolean), sa.column('added_at', sa.DateTime))
    connection = op.get_bind()
    district = organisation.alias('district')
    rows = connection.execute(
        sa.select(court_district.c.court_id, organisation.c.id)
        .join(district, district.c.id == court_district.c.district_id)
        .join(organisation, organisation.c.path.startswith(district.c.path))
        .where(organisation.c.kind != 'court')).all()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if rows:
        connection.execute(roster.insert(), [
            {'court_id': row[0], 'committee_id': row[1], 'active': True, 'added_at': now} for row in rows])


def downgrade():
    connection = op.get_bind()
    # The court's stages and states have no place in the older schema: they go, with their events.
    stage = sa.table('stage', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                     sa.column('state', sa.String), sa.column('clock', sa.String),
                     sa.column('previous_stage_id', sa.Integer))
    gone = sa.select(stage.c.id).where(sa.or_(stage.c.kind == 'judicial_confirmation',
                                              stage.c.state.not_in(OLD_STATES)))
    connection.execute(sa.update(stage).where(stage.c.previous_stage_id.in_(gone)).values(previous_stage_id=None))
    for table in ('event', 'notice'):
        t = sa.table(table, sa.column('stage_id', sa.Integer))
        connection.execute(sa.delete(t).where(t.c.stage_id.in_(gone)))
    connection.execute(sa.delete(stage).where(stage.c.id.in_(sa.select(gone.subquery().c.id))))
    connection.execute(sa.update(stage).where(stage.c.clock.not_in(OLD_CLOCKS)).values(clock=None))
    with _sqlite_foreign_keys_off():
        with op.batch_alter_table('dispute_case', schema=None) as batch_op:
            batch_op.drop_column('records_disclosed_to_court')
        with op.batch_alter_table('invited_organisation', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_invited_organisation_committee_id'))
        op.drop_table('invited_organisation')
        issued = sa.table('issued_document', sa.column('kind', sa.String))
        connection.execute(sa.delete(issued).where(issued.c.kind.not_in(OLD_DOCUMENTS)))
        _document_kinds(OLD_DOCUMENTS, NEW_DOCUMENTS)
        _stage_columns(OLD_STATES, OLD_KINDS, OLD_CLOCKS, NEW_STATES, NEW_KINDS, NEW_CLOCKS, NEW_OPEN, OLD_OPEN)
