"""The working-day calendar kept in the database: entering holiday notices, and plain periods."""
from datetime import date

import sqlalchemy as sa

from mediation.chinatime import today_in_china
from mediation.chinatime import utcnow
from mediation.extensions import db
from mediation.models import CalendarDay
from mediation.models import CalendarYear
from mediation.services.calendar_cache import current_calendar
from mediation.services.calendar_cache import known_years
from mediation.services.deadlines import recompute_affected_by
from workflows.calendar import chinesecalendar_overrides
from workflows.deadlines import add_period
from workflows.enums import CalendarSource
from workflows.periods import Deadline


def year_ranges(years) -> list[str]:
    """{2004, 2005, 2006, 2009} → ['2004–2006', '2009']"""
    ranges, run = [], []
    for year in sorted(years):
        if run and year != run[-1] + 1:
            ranges.append(run)
            run = []
        run.append(year)
    if run:
        ranges.append(run)
    return [f'{r[0]}–{r[-1]}' if len(r) > 1 else str(r[0]) for r in ranges]


def missing_years_ahead(today: date | None = None) -> list[int]:
    """This year and next year if their holidays have not been entered (deadlines run into them)."""
    today = today or today_in_china()
    known = known_years()
    return [year for year in (today.year, today.year + 1) if year not in known]


def special_days(year: int) -> list[CalendarDay]:
    """The entered days of one year (holidays, make-up working days), in date order."""
    return list(db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day)))


def compute_period(start: date, unit: str, amount: int) -> Deadline:
    """The due date of a plain period, counted by the same engine as the cases."""
    return add_period(start, unit, amount, current_calendar())


def load_year(year: int, *, actor, source: CalendarSource = CalendarSource.CHINESECALENDAR) -> str:
    """Enter a year's holidays from the chinesecalendar package; recompute the deadlines it touches.

    Days an administrator entered by hand are kept: they are newer than the package.
    """
    overrides = chinesecalendar_overrides(year)  # ValueError for a year the package lacks
    by_hand = set(db.session.scalars(sa.select(CalendarDay.day).where(
        CalendarDay.source != CalendarSource.CHINESECALENDAR, sa.extract('year', CalendarDay.day) == year)))
    db.session.execute(sa.delete(CalendarDay).where(
        CalendarDay.source == CalendarSource.CHINESECALENDAR,
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    actor_id = actor.id if actor else None
    db.session.add_all(CalendarDay(day=day, is_workday=is_workday, name=name, source=CalendarSource.CHINESECALENDAR,
                                   updated_by_id=actor_id)
                       for day, (is_workday, name) in sorted(overrides.items()) if day not in by_hand)
    _mark_year_known(year, actor_id, source)
    changed = recompute_affected_by(date(year, 1, 1))
    return f'已载入 {year} 年节假日安排（{len(overrides)} 天），重算了 {changed} 个阶段的期限。'


def set_day(day: date, is_workday: bool, name: str | None, *, actor,
            source: CalendarSource = CalendarSource.ADMIN) -> str:
    """Mark one day as a working day or a holiday; entering a day makes its year known."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day)
        db.session.add(row)
    row.is_workday = is_workday
    row.name = (name or '').strip() or None
    row.source = source
    row.updated_by_id = actor.id if actor else None
    row.updated_at = utcnow()
    _mark_year_known(day.year, row.updated_by_id, source)
    changed = recompute_affected_by(day)
    kind = '工作日' if is_workday else '休息日'
    return f'已将 {day.isoformat()} 设为{kind}{"（" + row.name + "）" if row.name else ""}，重算了 {changed} 个阶段的期限。'


def remove_day(day: date, *, actor) -> str:
    """Undo an entry: the day goes back to the plain Monday–Friday rule."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        return f'{day.isoformat()} 没有特别安排。'
    db.session.delete(row)
    db.session.flush()
    changed = recompute_affected_by(day)
    return f'已删除 {day.isoformat()} 的安排，重算了 {changed} 个阶段的期限。'


def _mark_year_known(year, actor_id, source):
    if db.session.get(CalendarYear, year) is None:
        db.session.add(CalendarYear(year=year, source=source, loaded_by_id=actor_id))
    db.session.flush()
