"""Fresh benchmark databases with the real schema, bulk-loaded, and reset between runs.

The schema comes from the migrations (``flask_migrate.upgrade()``, as ``mediation db upgrade``
does), so the indexes and constraints are exactly the deployed ones, and the categories and
holiday calendar are the seeded ones. Cases and stages then go in through the fastest bulk path
of each database: one ``executemany`` transaction on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.

The loaded database is kept as a pristine copy (a template database on PostgreSQL, a file on
SQLite), and :meth:`BenchDatabase.reset` restores it before every measure: each one starts from
the same bytes on disk, with the due stages scattered over the table as a real table holds them.
Putting the rows back with UPDATE instead (as this bench did first) left them wherever the last
run's row versions had gone: some runs found the 10,000 due stages packed into ~200 pages, others
spread over 10,000, and the cost of a write after a checkpoint (one full-page image in the WAL per
page first touched) differed several-fold between measures of the same run.
"""
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import data

SECRET_KEY = 'bench-secret-key'
FIELD_ENCRYPTION_KEY = 'dGVzdC1rZXktdGhhdC1pcy1sb25nLWVub3VnaC0xMjM0NQ'
DEFAULT_PG_URL = 'postgresql://postgres@127.0.0.1:5432/postgres'

#: Tables the bench loads (and PostgreSQL vacuums/analyzes).
LOADED_TABLES = ('organisation', 'dispute_case', 'stage')


def log(message):
    print(f'[{time.strftime("%H:%M:%S")}] {message}', flush=True)


def _sqlite_dt(value):
    return value.strftime('%Y-%m-%d %H:%M:%S.%f') if value is not None else None


def _sqlite_date(value):
    return value.isoformat() if value is not None else None


_CASE_DT = [data.CASE_COLUMNS.index('created_at')]
_STAGE_DT = [data.STAGE_COLUMNS.index(c) for c in ('received_at', 'accepted_at')]
_STAGE_DATE = [data.STAGE_COLUMNS.index(c) for c in ('due_on', 'due_soon_on', 'next_check_on')]


def _for_sqlite(row, datetimes, dates=()):
    """SQLAlchemy's SQLite storage formats: 'YYYY-MM-DD HH:MM:SS.ffffff' and 'YYYY-MM-DD'."""
    row = list(row)
    for i in datetimes:
        row[i] = _sqlite_dt(row[i])
    for i in dates:
        row[i] = _sqlite_date(row[i])
    return row


