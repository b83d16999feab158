"""The working-day calendar (holidays and 调休 make-up working days) and case-number counters."""
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy.orm as so

from mediation import schema
from mediation.models.base import Base


class CalendarDay(Base):
    """A day that differs from plain Monday–Friday, or carries a holiday name."""

    __table__ = schema.calendar_day

    day: so.Mapped[date]
    is_workday: so.Mapped[bool]
    name: so.Mapped[Optional[str]]
    source: so.Mapped[str]
    updated_by_id: so.Mapped[Optional[int]]
    updated_at: so.Mapped[datetime]


class CalendarYear(Base):
    """A year whose holiday notice has been entered; days of other years count as provisional."""

    __table__ = schema.calendar_year

    year: so.Mapped[int]
    source: so.Mapped[str]
    loaded_at: so.Mapped[datetime]
    loaded_by_id: so.Mapped[Optional[int]]


class CaseNumberCounter(Base):
    """Last case-number serial per committee per year, incremented atomically at acceptance."""

    __table__ = schema.case_number_counter

    committee_id: so.Mapped[int]
    year: so.Mapped[int]
    last_serial: so.Mapped[int]
