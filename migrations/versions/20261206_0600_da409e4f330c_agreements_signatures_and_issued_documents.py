"""agreements, signatures and issued documents

The agreement becomes a record of its own (its text drafted, then signed and sealed) instead of
three checkboxes on the transition: every signature is a row (who, how, when, the image or the
scan by its hash), files are kept by SHA-256 outside the database, and a sealed agreement is
stored once as an issued document with its verification code.

Revision ID: da409e4f330c
Revises: 7d3f0a2b9c41
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'da409e4f330c'
down_revision = '7d3f0a2b9c41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_file',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_file'))
    )
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('written', 'oral', name='agreement_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('parties', sa.JSON(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('disputes', sa.Text(), nullable=False),
    sa.Column('responsibility', sa.Text(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('mediator', sa.String(length=64), nullable=False),
    sa.Column('recorder', sa.String(length=64), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_agreement_stage_id_stage'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_agreement_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('stage_id', name=op.f('uq_agreement_stage_id'))
    )
    op.create_table('issued_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('application', 'registration', 'rights_notice', 'session_record', 'agreement', 'oral_agreement', 'follow_up', 'confirmation_application', 'termination_notice', 'dossier', name='document_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=64), nullable=False),
    sa.Column('verification_code', sa.String(length=20), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dispute_case.id'], name=op.f('fk_issued_document_case_id_dispute_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['committee_id'], ['organisation.id'], name=op.f('fk_issued_document_committee_id_organisation')),
    sa.ForeignKeyConstraint(['file_sha256'], ['stored_file.sha256'], name=op.f('fk_issued_document_file_sha256_stored_file')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_issued_document_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_issued_document_stage_id_stage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
    sa.UniqueConstraint('stage_id', 'kind', name=op.f('uq_issued_document_stage_id_kind')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_issued_document_verification_code'))
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_stage_id'), ['stage_id'], unique=False)

    op.create_table('signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('method', sa.Enum('screen', 'paper', name='signature_method', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_signature_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_sha256'], ['stored_file.sha256'], name=op.f('fk_signature_file_sha256_stored_file')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_signature_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature'))
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index('uq_signature_agreement_id_slot', ['agreement_id', 'slot'], unique=True, sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))



def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('uq_signature_agreement_id_slot', sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_signature_agreement_id'))

    op.drop_table('signature')
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_document_stage_id'))
        batch_op.drop_index(batch_op.f('ix_issued_document_case_id'))

    op.drop_table('issued_document')
    op.drop_table('agreement')
    op.drop_table('stored_file')
