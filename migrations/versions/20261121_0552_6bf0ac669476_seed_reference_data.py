"""seed reference data: the dispute categories (domain.md §4.1) and the holiday calendar

The calendar is read from the chinesecalendar package at upgrade time (2004 to its last year);
later years are entered with `mediation calendar load YEAR` or on the administrators' page.

Revision ID: 6bf0ac669476
Revises: 67e026e8b370
Create Date: 2026-11-21 05:52:48.497968

"""
from alembic import op
from datetime import datetime
from datetime import timezone

import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6bf0ac669476'
down_revision = '67e026e8b370'
branch_labels = None
depends_on = None


#: (code, name, wet signatures required, children) — the MoJ monthly-report categories.
CATEGORIES = [
    ('HY', '婚姻家庭纠纷', True, [('HY-HY', '婚姻纠纷'), ('HY-JC', '继承纠纷'), ('HY-SY', '赡养纠纷'),
                                ('HY-FY', '抚养纠纷'), ('HY-SHY', '收养纠纷')]),
    ('LL', '邻里纠纷', False, []),
    ('FW', '房屋宅基地纠纷', False, []),
    ('HT', '合同纠纷', False, []),
    ('SC', '生产经营纠纷', False, []),
    ('SH', '损害赔偿纠纷', False, []),
    ('SL', '山林土地纠纷', False, []),
    ('ZD', '征地拆迁纠纷', False, []),
    ('HJ', '环境污染纠纷', False, []),
    ('LD', '劳动争议纠纷', False, []),
    ('XF', '消费纠纷', False, []),
    ('YL', '医疗纠纷', False, []),
    ('JT', '道路交通事故纠纷', False, []),
    ('WY', '物业纠纷', False, []),
    ('QT', '其他纠纷', False, []),
]

category = sa.table('category', sa.column('id', sa.Integer), sa.column('code', sa.String), sa.column('name', sa.String),
                    sa.column('parent_id', sa.Integer), sa.column('sort_order', sa.Integer),
                    sa.column('active', sa.Boolean), sa.column('requires_wet_signature', sa.Boolean))
calendar_day = sa.table('calendar_day', sa.column('day', sa.Date), sa.column('is_workday', sa.Boolean),
                        sa.column('name', sa.String), sa.column('source', sa.String),
                        sa.column('updated_at', sa.DateTime))
calendar_year = sa.table('calendar_year', sa.column('year', sa.Integer), sa.column('source', sa.String),
                         sa.column('loaded_at', sa.DateTime))


def upgrade():
    from workflows.calendar import chinesecalendar_overrides
    from workflows.calendar import chinesecalendar_years

    bind = op.get_bind()
    for order, (code, name, wet, children) in enumerate(CATEGORIES, start=1):
        bind.execute(category.insert().values(code=code, name=name, parent_id=None, sort_order=order * 10,
                                              active=True, requires_wet_signature=wet))
        parent_id = bind.execute(sa.select(category.c.id).where(category.c.code == code)).scalar_one()
        for child_order, (child_code, child_name) in enumerate(children, start=1):
            bind.execute(category.insert().values(code=child_code, name=child_name, parent_id=parent_id,
                                                  sort_order=child_order, active=True, requires_wet_signature=wet))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for year in chinesecalendar_years():
        rows = [{'day': day, 'is_workday': is_workday, 'name': name, 'source': 'chinesecalendar', 'updated_at': now}
                for day, (is_workday, name) in sorted(chinesecalendar_overrides(year).items())]
        op.bulk_insert(calendar_day, rows)
        op.bulk_insert(calendar_year, [{'year': year, 'source': 'chinesecalendar', 'loaded_at': now}])


def downgrade():
    bind = op.get_bind()
    bind.execute(calendar_day.delete().where(calendar_day.c.source == 'chinesecalendar'))
    bind.execute(calendar_year.delete().where(calendar_year.c.source == 'chinesecalendar'))
    bind.execute(category.delete().where(category.c.parent_id.is_not(None)))
    bind.execute(category.delete())
