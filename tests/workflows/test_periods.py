"""Legal period arithmetic: worked dates (domain.md §7.2), pauses, explanations and properties."""
import json
from datetime import date
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from workflows.calendar import WorkCalendar
from workflows.calendar import chinesecalendar_overrides
from workflows.periods import Pause
from workflows.periods import add_days
from workflows.periods import add_months
from workflows.periods import add_workdays

CAL_2026 = WorkCalendar(chinesecalendar_overrides(2026), known_years=[2026])
CAL_2025_2026 = WorkCalendar({**chinesecalendar_overrides(2025), **chinesecalendar_overrides(2026)})
PROPERTY = settings(max_examples=150, deadline=None)


def codes(deadline):
    return [step['code'] for step in deadline.explanation]


def steps(deadline, code):
    return [step for step in deadline.explanation if step['code'] == code]


@pytest.mark.parametrize('add, start, n, due', [
    (add_months, date(2026, 1, 17), 1, date(2026, 2, 24)),   # 2-17 is Spring Festival
    (add_months, date(2026, 1, 31), 1, date(2026, 2, 28)),   # month-end rule; a make-up Saturday: no roll
    (add_months, date(2026, 9, 7), 1, date(2026, 10, 8)),    # 10-7 is National Day
    (add_days, date(2026, 2, 12), 30, date(2026, 3, 16)),    # 3-14 is a Saturday
    (add_workdays, date(2026, 9, 18), 2, date(2026, 9, 21)),  # Sunday 9-20 is a make-up working day
    (add_workdays, date(2026, 9, 29), 7, date(2026, 10, 14)),
    (add_workdays, date(2026, 2, 12), 3, date(2026, 2, 24)),
])
def test_worked_dates(add, start, n, due):
    deadline = add(start, n, CAL_2026)
    assert deadline.due == due
    assert not deadline.provisional and deadline.provisional_years == frozenset()


def test_december_acceptance_runs_into_a_year_without_data_and_is_provisional():
    deadline = add_months(date(2026, 12, 20), 1, CAL_2026)
    assert deadline.due == date(2027, 1, 20)
    assert deadline.provisional and deadline.provisional_years == {2027}
    assert steps(deadline, 'provisional')[0]['years'] == [2027]
    assert '2027年' in steps(deadline, 'provisional')[0]['text']


def test_loading_the_next_year_moves_the_deadline_and_makes_it_final():
    cal = WorkCalendar({**chinesecalendar_overrides(2026), date(2027, 1, 20): (False, '测试假日')},
                       known_years=[2026, 2027])
    deadline = add_months(date(2026, 12, 20), 1, cal)
    assert deadline.due == date(2027, 1, 21)
    assert not deadline.provisional
    assert steps(deadline, 'rest_days')[0]['name'] == '测试假日'


def test_fallback_still_rolls_past_weekends():
    deadline = add_months(date(2026, 11, 30), 3, CAL_2026)
    assert deadline.due == date(2027, 3, 1)  # 2027-02-28 is a Sunday
    assert deadline.provisional


def test_month_end_rule_in_a_leap_year():
    cal = WorkCalendar({**chinesecalendar_overrides(2024), **chinesecalendar_overrides(2025)})
    assert add_months(date(2024, 1, 31), 1, cal).due == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12, cal).due == date(2025, 2, 28)
    assert add_months(date(2024, 8, 31), 6, cal).due == date(2025, 2, 28)


def test_month_explanation_lists_rule_start_raw_end_holidays_and_due():
    deadline = add_months(date(2026, 1, 17), 1, CAL_2026, start_label='受理')
    assert codes(deadline) == ['period', 'start', 'raw_end', 'rest_days', 'due']
    period, start, raw_end, rest, due = deadline.explanation
    assert period['text'] == '期间1个月，自受理日的次日起算'
    assert start['date'] == '2026-01-17' and '不计入' in start['text']
    assert raw_end['date'] == '2026-02-17' and not raw_end['month_end_rule']
    assert (rest['from'], rest['to'], rest['name'], rest['kind']) == ('2026-02-17', '2026-02-23', '春节', 'holiday')
    assert '春节' in rest['text']
    assert due['date'] == '2026-02-24' and '24:00' in due['text']
    json.dumps(deadline.explanation)


def test_month_end_explanation_notes_the_make_up_day():
    deadline = add_months(date(2026, 1, 31), 1, CAL_2026)
    assert steps(deadline, 'raw_end')[0]['month_end_rule']
    assert steps(deadline, 'makeup_day')[0]['name'] == '春节调休上班'
    assert 'rest_days' not in codes(deadline)


