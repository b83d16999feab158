"""The working-day calendar as stored, loaded again only when it changed, for any connection.

Flask-free (SQLAlchemy Core on the given connection): the web app passes its session's
connection (``services.calendar.current_calendar``), the ``mediation sweep`` process its own.
"""
import threading

import sqlalchemy as sa

from mediation import schema
from workflows.calendar import WorkCalendar

_day = schema.calendar_day
_year = schema.calendar_year
_lock = threading.Lock()
_cache: dict = {'fingerprint': None, 'calendar': None}


def _fingerprint(conn):
    """Changes whenever any server edits the calendar, so every server's cache notices."""
    days = conn.execute(sa.select(sa.func.count(), sa.func.max(_day.c.updated_at))).one()
    years = conn.execute(sa.select(sa.func.count(), sa.func.max(_year.c.loaded_at))).one()
    return (conn.engine.url.render_as_string(), tuple(days), tuple(years))


def current_calendar(conn) -> WorkCalendar:
    """The calendar as stored now (one small query to check the cache)."""
    fingerprint = _fingerprint(conn)
    with _lock:
        if _cache['fingerprint'] == fingerprint:
            return _cache['calendar']
    rows = conn.execute(sa.select(_day.c.day, _day.c.is_workday, _day.c.name))
    calendar = WorkCalendar({day: (is_workday, name) for day, is_workday, name in rows}, known_years(conn))
    with _lock:
        _cache.update(fingerprint=fingerprint, calendar=calendar)
    return calendar


def known_years(conn) -> set[int]:
    return set(conn.scalars(sa.select(_year.c.year)))
