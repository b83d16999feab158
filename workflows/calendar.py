"""Working-day calendar: statutory holidays and 调休 make-up working days (domain.md §7).

The calendar is plain data handed in by the caller (the app seeds it from its
``calendar_day`` table, which is itself seeded from the ``chinesecalendar``
package). A year without holiday data never makes a lookup fail: its days fall
back to "Monday to Friday are working days" and are marked *provisional*, so
that every deadline counted through them can be shown as provisional and
recomputed once the year's holiday notice has been entered.
"""
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

#: chinese_calendar's English holiday names → the names used in the State Council notice.
_HOLIDAY_NAMES_ZH = {
    "New Year's Day": '元旦',
    'Spring Festival': '春节',
    'Tomb-sweeping Day': '清明节',
    'Labour Day': '劳动节',
    'Dragon Boat Festival': '端午节',
    'National Day': '国庆节',
    'Mid-autumn Festival': '中秋节',
}


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one day."""

    day: date
    is_workday: bool
    #: 'workday' | 'weekend' | 'holiday' | 'makeup' (a Saturday or Sunday worked as 调休上班)
    kind: str
    #: holiday or make-up day name, e.g. '春节' or '国庆节调休上班'
    name: str | None
    #: the year has no holiday data and the Mon–Fri fallback was used
    provisional: bool


class WorkCalendar:
    """Which days are working days, from per-date overrides on top of Monday–Friday.

    ``overrides`` maps each date that differs from plain Mon–Fri, or that carries
    a holiday name, to ``(is_workday, name)``. ``known_years`` are the years whose
    holiday notice has been loaded; a year that has overrides counts as known too.
    Days in other years use whatever overrides exist plus Mon–Fri, flagged provisional.
    """

    def __init__(self, overrides: Mapping[date, tuple[bool, str | None]] = (),
                 known_years: Iterable[int] = ()):
        self._overrides = {day: (bool(is_workday), name) for day, (is_workday, name) in dict(overrides).items()}
        self.known_years = frozenset(known_years) | {day.year for day in self._overrides}

    def is_known(self, year: int) -> bool:
        """Whether holiday data for ``year`` has been loaded."""
        return year in self.known_years

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day (make-up days included, holidays excluded)."""
        override = self._overrides.get(d)
        if override is not None:
            return override[0]
        return d.weekday() < 5

    def info(self, d: date) -> DayInfo:
        """Full description of ``d``: working or rest day, why, and whether it is provisional."""
        is_weekend = d.weekday() >= 5
        is_workday, name = self._overrides.get(d, (not is_weekend, None))
        if is_workday:
            kind = 'makeup' if is_weekend else 'workday'
        else:
            # a named rest day, or a rest day falling Mon–Fri, is a holiday; a plain Sat/Sun is a weekend
            kind = 'holiday' if (name or not is_weekend) else 'weekend'
        return DayInfo(day=d, is_workday=is_workday, kind=kind, name=name, provisional=not self.is_known(d.year))


def chinesecalendar_years() -> range:
    """The years the installed ``chinesecalendar`` package has holiday data for."""
    from chinese_calendar import holidays

    return range(min(holidays).year, max(holidays).year + 1)


def chinesecalendar_overrides(year: int) -> dict[date, tuple[bool, str | None]]:
    """Overrides for one year from the ``chinesecalendar`` package, for :class:`WorkCalendar`.

    Every day of each holiday block (weekend days inside it included) maps to
    ``(False, '春节')`` etc.; every make-up working day maps to ``(True, '春节调休上班')``.
    Raises ``ValueError`` if the package has no data for ``year``.
    """
    from chinese_calendar import holidays
    from chinese_calendar import workdays

    covered = chinesecalendar_years()
    if year not in covered:
        raise ValueError(
            f'chinesecalendar 没有 {year} 年的节假日数据（仅覆盖 {covered.start}–{covered.stop - 1} 年）；'
            f'the installed chinesecalendar package has no holiday data for {year} '
            f'(it covers {covered.start}–{covered.stop - 1})'
        )
    overrides = {day: (False, _holiday_name_zh(english)) for day, english in holidays.items() if day.year == year}
    overrides.update(
        {day: (True, f'{_holiday_name_zh(english)}调休上班') for day, english in workdays.items() if day.year == year}
    )
    return overrides


def _holiday_name_zh(english: str) -> str:
    """Chinese name of a chinesecalendar holiday; combined ones ('National Day + Mid-autumn …') are joined with '、'."""
    from chinese_calendar import Holiday

    def one(part):
        if part in _HOLIDAY_NAMES_ZH:
            return _HOLIDAY_NAMES_ZH[part]
        try:  # holidays outside the table (e.g. the 2015 Victory Day) carry their own Chinese name
            return Holiday(part).chinese
        except ValueError:
            return part

    return '、'.join(one(part.strip()) for part in english.split('+'))