def test_working_day_explanation_lists_make_up_days_and_skipped_holidays():
    deadline = add_workdays(date(2026, 9, 29), 7, CAL_2026)
    assert [s['date'] for s in steps(deadline, 'makeup_day')] == ['2026-10-10']
    rest = steps(deadline, 'rest_days')
    assert [(s['from'], s['to'], s['name']) for s in rest] == [
        ('2026-10-01', '2026-10-07', '国庆节'), ('2026-10-11', '2026-10-11', None)]
    assert steps(deadline, 'count')[0]['date'] == '2026-10-14'


@pytest.mark.parametrize('add', [add_days, add_months, add_workdays])
@pytest.mark.parametrize('n', [0, -1, 1.5])
def test_period_must_be_at_least_one(add, n):
    with pytest.raises(ValueError):
        add(date(2026, 3, 2), n, CAL_2026)


def test_pause_must_not_end_before_it_starts():
    with pytest.raises(ValueError):
        Pause(date(2026, 3, 5), date(2026, 3, 4))


# --- pauses -------------------------------------------------------------------------------------

def test_pause_inside_a_day_period_extends_it_by_the_days_stopped():
    # 2026-03-02 + 10 days = 03-12; stopped 03-05..03-09 (5 days) → 03-17 (Tuesday)
    deadline = add_days(date(2026, 3, 2), 10, CAL_2026, [Pause(date(2026, 3, 5), date(2026, 3, 10))])
    assert deadline.due == date(2026, 3, 17)
    pause = steps(deadline, 'pause')[0]
    assert (pause['start'], pause['end'], pause['days']) == ('2026-03-05', '2026-03-10', 5)
    assert steps(deadline, 'extended_end')[0]['date'] == '2026-03-17'


def test_pause_running_past_the_end_stops_the_clock_until_it_resumes():
    # counted 03-03..03-09 (7 days), stopped 03-10..03-19, resumed 03-20: 3 more days → 03-22 (Sun) → 03-23
    deadline = add_days(date(2026, 3, 2), 10, CAL_2026, [Pause(date(2026, 3, 10), date(2026, 3, 20))])
    assert deadline.due == date(2026, 3, 23)


def test_only_the_part_of_a_pause_after_the_start_counts():
    deadline = add_days(date(2026, 3, 2), 10, CAL_2026, [Pause(date(2026, 2, 20), date(2026, 3, 5))])
    assert steps(deadline, 'pause')[0]['days'] == 2  # 03-03 and 03-04
    assert deadline.due == date(2026, 3, 16)  # 03-14 is a Saturday


def test_pauses_outside_the_period_change_nothing():
    plain = add_months(date(2026, 3, 2), 1, CAL_2026)
    outside = [Pause(date(2026, 2, 1), date(2026, 3, 3)), Pause(date(2026, 5, 1), date(2026, 5, 9))]
    deadline = add_months(date(2026, 3, 2), 1, CAL_2026, outside)
    assert deadline == plain


def test_overlapping_pauses_are_counted_once():
    one = add_days(date(2026, 3, 2), 10, CAL_2026, [Pause(date(2026, 3, 5), date(2026, 3, 12))])
    overlapping = add_days(date(2026, 3, 2), 10, CAL_2026,
                           [Pause(date(2026, 3, 8), date(2026, 3, 12)), Pause(date(2026, 3, 5), date(2026, 3, 9))])
    assert overlapping.due == one.due
    assert len(steps(overlapping, 'pause')) == 1


def test_month_period_is_extended_by_calendar_days():
    deadline = add_months(date(2026, 3, 2), 1, CAL_2026, [Pause(date(2026, 3, 10), date(2026, 3, 13))])
    assert deadline.due == date(2026, 4, 7)  # 04-02 + 3 days = 04-05, a 清明节 Sunday, rolls past 04-06


def test_working_day_period_skips_working_days_inside_pauses():
    # Mon 03-02 + 3 working days = Thu 03-05; 03-04 and 03-05 paused → Mon 03-09
    deadline = add_workdays(date(2026, 3, 2), 3, CAL_2026, [Pause(date(2026, 3, 4), date(2026, 3, 6))])
    assert deadline.due == date(2026, 3, 9)
    assert steps(deadline, 'pause')[0]['workdays'] == 2


