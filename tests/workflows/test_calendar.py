"""Working-day calendar: chinesecalendar import, day kinds, unknown-year fallback."""
import subprocess
import sys
from datetime import date
from datetime import timedelta
from pathlib import Path

import chinese_calendar
import pytest

from workflows.calendar import WorkCalendar
from workflows.calendar import chinesecalendar_overrides
from workflows.calendar import chinesecalendar_years

CAL_2026 = WorkCalendar(chinesecalendar_overrides(2026), known_years=[2026])
HOLIDAY_NAMES = {'元旦', '春节', '清明节', '劳动节', '端午节', '国庆节', '中秋节'}


def test_years_come_from_the_installed_package():
    years = chinesecalendar_years()
    assert years.start == min(chinese_calendar.holidays).year
    assert years.stop - 1 == max(chinese_calendar.holidays).year
    assert 2004 in years and 2026 in years


@pytest.mark.parametrize('year', [2003, 2027, 2100])
def test_overrides_for_a_year_without_data_raise_a_clear_value_error(year):
    with pytest.raises(ValueError, match=str(year)):
        chinesecalendar_overrides(year)


def test_2026_overrides_match_the_state_council_notice():
    overrides = chinesecalendar_overrides(2026)
    assert overrides[date(2026, 1, 1)] == (False, '元旦')
    assert overrides[date(2026, 1, 4)] == (True, '元旦调休上班')
    # the Sunday inside the Spring Festival block is listed with the holiday's name
    assert overrides[date(2026, 2, 15)] == (False, '春节')
    assert overrides[date(2026, 2, 23)] == (False, '春节')
    assert overrides[date(2026, 2, 14)] == (True, '春节调休上班')
    assert overrides[date(2026, 2, 28)] == (True, '春节调休上班')
    assert overrides[date(2026, 4, 5)] == (False, '清明节')
    assert overrides[date(2026, 5, 9)] == (True, '劳动节调休上班')
    assert overrides[date(2026, 6, 19)] == (False, '端午节')
    assert overrides[date(2026, 9, 25)] == (False, '中秋节')
    assert overrides[date(2026, 9, 20)] == (True, '国庆节调休上班')
    assert overrides[date(2026, 10, 7)] == (False, '国庆节')
    assert overrides[date(2026, 10, 10)] == (True, '国庆节调休上班')
    assert all(day.year == 2026 for day in overrides)
    rest_names = {name for is_workday, name in overrides.values() if not is_workday}
    assert rest_names == HOLIDAY_NAMES


def test_every_holiday_of_every_year_gets_a_chinese_name():
    names = {name for year in chinesecalendar_years() for _, name in chinesecalendar_overrides(year).values()}
    assert HOLIDAY_NAMES <= names
    assert all(not name.isascii() for name in names)


def test_a_combined_holiday_gets_both_chinese_names(monkeypatch):
    monkeypatch.setitem(chinese_calendar.holidays, date(2026, 10, 8), 'National Day + Mid-autumn Festival')
    assert chinesecalendar_overrides(2026)[date(2026, 10, 8)] == (False, '国庆节、中秋节')


@pytest.mark.parametrize('year', list(chinesecalendar_years()))
def test_calendar_agrees_with_chinesecalendar_on_every_day(year):
    cal = WorkCalendar(chinesecalendar_overrides(year), known_years=[year])
    day = date(year, 1, 1)
    while day.year == year:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize('day, is_workday, kind, name', [
    (date(2026, 3, 16), True, 'workday', None),
    (date(2026, 3, 14), False, 'weekend', None),
    (date(2026, 2, 17), False, 'holiday', '春节'),
    (date(2026, 2, 15), False, 'holiday', '春节'),
    (date(2026, 2, 28), True, 'makeup', '春节调休上班'),
])
def test_day_info_kinds(day, is_workday, kind, name):
    info = CAL_2026.info(day)
    assert (info.day, info.is_workday, info.kind, info.name, info.provisional) == (day, is_workday, kind, name, False)
    assert CAL_2026.is_workday(day) == is_workday


def test_year_without_data_falls_back_to_monday_to_friday_and_is_provisional():
    assert not CAL_2026.is_known(2027)
    wednesday, saturday = CAL_2026.info(date(2027, 1, 20)), CAL_2026.info(date(2027, 1, 23))
    assert (wednesday.is_workday, wednesday.kind, wednesday.provisional) == (True, 'workday', True)
    assert (saturday.is_workday, saturday.kind, saturday.provisional) == (False, 'weekend', True)
    for far in (date(1900, 1, 1), date(2999, 12, 31)):
        assert CAL_2026.info(far).provisional


def test_empty_calendar_knows_no_year():
    cal = WorkCalendar()
    assert not cal.is_known(2026)
    assert cal.is_workday(date(2026, 2, 17))  # a Tuesday: without data nothing says it is Spring Festival
    assert cal.info(date(2026, 2, 17)).provisional


def test_overrides_make_their_year_known_and_weekday_rest_days_are_holidays():
    cal = WorkCalendar({date(2027, 1, 20): (False, None)}, known_years=[2026])
    assert cal.is_known(2026) and cal.is_known(2027)
    info = cal.info(date(2027, 1, 20))
    assert (info.is_workday, info.kind, info.provisional) == (False, 'holiday', False)


def test_chinese_calendar_is_imported_lazily():
    code = 'import sys, workflows.calendar; assert "chinese_calendar" not in sys.modules'
    subprocess.run([sys.executable, '-c', code], check=True, cwd=Path(__file__).resolve().parents[2])
