"""The working-day calendar (holidays and 调休 make-up working days) and case-number counters."""
from mediation import schema
from mediation.models.base import Base


class CalendarDay(Base):
    """A day that differs from plain Monday–Friday, or carries a holiday name."""

    __table__ = schema.calendar_day


class CalendarYear(Base):
    """A year whose holiday notice has been entered; days of other years count as provisional."""

    __table__ = schema.calendar_year


class CaseNumberCounter(Base):
    """Last case-number serial per committee per year, incremented atomically at acceptance."""

    __table__ = schema.case_number_counter
