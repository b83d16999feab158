"""The bare page the pages suite compares against: Flask and SQLAlchemy, one primary-key lookup, a 50-line template.

What any Flask page of one case costs at least, with no sign-in, access check, extensions or
layout of the app: a plain ORM mapping of the ``dispute_case`` table, a scoped session removed
after each request, ``session.get`` by id, and ``templates/bare_case.html`` (50 lines: the case's
fields, a few loops and conditions). Served by the same gunicorn command as the app::

    DATABASE_URL=… gunicorn -w 2 -b 127.0.0.1:PORT 'bench.bare_app:create_app()'

and asked for ``/case/<id>``.
"""
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from flask import abort
from flask import render_template

from mediation.database import normalise_database_url


class Base(so.DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = 'dispute_case'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    matter_code: so.Mapped[str]
    title: so.Mapped[str]
    source: so.Mapped[str]
    facts: so.Mapped[str]
    requests: so.Mapped[str]
    place: so.Mapped[str]
    amount: so.Mapped[Optional[Decimal]] = so.mapped_column(sa.Numeric(14, 2))
    people_involved: so.Mapped[int]
    mzx_risk: so.Mapped[bool]
    group_dispute: so.Mapped[bool]
    petition_risk: so.Mapped[bool]
    major_difficult: so.Mapped[bool]
    risk_level: so.Mapped[Optional[str]]
    created_at: so.Mapped[datetime]


LINKS = (('工作台', '/'), ('案件', '/cases/'), ('登记纠纷', '/cases/new'), ('期限计算', '/deadline'))


def create_app():
    app = Flask(__name__, template_folder=str(Path(__file__).parent / 'templates'))
    engine = sa.create_engine(normalise_database_url(os.environ['DATABASE_URL']))
    session = so.scoped_session(so.sessionmaker(engine))
    app.extensions['bare_engine'] = engine

    @app.teardown_appcontext
    def remove_session(exception=None):
        session.remove()

    @app.route('/case/<int:case_id>')
    def case_page(case_id):
        case = session.get(Case, case_id)
        if case is None:
            abort(404)
        flags = ((case.mzx_risk, '民转刑风险'), (case.group_dispute, '群体性纠纷'), (case.petition_risk, '信访风险'),
                 (case.major_difficult, '重大疑难'))
        return render_template('bare_case.html', case=case, flags=flags, links=LINKS, token='bench')

    return app