class BenchDatabase:
    """One benchmark database: ``kind`` is 'sqlite' or 'postgresql'."""

    def __init__(self, kind: str, size: int, workdir: Path, pg_url: str = DEFAULT_PG_URL):
        self.kind = kind
        self.size = size
        self.workdir = Path(workdir)
        self.instance = Path(tempfile.mkdtemp(prefix=f'{kind}-{size}-', dir=self.workdir))
        if kind == 'sqlite':
            self.path = self.instance / 'mediation.sqlite3'
            self.pristine = self.instance / 'pristine.sqlite3'
            self.url = f'sqlite:///{self.path}'
        else:
            self.admin_url = sa.make_url(pg_url)
            self.dbname = f'mediation_bench_{size}'
            self.pristine = f'{self.dbname}_pristine'
            self.url = self.admin_url.set(database=self.dbname).render_as_string(hide_password=False)
        self.app = None
        self.due = data.due_count(size)
        self.build_seconds = {}

    # --- environment for the app and for ``mediation sweep`` processes -------------------------

    @property
    def env(self) -> dict:
        env = dict(os.environ)
        env.update(MEDIATION_INSTANCE_PATH=str(self.instance), DATABASE_URL=self.url, SECRET_KEY=SECRET_KEY,
                   FIELD_ENCRYPTION_KEY=FIELD_ENCRYPTION_KEY, MEDIATION_SWEEP_INTERVAL_MINUTES='0')
        env.pop('PYTHONDONTWRITEBYTECODE', None)  # a deployment has its .pyc files
        return env

    def make_app(self):
        os.environ['MEDIATION_INSTANCE_PATH'] = str(self.instance)
        from mediation import create_app
        self.app = create_app({'SQLALCHEMY_DATABASE_URI': self.url, 'SECRET_KEY': SECRET_KEY,
                               'FIELD_ENCRYPTION_KEY': FIELD_ENCRYPTION_KEY, 'SWEEP_INTERVAL_MINUTES': 0})
        return self.app

    def dispose(self):
        if self.app is not None:
            from mediation.extensions import db
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()

    # --- build ---------------------------------------------------------------------------------

    def build(self):
        started = time.perf_counter()
        if self.kind == 'postgresql':
            self._create_pg_database()
        self.make_app()
        from flask_migrate import upgrade
        with self.app.app_context():
            upgrade()
        self.dispose()
        self.build_seconds['migrate'] = time.perf_counter() - started
        log(f'{self.label}: migrated in {self.build_seconds["migrate"]:.1f} s')
        started = time.perf_counter()
        if self.kind == 'sqlite':
            self._load_sqlite()
        else:
            self._load_postgresql()
        self._keep_pristine()
        self.build_seconds['load'] = time.perf_counter() - started
        log(f'{self.label}: loaded {self.size:,} cases and stages ({self.due:,} due) '
            f'in {self.build_seconds["load"]:.1f} s')

    @property
    def label(self):
        return f'{self.kind} {self.size:,}'

    def _create_pg_database(self):
        with self._pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS {self.pristine} WITH (FORCE)')
            conn.execute(f'CREATE DATABASE {self.dbname}')

    def _pg_admin(self):
        import psycopg
        return psycopg.connect(self._conninfo(self.admin_url), autocommit=True)

    def _pg(self, autocommit=False):
        import psycopg
        return psycopg.connect(self._conninfo(sa.make_url(self.url)), autocommit=autocommit)

    @staticmethod
    def _conninfo(url):
        parts = {'host': url.host or '127.0.0.1', 'port': url.port or 5432, 'user': url.username or 'postgres',
                 'dbname': url.database}
        if url.password:
            parts['password'] = url.password
        return ' '.join(f'{k}={v}' for k, v in parts.items())

    def _category_ids(self, fetch):
        return [row[0] for row in fetch('SELECT id FROM category WHERE parent_id IS NOT NULL OR code <> '
                                        "'HY' ORDER BY id")]

    def _load_sqlite(self):
        con = sqlite3.connect(self.path, isolation_level=None)
        try:
            # A bulk load needs no WAL or fsync; the file goes back to WAL (the app's mode) after.
            con.execute('PRAGMA journal_mode = DELETE')
            con.execute('PRAGMA synchronous = OFF')
            con.execute('PRAGMA cache_size = -1000000')
            con.execute('PRAGMA foreign_keys = ON')
            categories = self._category_ids(lambda sql: con.execute(sql).fetchall())
            orgs = data.org_tree()
            con.execute('BEGIN')
            con.executemany(_insert_sql('organisation', data.ORG_COLUMNS), [org.row() for org in orgs])
            cases, stages = [], []
            case_sql = _insert_sql('dispute_case', data.CASE_COLUMNS)
            stage_sql = _insert_sql('stage', data.STAGE_COLUMNS)
            for case, stage in data.rows(self.size, orgs, categories):
                cases.append(_for_sqlite(case, _CASE_DT))
                stages.append(_for_sqlite(stage, _STAGE_DT, _STAGE_DATE))
                if len(cases) == 50_000:
                    con.executemany(case_sql, cases)
                    con.executemany(stage_sql, stages)
                    cases, stages = [], []
            con.executemany(case_sql, cases)
            con.executemany(stage_sql, stages)
            con.execute('COMMIT')
            con.execute('PRAGMA journal_mode = WAL')
        finally:
            con.close()

    def _load_postgresql(self):
        with self._pg() as conn:
            categories = self._category_ids(lambda sql: conn.execute(sql).fetchall())
            orgs = data.org_tree()
            with conn.cursor() as cur:
                cur.executemany(_insert_sql('organisation', data.ORG_COLUMNS, '%s'), [org.row() for org in orgs])
                with cur.copy(f'COPY dispute_case ({", ".join(data.CASE_COLUMNS)}) FROM STDIN') as case_copy:
                    stages = []
                    for case, stage in data.rows(self.size, orgs, categories):
                        case_copy.write_row(case)
                        stages.append(stage)
                with cur.copy(f'COPY stage ({", ".join(data.STAGE_COLUMNS)}) FROM STDIN') as stage_copy:
                    for stage in stages:
                        stage_copy.write_row(stage)
                for table in LOADED_TABLES:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
            conn.commit()
        with self._pg(autocommit=True) as conn:
            # What autovacuum would have done to a table this size long before a sweep runs.
            conn.execute('VACUUM (ANALYZE) ' + ', '.join(LOADED_TABLES))

    def _keep_pristine(self):
        """Keep the loaded database as it is now; :meth:`reset` copies it back."""
        if self.kind == 'sqlite':
            con = sqlite3.connect(self.path)
            try:
                con.execute('PRAGMA wal_checkpoint(TRUNCATE)')  # everything in the main file
            finally:
                con.close()
            shutil.copyfile(self.path, self.pristine)
        else:
            with self._pg_admin() as conn:
                conn.execute(f'ALTER DATABASE {self.dbname} RENAME TO {self.pristine}')
            self.reset()

    def reset(self):
        """The database as loaded, byte for byte: no trace of the last run, the same pages to write.

        The app's pooled connections go first (the database they point at is replaced).
        PostgreSQL copies the template's files (``STRATEGY FILE_COPY``, with a checkpoint before
        and after): every measure starts right after a checkpoint, the dearest moment to write.
        """
        self.dispose()
        if self.kind == 'sqlite':
            for suffix in ('-wal', '-shm'):
                Path(f'{self.path}{suffix}').unlink(missing_ok=True)
            shutil.copyfile(self.pristine, self.path)
        else:
            with self._pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)')
                conn.execute(f'CREATE DATABASE {self.dbname} TEMPLATE {self.pristine} STRATEGY FILE_COPY')
            # The first connection to a new database builds its relation-cache file (~0.2 s), which
            # a database in service has long had: not a cost of whichever measure comes first.
            with self._pg() as conn:
                conn.execute('SELECT 1')
        # The copy's dirty pages are written back now, not by the kernel during the next measure.
        os.sync()

    def count(self, sql):
        if self.kind == 'sqlite':
            con = sqlite3.connect(self.path)
            try:
                return con.execute(sql).fetchone()[0]
            finally:
                con.close()
        with self._pg() as conn:
            return conn.execute(sql).fetchone()[0]

    def versions(self) -> str:
        if self.kind == 'sqlite':
            return f'SQLite {sqlite3.sqlite_version}'
        with self._pg() as conn:
            return 'PostgreSQL ' + conn.execute('SHOW server_version').fetchone()[0].split()[0]

    def drop(self):
        self.dispose()
        if self.kind == 'sqlite':
            for path in self.instance.glob('*'):
                path.unlink()
            self.instance.rmdir()
        else:
            with self._pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)')
                conn.execute(f'DROP DATABASE IF EXISTS {self.pristine} WITH (FORCE)')


def _insert_sql(table, columns, placeholder='?'):
    return f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({", ".join([placeholder] * len(columns))})'
