"""Statements over many rows at once, on both databases (the sweep's and the stage effects' SQL).

Lists travel as one parameter each (PostgreSQL arrays; JSON that SQLite's ``json_each`` reads),
not as thousands of bound parameters or a statement per row.
"""
import json
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from mediation.database import is_postgresql


def id_in(conn, column, ids):
    """``column IN ids`` with the ids as one parameter, however many there are.

    SQLite refuses more bound parameters than its compile-time limit, and psycopg parses a
    statement with thousands of placeholders client-side on every execution.
    """
    ids = sorted(ids)
    if is_postgresql(conn):
        return column == sa.any_(pg_array(ids, sa.Integer))
    return column.in_(sa.select(sa.column('value', sa.Integer)).select_from(sa.func.json_each(json.dumps(ids))))


def pg_array(values, type_):
    """A PostgreSQL array parameter, sent as one array literal that the server parses.

    psycopg would adapt a list element by element in Python, which costs more than the
    statement itself for tens of thousands of values.
    """
    def quoted(value):
        if value is None:
            return 'NULL'
        return '"' + value.replace('\\', '\\\\').replace('"', '\\"') + '"'
    if type_ is sa.Integer:
        items = ('NULL' if v is None else str(v) for v in values)
    elif type_ is sa.Date:
        items = ('NULL' if v is None else v.isoformat() for v in values)
    else:
        items = map(quoted, values)
    literal = '{' + ','.join(items) + '}'
    return sa.cast(sa.bindparam(None, literal, type_=sa.Text), postgresql.ARRAY(type_))


def insert(conn, table):
    """An INSERT that knows ``on_conflict_do_nothing`` on either database."""
    return (postgresql if is_postgresql(conn) else sqlite).insert(table)


def rows(conn, **columns):
    """Rows given column by column (``name=(values, type)``) as a subquery to select from.

    Each column travels as one parameter: a PostgreSQL array (``unnest`` pairs them up), or
    one JSON array of rows that SQLite's ``json_each`` reads.
    """
    if is_postgresql(conn):
        arrays = [pg_array(values, type_) for values, type_ in columns.values()]
        source = (sa.func.unnest(*arrays)
                  .table_valued(*(sa.column(name, type_) for name, (_, type_) in columns.items())).render_derived())
        return sa.select(*source.c).subquery()
    data = json.dumps(list(zip(*(values for values, _ in columns.values()))), ensure_ascii=False,
                      default=date.isoformat)
    source = sa.func.json_each(data).table_valued('value')
    return sa.select(*(sa.type_coerce(sa.func.json_extract(source.c.value, f'$[{i}]'), type_).label(name)
                       for i, (name, (_, type_)) in enumerate(columns.items()))).subquery()


def iso_date(conn, column):
    """A date as 'YYYY-MM-DD' text, whatever PostgreSQL's DateStyle (SQLite keeps dates as that text)."""
    if is_postgresql(conn):
        return sa.func.to_char(column, 'YYYY-MM-DD')
    return sa.type_coerce(column, sa.String)


def constant(value, column):
    """A constant for ``column`` of an INSERT … SELECT, converted as the column converts it."""
    return sa.null() if value is None else sa.literal(value, column.type)


def json_object(conn, **values):
    """A JSON object built in SQL (for an event's ``data``) from column expressions."""
    pairs = [part for key, value in values.items() for part in (key, value)]
    if is_postgresql(conn):
        return sa.func.json_build_object(*pairs)
    return sa.func.json_object(*pairs)


def sql_true(conn):
    """JSON ``true`` inside :func:`json_object` on either database."""
    return sa.true() if is_postgresql(conn) else sa.func.json('true')
