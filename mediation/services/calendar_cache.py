"""The working-day calendar as stored, loaded again only when it changed, for any session.

Flask-free (plain SQLAlchemy Core on the given session): the web app passes Flask-SQLAlchemy's
session (``services.calendar.current_calendar``), the ``mediation sweep`` process its own.
"""
import threading

import sqlalchemy as sa

from mediation.models import CalendarDay
from mediation.models import CalendarYear
from workflows.calendar import WorkCalendar

_day = CalendarDay.__table__
_year = CalendarYear.__table__
_lock = threading.Lock()
_cache: dict = {'fingerprint': None, 'calendar': None}


def _fingerprint(session):
    """Changes whenever any server edits the calendar, so every server's cache notices."""
    days = session.execute(sa.select(sa.func.count(), sa.func.max(_day.c.updated_at))).one()
    years = session.execute(sa.select(sa.func.count(), sa.func.max(_year.c.loaded_at))).one()
    return (session.get_bind().url.render_as_string(), tuple(days), tuple(years))


def current_calendar(session) -> WorkCalendar:
    """The calendar as stored now (one small query to check the cache)."""
    fingerprint = _fingerprint(session)
    with _lock:
        if _cache['fingerprint'] == fingerprint:
            return _cache['calendar']
    rows = session.execute(sa.select(_day.c.day, _day.c.is_workday, _day.c.name))
    calendar = WorkCalendar({day: (is_workday, name) for day, is_workday, name in rows}, known_years(session))
    with _lock:
        _cache.update(fingerprint=fingerprint, calendar=calendar)
    return calendar


def known_years(session) -> set[int]:
    return set(session.scalars(sa.select(_year.c.year)))
