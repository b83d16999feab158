"""Shared fixtures: one migrated database per test session, emptied between tests.

The schema is built by Alembic (``mediation db upgrade``), never ``create_all``: every run
proves the migrations. Set DATABASE_URL to a PostgreSQL URL to run the suite there.
"""
import os
import re
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediation import create_app
from mediation.database import normalise_database_url
from mediation.extensions import db as _db

TEST_KEY = 'dGVzdC1rZXktdGhhdC1pcy1sb25nLWVub3VnaC0xMjM0NQ'

#: Tables holding reference data the migrations seed (kept between tests).
REFERENCE_TABLES = {'category', 'calendar_day', 'calendar_year', 'alembic_version'}


def _database_url(tmp_path_factory):
    """SQLite: a file per test session. PostgreSQL: DATABASE_URL's database, or under pytest-xdist
    one database per worker beside it (``<name>_gw0`` …), created empty here."""
    url = os.environ.get('DATABASE_URL')
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    worker = os.environ.get('PYTEST_XDIST_WORKER')
    if not worker or not url.startswith('postgres'):
        return url
    base = sa.make_url(normalise_database_url(url))
    name = f'{base.database}_{worker}'
    admin = sa.create_engine(base.set(database='postgres'), isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE {name}')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope='session')
def app(tmp_path_factory):
    app = create_app({
        'TESTING': True,
        'SQLALCHEMY_DATABASE_URI': _database_url(tmp_path_factory),
        'SECRET_KEY': 'test-secret',
        'FIELD_ENCRYPTION_KEY': TEST_KEY,
        'WTF_CSRF_ENABLED': False,
        'PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000',
        'SWEEP_INTERVAL_MINUTES': 0,
        # Tests sign in hundreds of times from one address; tests/test_auth.py sets the real limit.
        'LOGIN_RATE_LIMIT': '100000 per minute',
        'VERIFY_RATE_LIMIT': '100000 per minute',
        'API_RATE_LIMIT': '100000 per minute',  # tests/test_api.py sets a real one
        'STORAGE_PATH': str(tmp_path_factory.mktemp('storage')),
        'SIGNING_KEYS_PATH': str(tmp_path_factory.mktemp('keys')),
        # The cut-down fonts take seconds to build: every worker and every run shares one build
        # (fonts.ensure_subset_fonts locks while it builds).
        'FONT_CACHE_PATH': str(Path(tempfile.gettempdir()) / 'fengqiao-test-fonts'),
    })
    with app.app_context():
        from flask_migrate import downgrade
        from flask_migrate import upgrade
        if app.config['SQLALCHEMY_DATABASE_URI'].startswith('postgresql'):
            downgrade(revision='base')  # a fresh schema even if an earlier run left one behind
        upgrade()
        _SEEDED_CALENDAR.clear()
        with _db.engine.begin() as conn:
            _restore_calendar(conn, None)  # takes the snapshot
    yield app
    with app.app_context():
        _db.engine.dispose()
    _drop_worker_database(app.config['SQLALCHEMY_DATABASE_URI'])


def _drop_worker_database(url):
    given = os.environ.get('DATABASE_URL')
    if not given or not url.startswith('postgres') or sa.make_url(url).database == sa.make_url(
            normalise_database_url(given)).database:
        return
    admin = sa.create_engine(sa.make_url(url).set(database='postgres'), isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS {sa.make_url(url).database} WITH (FORCE)')
    admin.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Empty every non-reference table (and calendar entries tests made) after each test."""
    yield
    if 'app' not in request.fixturenames:
        return
    with app.app_context():
        _db.session.remove()
        _empty_tables()
        _db.session.remove()


def _empty_tables():
    from workflows.calendar import chinesecalendar_years
    seeded = chinesecalendar_years()
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with _db.engine.begin() as conn:
        # calendar rows name the user who entered them; unlink before the users go
        conn.execute(sa.text('UPDATE calendar_day SET updated_by_id = NULL WHERE updated_by_id IS NOT NULL'))
        conn.execute(sa.text('UPDATE calendar_year SET loaded_by_id = NULL WHERE loaded_by_id IS NOT NULL'))
        # DELETE, not TRUNCATE … CASCADE: on PostgreSQL that would also empty the calendar
        # tables, which reference user_account.
        for table in tables:
            conn.execute(table.delete())
        _restore_calendar(conn, seeded)
        conn.execute(sa.text("DELETE FROM category WHERE code LIKE 'T-%'"))


_SEEDED_CALENDAR = {}


def _restore_calendar(conn, seeded):
    """Put the migrated calendar back if a test changed it (a test may edit a seeded day)."""
    fingerprint = conn.execute(sa.text('SELECT count(*), max(updated_at) FROM calendar_day')).one()
    if not _SEEDED_CALENDAR:
        _SEEDED_CALENDAR['fingerprint'] = tuple(fingerprint)
        _SEEDED_CALENDAR['rows'] = [dict(row._mapping) for row in conn.execute(sa.text(
            'SELECT day, is_workday, name, source, updated_at FROM calendar_day'))]
        return
    if tuple(fingerprint) != _SEEDED_CALENDAR['fingerprint']:
        conn.execute(sa.text('DELETE FROM calendar_day'))
        conn.execute(sa.text('INSERT INTO calendar_day (day, is_workday, name, source, updated_at) '
                             'VALUES (:day, :is_workday, :name, :source, :updated_at)'), _SEEDED_CALENDAR['rows'])
    conn.execute(sa.text('DELETE FROM calendar_year WHERE year < :a OR year > :b'),
                 {'a': seeded.start, 'b': seeded.stop - 1})


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def db(app_ctx):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def orgs(db):
    """A district with two towns, three villages, and a court serving the district."""
    from tests.factories import make_org_tree
    return make_org_tree()


@pytest.fixture
def users(db, orgs):
    """One user per role (password 'password123')."""
    from tests.factories import make_standard_users
    return make_standard_users(orgs)


@pytest.fixture
def login(client):
    def _login(user, password='password123'):
        response = client.post('/login', data={'username': user.username, 'password': password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response
    return _login


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, 'no CSRF token on the page'
    return match.group(1)
