"""The bare endpoint the api suite compares against: Flask and SQLAlchemy, the same 50 rows as JSON.

What any Flask endpoint returning the API's first page costs at least: no token, no access
check, no limiter, no schema. ``/cases`` answers with the 50 newest cases (registration order,
as the district's list is) and, for each, what ``GET /api/v1/cases`` shows of it: its category,
its current stage with the committee's name, its parties' names. Three plain queries (the
cases with their categories; their newest stages with the committees; their parties), a scoped
session removed after each request, ``jsonify``. Served by the same gunicorn command as the app::

    DATABASE_URL=… gunicorn -w 2 -b 127.0.0.1:PORT 'bench.bare_api:create_app()'
"""
import os

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from flask import jsonify

from mediation.database import normalise_database_url

PER_PAGE = 50

CASES = sa.text(
    'SELECT c.id, c.matter_code, c.title, c.source, c.created_at, c.risk_level, k.name AS category, '
    'p.name AS parent_category FROM dispute_case c JOIN category k ON k.id = c.category_id '
    'LEFT JOIN category p ON p.id = k.parent_id ORDER BY c.created_at DESC, c.id DESC LIMIT :limit')
STAGES = sa.text(
    'SELECT s.id, s.case_id, s.level, s.kind, s.state, s.version, s.due_on, s.number_year, s.number_prefix, '
    's.number_serial, o.committee_name FROM stage s JOIN organisation o ON o.id = s.committee_id '
    'WHERE s.id IN (SELECT max(id) FROM stage WHERE case_id IN :ids GROUP BY case_id)'
).bindparams(sa.bindparam('ids', expanding=True))
PARTIES = sa.text('SELECT case_id, role, kind, name FROM party WHERE case_id IN :ids ORDER BY id').bindparams(
    sa.bindparam('ids', expanding=True))


def _iso(value):
    if value is None:
        return None
    return value.isoformat() + 'Z' if hasattr(value, 'isoformat') else str(value).replace(' ', 'T') + 'Z'


def create_app():
    app = Flask(__name__)
    engine = sa.create_engine(normalise_database_url(os.environ['DATABASE_URL']))
    session = so.scoped_session(so.sessionmaker(engine))
    app.extensions['bare_engine'] = engine

    @app.teardown_appcontext
    def remove_session(exception=None):
        session.remove()

    @app.route('/cases')
    def cases():
        found = session.execute(CASES, {'limit': PER_PAGE}).all()
        ids = [row.id for row in found]
        stages = {row.case_id: row for row in session.execute(STAGES, {'ids': ids})} if ids else {}
        parties = {}
        for row in session.execute(PARTIES, {'ids': ids}) if ids else ():
            parties.setdefault(row.case_id, []).append({'role': row.role, 'kind': row.kind, 'name': row.name})
        out = []
        for row in found:
            stage = stages[row.id]
            number = (f'（{stage.number_year}）{stage.number_prefix}人调字第{stage.number_serial}号'
                      if stage.number_serial is not None else None)
            out.append({
                'id': row.id, 'matter_code': row.matter_code, 'title': row.title,
                'category': f'{row.parent_category} / {row.category}' if row.parent_category else row.category,
                'source': row.source, 'created_at': _iso(row.created_at), 'risk_level': row.risk_level,
                'stage': {'id': stage.id, 'committee': stage.committee_name, 'level': stage.level,
                          'kind': stage.kind, 'state': stage.state, 'case_number': number,
                          'version': stage.version, 'due_on': str(stage.due_on) if stage.due_on else None},
                'parties': parties.get(row.id, []),
            })
        return jsonify({'cases': out, 'next_cursor': None})

    return app
