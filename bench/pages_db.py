"""The pages suite's databases: the real migrations, then the cloned cases bulk-loaded.

Like :mod:`bench.databases` (whose connection helpers this reuses): the schema, indexes,
categories and holiday calendar come from ``flask_migrate.upgrade()``; the rows of
:mod:`bench.pages_data` then go in through each database's bulk path — one ``executemany``
transaction on SQLite (journal and foreign-key checks off during the load, WAL after, as the
app runs it), ``COPY … FROM STDIN`` on PostgreSQL (foreign-key triggers off for the load's
session with ``session_replication_role = replica``, the secondary indexes dropped first and
built again after, then ``VACUUM ANALYZE`` as autovacuum would have long since done). The
pages only read, so there is no pristine copy to restore between measures.

A database built with ``--keep`` in a ``--workdir`` is found again by a later run with the same
work folder (``built.json`` beside it says what it holds) and is not rebuilt.
"""
import json
import shutil
import sqlite3
import time
from datetime import date
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bench import databases
from bench import pages_data
from bench.databases import log


class PagesDatabase(databases.BenchDatabase):
    """One pages database: ``kind`` is 'sqlite' or 'postgresql'."""

    def __init__(self, kind: str, size: int, workdir: Path, pg_url: str = databases.DEFAULT_PG_URL):
        self.kind = kind
        self.size = size
        self.workdir = Path(workdir)
        self.instance = self.workdir / f'pages-{kind}-{size}'
        if kind == 'sqlite':
            self.path = self.instance / 'mediation.sqlite3'
            self.url = f'sqlite:///{self.path}'
        else:
            self.admin_url = sa.make_url(pg_url)
            self.dbname = f'mediation_bench_pages_{size}'
            self.url = self.admin_url.set(database=self.dbname).render_as_string(hide_password=False)
        self.app = None
        self.build_seconds = {}
        self.info = {}

    @property
    def marker(self) -> Path:
        return self.instance / 'built.json'

    # --- build ---------------------------------------------------------------------------------

    def found(self) -> bool:
        """A complete database of this kind and size from an earlier run (``--keep``)."""
        if not self.marker.exists():
            return False
        info = json.loads(self.marker.read_text())
        if info.get('size') != self.size or info.get('revision') != pages_data.migrations_head():
            return False  # another size, or built before the latest migration
        if self.kind == 'postgresql':
            with self._pg_admin() as conn:
                if conn.execute('SELECT 1 FROM pg_database WHERE datname = %s', (self.dbname,)).fetchone() is None:
                    return False
        elif not self.path.exists():
            return False
        self.info = info
        self.build_seconds = dict(info.get('build_seconds', {}), reused=True)
        return True

    def migrate(self):
        """A fresh database with the real schema (``flask_migrate.upgrade()``)."""
        if self.instance.exists():
            shutil.rmtree(self.instance)
        self.instance.mkdir(parents=True)
        started = time.perf_counter()
        if self.kind == 'postgresql':
            with self._pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)')
                conn.execute(f'CREATE DATABASE {self.dbname}')
        self.make_app()
        from flask_migrate import upgrade
        with self.app.app_context():
            upgrade()
        self.dispose()
        self.build_seconds['migrate'] = time.perf_counter() - started

    def writer(self):
        return _SqliteWriter(self) if self.kind == 'sqlite' else _PostgresWriter(self)

    def built(self, designated, counts):
        self.info = {'size': self.size, 'kind': self.kind, 'revision': pages_data.migrations_head(),
                     'counts': counts, 'build_seconds': self.build_seconds,
                     'designated': {name: value for name, value in designated.__dict__.items() if name != 'counters'},
                     'bytes': self.bytes()}
        self.marker.write_text(json.dumps(self.info, ensure_ascii=False, indent=1))

    def bytes(self) -> int:
        if self.kind == 'sqlite':
            return sum(path.stat().st_size for path in self.instance.glob('mediation.sqlite3*'))
        with self._pg() as conn:
            return conn.execute('SELECT pg_database_size(current_database())').fetchone()[0]

    @property
    def designated(self) -> dict:
        return self.info['designated']

    def drop(self):
        self.dispose()
        if self.kind == 'postgresql':
            with self._pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)')
        shutil.rmtree(self.instance, ignore_errors=True)


def build(databases: list, templates: pages_data.Templates) -> None:
    """Build ``databases`` (one size; SQLite and/or PostgreSQL) in one pass over the cloned rows:
    each batch is made once and written to every database."""
    size = databases[0].size
    for database in databases:
        database.migrate()
    writers = [database.writer() for database in databases]
    try:
        started = time.perf_counter()
        designated, counts = _load(writers, templates, size)
        loaded = time.perf_counter() - started
        for database, writer in zip(databases, writers):
            started = time.perf_counter()
            writer.finish()
            database.build_seconds.update(load=loaded, finish=time.perf_counter() - started,
                                          loaded_with=[other.kind for other in databases])
    finally:
        for writer in writers:
            writer.close()
    for database in databases:
        database.built(designated, counts)
        seconds = database.build_seconds
        log(f'{database.label}: {size:,} cases, {counts["event"]:,} events, {sum(counts.values()):,} rows, '
            f'{database.info["bytes"] / 2**30:.1f} GiB: migrated in {seconds["migrate"]:.1f} s, loaded in '
            f'{seconds["load"]:.0f} s (one pass for {" and ".join(seconds["loaded_with"])}), '
            f'finished in {seconds["finish"]:.0f} s')


