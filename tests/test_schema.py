"""The schema comes only from Alembic, and the migrations match the models."""
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
