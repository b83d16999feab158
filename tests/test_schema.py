"""The schema comes only from Alembic, and the migrations match the models."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mediation import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent


def test_models_and_migrations_agree(db):
    """Autogenerate finds nothing to do on the database the migrations built (SQLite or PostgreSQL)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={'compare_type': True})
        assert compare_metadata(context, db.metadata) == []


def test_reference_data_is_seeded(db):
    assert db.session.scalar(sa.text('SELECT count(*) FROM category WHERE parent_id IS NULL')) == 15
    assert db.session.scalar(sa.text('SELECT min(year) FROM calendar_year')) == 2004
    # 2026-02-28 is a Saturday worked in lieu of the Spring Festival; 2026-10-01 is National Day
    rows = dict(db.session.execute(sa.text("SELECT day, is_workday FROM calendar_day "
                                           "WHERE day IN ('2026-02-28', '2026-10-01')")).all())
    assert sorted(map(str, rows)) == ['2026-02-28', '2026-10-01']
    assert sorted(map(bool, rows.values())) == [False, True]


def _cli(args, env):
    return subprocess.run([sys.executable, '-m', 'mediation', *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_db_upgrade_builds_the_schema_from_empty_with_the_console_command(tmp_path):
    env = {**os.environ, 'MEDIATION_INSTANCE_PATH': str(tmp_path / 'instance')}
    env.pop('DATABASE_URL', None)
    result = _cli(['db', 'upgrade'], env)
    assert result.returncode == 0, result.stderr
    database = tmp_path / 'instance' / 'mediation.sqlite3'
    assert database.exists()
    engine = sa.create_engine(f'sqlite:///{database}')
    with engine.connect() as connection:
        assert connection.exec_driver_sql('PRAGMA journal_mode').scalar() == 'wal'
        tables = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert {'dispute_case', 'stage', 'event', 'party', 'organisation', 'user_account'} <= tables
    # the first start wrote the instance's own secret keys, readable only by its owner
    config = (tmp_path / 'instance' / 'config.py').read_text()
    assert 'SECRET_KEY' in config and 'FIELD_ENCRYPTION_KEY' in config
    assert oct((tmp_path / 'instance' / 'config.py').stat().st_mode)[-3:] == '600'
    # and the migrations run down to nothing and up again
    assert _cli(['db', 'downgrade', 'base'], env).returncode == 0
    assert _cli(['db', 'upgrade'], env).returncode == 0


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of its own on the suite's engine (SQLite file, or a new PostgreSQL database)."""
    url = os.environ.get('DATABASE_URL')
    if not url or not url.startswith('postgres'):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f'mediation_scratch_{os.getpid()}'
    admin = sa.create_engine(sa.make_url(normalise_database_url(url)).set(database='postgres'),
                             isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE {name}')
    yield sa.make_url(normalise_database_url(url)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
    admin.dispose()


def test_claims_move_between_stage_action_and_events_without_losing_a_lapse(scratch_database_url):
    """Migration c3e1f0a9b7d2: each lapse claimed before stays claimed, both ways, nothing twice."""
    from datetime import datetime

    from flask_migrate import downgrade
    from flask_migrate import upgrade

    from mediation import create_app
    from mediation.cli import sweep_in_batches
    from mediation.extensions import db
    from mediation.services.transitions import apply_transition
    from tests.conftest import TEST_KEY
    from tests.factories import make_case
    from tests.factories import make_org_tree
    from tests.factories import make_standard_users

    app = create_app({'SQLALCHEMY_DATABASE_URI': scratch_database_url, 'SECRET_KEY': 'x',
                      'FIELD_ENCRYPTION_KEY': TEST_KEY, 'PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000',
                      'SWEEP_INTERVAL_MINUTES': 0})
    with app.app_context():
        upgrade()
        users = make_standard_users(make_org_tree())
        referred = make_case(users.village, now=datetime(2026, 3, 2, 1)).stages[0]
        apply_transition(referred, 'accept', users.village, now=datetime(2026, 3, 2, 1))
        pending = make_case(users.village, now=datetime(2026, 3, 2, 1)).stages[0]  # acceptance due 5 March
        db.session.flush()
        ids = (referred.id, pending.id)
        db.session.commit()  # SQLite: the sweep's connection needs the write lock
        sweep_in_batches(db.engine, datetime(2026, 4, 3, 1))
        claimed = sa.text('SELECT stage_id, kind, claim_key FROM event WHERE claim_key IS NOT NULL ORDER BY stage_id')
        before = db.session.execute(claimed).all()
        assert before == [(ids[0], 'refer_up', 'expiry:mediation:2026-04-02'),
                          (ids[1], 'deadline_lapsed', 'expiry:acceptance:2026-03-05')]
        db.session.remove()

        downgrade(revision='a5d2f56dc36b')
        with db.engine.begin() as conn:
            rows = conn.execute(sa.text('SELECT stage_id, action FROM stage_action ORDER BY stage_id')).all()
            assert rows == [(stage_id, key) for stage_id, _, key in before]
            # a claim that has no event of its own (an older sweep's reminder-only lapse)
            conn.execute(sa.text("INSERT INTO stage_action (stage_id, action, at) "
                                 "VALUES (:id, 'expiry:acceptance:2026-03-04', '2026-03-05 01:00:00.000000')"),
                         {'id': ids[1]})
        upgrade()
        after = db.session.execute(claimed).all()
        assert sorted(after) == sorted(before + [(ids[1], 'deadline_lapsed', 'expiry:acceptance:2026-03-04')])
        assert db.session.scalar(sa.text("SELECT count(*) FROM event WHERE kind = 'deadline_lapsed'")) == 2
        assert 'stage_action' not in sa.inspect(db.session.connection()).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_a_missing_table_is_recognised_on_either_database(scratch_database_url):
    """How the command line tells "run the migrations" from other database errors."""
    from mediation.database import is_missing_schema
    engine = sa.create_engine(normalise_database_url(scratch_database_url))
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as missing:
        conn.exec_driver_sql('SELECT id FROM stage')
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as other:
        conn.exec_driver_sql('SELECT no_such_function()')
    engine.dispose()
    assert is_missing_schema(missing.value) and not is_missing_schema(other.value)