@pytest.mark.parametrize('add, n', [(add_days, 10), (add_months, 1), (add_workdays, 5)])
def test_open_pause_gives_the_earliest_possible_date_and_says_so(add, n):
    start = date(2026, 3, 2)
    plain = add(start, n, CAL_2026)
    paused = add(start, n, CAL_2026, [Pause(date(2026, 3, 4))])
    assert paused.due == plain.due
    assert steps(paused, 'open_pause')[0]['start'] == '2026-03-04'
    # closing the pause can only move the date later
    assert add(start, n, CAL_2026, [Pause(date(2026, 3, 4), date(2026, 3, 20))]).due > paused.due


def test_open_pause_after_the_period_is_not_mentioned():
    deadline = add_days(date(2026, 3, 2), 10, CAL_2026, [Pause(date(2026, 4, 1))])
    assert 'open_pause' not in codes(deadline)


# --- properties ---------------------------------------------------------------------------------

starts = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
periods = st.one_of(
    st.tuples(st.just(add_days), st.integers(1, 90)),
    st.tuples(st.just(add_months), st.integers(1, 6)),
    st.tuples(st.just(add_workdays), st.integers(1, 30)),
)
day_counts = st.one_of(
    st.tuples(st.just(add_days), st.integers(1, 90)),
    st.tuples(st.just(add_workdays), st.integers(1, 30)),
)


@st.composite
def pause_lists(draw, near):
    """Up to three pauses around ``near``: closed ones (possibly overlapping) and sometimes an open one."""
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        start = near + timedelta(days=draw(st.integers(-15, 90)))
        length = draw(st.one_of(st.none(), st.integers(0, 30)))
        pauses.append(Pause(start, None if length is None else start + timedelta(days=length)))
    return pauses


@PROPERTY
@given(starts, periods, st.data())
def test_due_is_a_working_day_after_the_start(start, period, data):
    add, n = period
    deadline = add(start, n, CAL_2025_2026, data.draw(pause_lists(start)))
    assert CAL_2025_2026.is_workday(deadline.due)
    assert deadline.due > start
    assert deadline.provisional == bool(deadline.provisional_years)
    assert deadline.explanation[-1] == {'code': 'due', 'text': deadline.explanation[-1]['text'],
                                        'text_en': deadline.explanation[-1]['text_en'],
                                        'date': deadline.due.isoformat()}
    assert all(step['text'] and step['text_en'] for step in deadline.explanation)
    json.dumps(deadline.explanation)


@PROPERTY
@given(starts, periods, st.integers(0, 40))
def test_later_start_never_gives_an_earlier_due(start, period, shift):
    add, n = period
    later = start + timedelta(days=shift)
    assert add(start, n, CAL_2025_2026).due <= add(later, n, CAL_2025_2026).due


@PROPERTY
@given(starts, day_counts, st.integers(0, 40), st.data())
def test_later_start_never_gives_an_earlier_due_with_the_same_pauses(start, period, shift, data):
    # (month periods with pauses are not monotonic: 01-30 and 01-31 share the end 02-28,
    # but a pause on 01-31 only stops the clock that started before it)
    add, n = period
    pauses = data.draw(pause_lists(start))
    later = start + timedelta(days=shift)
    assert add(start, n, CAL_2025_2026, pauses).due <= add(later, n, CAL_2025_2026, pauses).due


@PROPERTY
@given(starts, periods, st.data())
def test_pauses_never_bring_the_due_date_forward(start, period, data):
    add, n = period
    pauses = data.draw(pause_lists(start))
    assert add(start, n, CAL_2025_2026, pauses).due >= add(start, n, CAL_2025_2026, pauses[:-1]).due


@PROPERTY
@given(starts, periods, st.integers(1, 10), st.data())
def test_a_longer_period_never_ends_earlier(start, period, more, data):
    add, n = period
    pauses = data.draw(pause_lists(start))
    assert add(start, n, CAL_2025_2026, pauses).due <= add(start, n + more, CAL_2025_2026, pauses).due


@PROPERTY
@given(starts, st.integers(1, 30), st.data())
def test_working_days_counted_equal_the_period(start, n, data):
    pauses = [p for p in data.draw(pause_lists(start)) if p.end is not None]
    due = add_workdays(start, n, CAL_2025_2026, pauses).due
    days = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    counted = [d for d in days if CAL_2025_2026.is_workday(d) and not any(p.start <= d < p.end for p in pauses)]
    assert len(counted) == n and counted[-1] == due


@PROPERTY
@given(starts, st.integers(1, 90))
def test_day_period_without_pauses_is_the_first_working_day_from_the_nth_day(start, n):
    due = add_days(start, n, CAL_2025_2026).due
    raw_end = start + timedelta(days=n)
    assert due >= raw_end
    assert all(not CAL_2025_2026.is_workday(raw_end + timedelta(days=i)) for i in range((due - raw_end).days))