def _load(writers, templates, size):
    from werkzeug.security import generate_password_hash
    d = pages_data.district()
    categories = writers[0].categories()
    for writer in writers[1:]:
        if writer.categories() != categories:
            raise RuntimeError('the databases were seeded with different categories')
    now = datetime.utcnow().replace(microsecond=0)
    password_hash = generate_password_hash(pages_data.DISTRICT_PASSWORD, method='scrypt')
    fixed = [('organisation', pages_data.org_rows(d)), ('court_district', [(d.court.id, 1)]),
             ('user_account', pages_data.user_rows(d, password_hash, now)),
             ('stored_file', [list(row) for row in templates.stored_files])]
    for writer in writers:
        for table, rows in fixed:
            writer.write(table, rows)
    counts = dict.fromkeys(pages_data.CLONED, 0)
    designated = None
    started = time.perf_counter()
    for batch in pages_data.clone_rows(templates, size, categories):
        if '_done' in batch:
            designated = batch['_done']
            continue
        for table in pages_data.CLONED:
            for writer in writers:
                writer.write(table, batch[table])
            counts[table] += len(batch[table])
        loaded = counts['dispute_case']
        if size >= 200_000 and loaded % 200_000 == 0:
            log(f'pages {size:,}: {loaded:,} cases written ({time.perf_counter() - started:.0f} s)')
    for writer in writers:
        writer.write('case_number_counter', designated.counters)
    return designated, counts


class _SqliteWriter:
    def __init__(self, database):
        self.con = sqlite3.connect(database.path, isolation_level=None)
        self.con.execute('PRAGMA journal_mode = DELETE')  # no WAL, no fsync during the load
        self.con.execute('PRAGMA synchronous = OFF')
        self.con.execute('PRAGMA cache_size = -1000000')
        self.con.execute('PRAGMA foreign_keys = OFF')  # the rows are consistent by construction
        # Secondary indexes are built again after the load (sorted once, not grown row by row).
        self.indexes = self.con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({})"
            .format(', '.join('?' * len(pages_data.CLONED))), pages_data.CLONED).fetchall()
        for name, _sql in self.indexes:
            self.con.execute(f'DROP INDEX {name}')
        self.con.execute('BEGIN')
        self.sql = {}
        self.converters = {}

    def categories(self) -> dict:
        return {code: id_ for id_, code in self.con.execute('SELECT id, code FROM category')}

    def write(self, table, rows):
        if not rows:
            return
        if table not in self.sql:
            names = pages_data.columns(table)
            self.sql[table] = (f'INSERT INTO {table} ({", ".join(names)}) '
                               f'VALUES ({", ".join("?" * len(names))})')
            self.converters[table] = _sqlite_converter(table)
        convert = self.converters[table]
        self.con.executemany(self.sql[table], map(convert, rows) if convert else rows)

    def finish(self):
        for _name, sql in self.indexes:
            self.con.execute(sql)
        self.con.execute('COMMIT')
        self.con.execute('PRAGMA journal_mode = WAL')  # the app's mode

    def close(self):
        self.con.close()


def _sqlite_converter(table):
    """SQLAlchemy's SQLite storage: 'YYYY-MM-DD HH:MM:SS.ffffff' and 'YYYY-MM-DD' (compared as text)."""
    import mediation.models  # noqa: F401
    from mediation.models.base import Base
    kinds = [type(column.type).__name__ for column in Base.metadata.tables[table].columns]
    positions = [i for i, kind in enumerate(kinds) if kind in ('DateTime', 'Date')]
    if not positions:
        return None

    def convert(row):
        row = list(row)
        for i in positions:
            value = row[i]
            if value is None:
                continue
            if isinstance(value, datetime):
                row[i] = value.isoformat(' ', 'microseconds')
            elif isinstance(value, date):
                row[i] = value.isoformat()
        return row
    return convert


class _PostgresWriter:
    def __init__(self, database):
        self.conn = database._pg()
        self.cur = self.conn.cursor()
        try:
            self.cur.execute('SET session_replication_role = replica')  # no foreign-key triggers in the load
        except Exception:  # not a superuser: the checks run, the load is slower
            self.conn.rollback()
        self.database = database
        self.indexes = self.cur.execute("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
             WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """, (list(pages_data.CLONED),)).fetchall()
        for name, _definition in self.indexes:
            self.cur.execute(f'DROP INDEX {name}')

    def categories(self) -> dict:
        return {code: id_ for id_, code in self.cur.execute('SELECT id, code FROM category')}

    def write(self, table, rows):
        if not rows:
            return
        names = pages_data.columns(table)
        with self.cur.copy(f'COPY {table} ({", ".join(names)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self):
        for table in pages_data.CLONED + ('organisation', 'user_account'):
            self.cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"GREATEST((SELECT max(id) FROM {table}), 1))")
        self.conn.commit()
        started = time.perf_counter()
        for _name, definition in self.indexes:
            self.cur.execute(definition)
        self.conn.commit()
        log(f'postgresql: {len(self.indexes)} secondary indexes built again in {time.perf_counter() - started:.0f} s')
        with self.database._pg(autocommit=True) as conn:
            conn.execute('VACUUM (ANALYZE) ' + ', '.join(pages_data.CLONED + ('organisation', 'user_account')))

    def close(self):
        self.conn.close()
