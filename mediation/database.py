"""Engine set-up that differs per database."""
import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa

_installed = False


def install_connection_settings():
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for SQLite connections; custom
    plans for every statement on PostgreSQL.

    BEGIN IMMEDIATE takes the write lock when a transaction starts, so two writers queue on the
    busy timeout instead of one failing with "database is locked" when it upgrades a read
    snapshot that another writer has moved past (WAL's SQLITE_BUSY_SNAPSHOT). SQLite serves one
    office; serialising its transactions costs nothing there.

    psycopg prepares a statement on the server after its fifth run, and PostgreSQL then may
    switch to a generic plan, made without the values: for a keyset page (``id < :cursor``) it
    walks from the newest row to the cursor, and the 1,000th filtered page of a million cases went
    from 7 ms to 2 s on its tenth request. A custom plan costs well under a millisecond to make.
    """
    global _installed
    if _installed:
        return
    _installed = True

    @sa.event.listens_for(sa.engine.Engine, 'connect')
    def _on_connect(dbapi_connection, connection_record):
        if type(dbapi_connection).__module__.startswith('psycopg'):
            dbapi_connection.execute('SET plan_cache_mode = force_custom_plan')
            dbapi_connection.commit()
            return
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA foreign_keys = ON')
        cursor.execute('PRAGMA busy_timeout = 30000')
        if cursor.execute('PRAGMA journal_mode').fetchone()[0] != 'memory':
            cursor.execute('PRAGMA journal_mode = WAL')
        cursor.execute('PRAGMA synchronous = NORMAL')
        cursor.close()

    @sa.event.listens_for(sa.engine.Engine, 'begin')
    def _on_begin(conn):
        if conn.dialect.name == 'sqlite':
            conn.exec_driver_sql('BEGIN IMMEDIATE')


#: The largest value of an INTEGER column (every id) on PostgreSQL.
INTEGER_MAX = 2**31 - 1


def database_integer(value) -> int:
    """A positive whole number from user input that fits an INTEGER column (an id, a page).

    ``ValueError`` otherwise, so Flask's ``request.args.get(..., type=database_integer)`` falls
    back to its default: a number too large for the database must not reach a query.
    """
    number = int(str(value).strip())
    if not 0 < number <= INTEGER_MAX:
        raise ValueError(f'{value!r} is not an id')
    return number


def is_postgresql(conn) -> bool:
    """``conn``: a Core connection (a session's is ``session.connection()``)."""
    return conn.dialect.name == 'postgresql'


def is_missing_schema(error) -> bool:
    """The statement failed because a table is not there: the migrations have not been run.

    PostgreSQL says so with SQLSTATE 42P01 (its message text follows the server's language);
    SQLite only in its message, which is never translated.
    """
    cause = getattr(error, 'orig', error)
    return getattr(cause, 'sqlstate', None) == '42P01' or 'no such table' in str(cause)


def normalise_database_url(url: str, folder: Path = None) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://).

    A relative SQLite path is read against the instance folder, as Flask-SQLAlchemy reads it, so
    scripts that open the database from the same setting open the same file.
    """
    for prefix in ('postgres://', 'postgresql://'):
        if url.startswith(prefix):
            return 'postgresql+psycopg://' + url[len(prefix):]
    sqlite_prefix = 'sqlite:///'
    if folder is not None and url.startswith(sqlite_prefix):
        path = url[len(sqlite_prefix):]
        if path and not path.startswith((':memory:', 'file:')) and not os.path.isabs(path):
            return sqlite_prefix + str(folder / path)
    return url
