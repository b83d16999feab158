"""The working-day calendar as stored, loaded again only when any server changed it."""
import threading

import sqlalchemy as sa

from mediation.extensions import db
from mediation.models import CalendarDay
from mediation.models import CalendarYear
from workflows.calendar import WorkCalendar

_lock = threading.Lock()
_cache: dict = {'fingerprint': None, 'calendar': None}


def _fingerprint(conn):
    """Changes whenever any server edits the calendar, so every server's cache notices."""
    days = conn.execute(sa.select(sa.func.count(), sa.func.max(CalendarDay.updated_at))).one()
    years = conn.execute(sa.select(sa.func.count(), sa.func.max(CalendarYear.loaded_at))).one()
    return (conn.engine.url.render_as_string(), tuple(days), tuple(years))


def current_calendar(conn=None) -> WorkCalendar:
    """The calendar as stored now (one small query to check the cache).

    ``conn``: a Core connection; by default the session's, with its unsaved edits flushed
    (the cache reads on the connection, which does not autoflush as the session's queries do).
    """
    conn = conn if conn is not None else _flushed_connection()
    fingerprint = _fingerprint(conn)
    with _lock:
        if _cache['fingerprint'] == fingerprint:
            return _cache['calendar']
    rows = conn.execute(sa.select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name))
    calendar = WorkCalendar({day: (is_workday, name) for day, is_workday, name in rows}, known_years(conn))
    with _lock:
        _cache.update(fingerprint=fingerprint, calendar=calendar)
    return calendar


def known_years(conn=None) -> set[int]:
    conn = conn if conn is not None else _flushed_connection()
    return set(conn.scalars(sa.select(CalendarYear.year)))


def _flushed_connection():
    db.session.flush()
    return db.session.connection()
