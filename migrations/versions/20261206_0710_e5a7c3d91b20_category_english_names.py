"""category English names

Every category gets its English name beside the Chinese one, so the English interface shows
categories in English (domain.md §4.1 gives the English names of the MoJ report categories).
A category an administrator adds later without one is shown by its Chinese name.

Revision ID: e5a7c3d91b20
Revises: 2db3bdc4f541
Create Date: 2026-12-06 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a7c3d91b20'
down_revision = '2db3bdc4f541'
branch_labels = None
depends_on = None


#: code → English name, for every category the reference-data migration seeds.
NAMES_EN = {
    'HY': 'Marriage and family',
    'HY-HY': 'Marriage',
    'HY-JC': 'Inheritance',
    'HY-SY': 'Support of elderly parents',
    'HY-FY': 'Child support and upbringing',
    'HY-SHY': 'Adoption',
    'LL': 'Neighbours',
    'FW': 'Housing and homestead land',
    'HT': 'Contracts',
    'SC': 'Production and business',
    'SH': 'Compensation for damage',
    'SL': 'Forest and land',
    'ZD': 'Land requisition and demolition',
    'HJ': 'Environmental pollution',
    'LD': 'Labour disputes',
    'XF': 'Consumer disputes',
    'YL': 'Medical disputes',
    'JT': 'Road traffic accidents',
    'WY': 'Property management',
    'QT': 'Other',
}

category = sa.table('category', sa.column('code', sa.String), sa.column('name_en', sa.String))


def upgrade():
    # A plain ADD COLUMN (no batch copy of the table, which other tables reference).
    op.add_column('category', sa.Column('name_en', sa.String(length=100), nullable=False, server_default=''))
    bind = op.get_bind()
    for code, name in NAMES_EN.items():
        bind.execute(category.update().where(category.c.code == code).values(name_en=name))


def downgrade():
    op.drop_column('category', 'name_en')
