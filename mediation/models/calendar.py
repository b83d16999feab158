"""The working-day calendar (holidays and 调休 make-up working days) and case-number counters."""
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.models.base import Base
from mediation.models.base import enum_type
from workflows.enums import CalendarSource


class CalendarDay(Base):
    """A day that differs from plain Monday–Friday, or carries a holiday name."""

    __tablename__ = 'calendar_day'

    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    is_workday: so.Mapped[bool]
    name: so.Mapped[Optional[str]] = so.mapped_column(sa.String(50))
    source: so.Mapped[CalendarSource] = so.mapped_column(enum_type(CalendarSource, 'calendar_source'))
    updated_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class CalendarYear(Base):
    """A year whose holiday notice has been entered; days of other years count as provisional."""

    __tablename__ = 'calendar_year'

    year: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    source: so.Mapped[CalendarSource] = so.mapped_column(enum_type(CalendarSource, 'calendar_source'))
    loaded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    loaded_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))


class CaseNumberCounter(Base):
    """Last case-number serial per committee per year, incremented atomically at acceptance."""

    __tablename__ = 'case_number_counter'

    committee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id'), primary_key=True)
    year: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    last_serial: so.Mapped[int] = so.mapped_column(default=0)
