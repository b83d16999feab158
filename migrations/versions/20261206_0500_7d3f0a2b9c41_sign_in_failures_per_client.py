"""sign-in failures per client

A lock-out per account let anyone lock any account (an administrator's included) with five
requests. Failures are now recorded per name typed and per client, and lock out only that
client; the account's own counter and lock go.

Revision ID: 7d3f0a2b9c41
Revises: 4b9e1c2d7a10
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3f0a2b9c41'
down_revision = '4b9e1c2d7a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failure_username_client_at', ['username', 'client', 'at'], unique=False)
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of user_account would fail the
    # foreign keys of every row that references a user.
    op.drop_column('user_account', 'locked_until')
    op.drop_column('user_account', 'failed_logins')


def downgrade():
    op.add_column('user_account', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('user_account', sa.Column('locked_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failure_username_client_at')
    op.drop_table('sign_in_failure')
