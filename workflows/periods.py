"""Legal period arithmetic (domain.md §7.3), pure and explained step by step.

Counting rules:

* the start day is excluded: counting begins the next day;
* ``n`` days ends on the n-th day after the start; ``n`` months ends on the
  corresponding day of the final month, or that month's last day if it has none;
* a last day that is a rest day rolls forward to the next working day
  (a 调休 make-up working day is a working day: no roll);
* ``n`` working days ends on the n-th working day after the start;
* the period expires at 24:00 (China time) of the returned ``due`` date.

Pauses (中止, e.g. waiting for an appraisal) stop the clock. A :class:`Pause`
covers the days from ``start`` (inclusive) to ``end`` (exclusive: the day the
clock resumed). Overlapping or adjacent closed pauses are merged first.

* Day and month periods are extended by every calendar day on which the clock
  was stopped while the period was still running: equivalently, the period ends
  on the day on which the same number of unpaused days have elapsed as the plain
  period contains. A pause that starts after the (extended) last day, in the
  roll-forward days or later, has no effect. The roll past rest days comes last.
* Working-day periods simply do not count working days inside a pause.
* An open pause (``end=None``) means the clock is stopped now and nobody knows
  when it will resume. These functions are pure, so they do not guess "today":
  the result is the earliest possible due date, computed as if the clock had
  resumed on the pause's first day, and the explanation carries an
  ``open_pause`` step (unless the pause began after the period's last day, too
  late to matter). The caller must not treat that date as passed while the
  pause is open; closing the pause can only move it later.

Every result carries a JSON-friendly explanation (each step's ``text`` in Chinese and
``text_en`` in English, ISO dates) and is *provisional* if any day consulted lies in a year without
holiday data.
"""
import functools
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import MAXYEAR
from datetime import date
from datetime import timedelta

from workflows.calendar import _HOLIDAY_NAMES_ZH
from workflows.calendar import DayInfo
from workflows.calendar import WorkCalendar

_ONE_DAY = timedelta(days=1)
_WEEKDAYS_ZH = '一二三四五六日'
_WEEKDAYS_EN = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')
#: English names of the holidays the calendar names in Chinese (``workflows.calendar`` seeds them);
#: a name an administrator typed is shown as typed.
_HOLIDAY_NAMES_EN = {zh: en for en, zh in _HOLIDAY_NAMES_ZH.items()}
_MAKEUP_SUFFIX = '调休上班'


@dataclass(frozen=True)
class Pause:
    """The clock stopped from ``start`` (inclusive) until ``end`` (exclusive); ``end=None``: still stopped."""

    start: date
    end: date | None = None

    def __post_init__(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f'pause ends ({self.end}) before it starts ({self.start})')


@dataclass(frozen=True)
class Deadline:
    """A due date (expiring 24:00 China time) with the steps that produced it."""

    due: date
    #: some day consulted lies in a year without holiday data (Mon–Fri fallback)
    provisional: bool
    #: JSON-serialisable steps, each ``{'code': ..., 'text': '中文说明', 'text_en': 'English', ...}``
    explanation: tuple[dict, ...]
    provisional_years: frozenset[int] = field(default_factory=frozenset)


class PeriodOutOfRange(ValueError):
    """The period would end after the last day a date can hold (31 December 9999)."""


def _within_dates(count):
    """Turn a date arithmetic overflow into :class:`PeriodOutOfRange`, which callers can explain."""
    @functools.wraps(count)
    def guarded(*args, **kwargs):
        try:
            return count(*args, **kwargs)
        except OverflowError:
            raise PeriodOutOfRange('期限超出可计算的日期范围') from None
    return guarded


@_within_dates
def add_days(start: date, n: int, cal: WorkCalendar, pauses: Sequence[Pause] = (), *,
             start_label: str = '起算', start_label_en: str = 'start day') -> Deadline:
    """``n`` natural days after ``start`` (excluded), extended by pauses, rolled past rest days.

    ``start_label`` names the starting fact in the explanation, e.g. '受理' → '受理日';
    ``start_label_en`` names that day in English, e.g. 'acceptance day'.
    """
    _check_amount(n)
    raw_end = start + timedelta(days=n)
    steps = [
        _period_step(n, 'days', start_label, start_label_en),
        _start_step(start, start_label, start_label_en),
        {'code': 'raw_end', 'text': f'第{n}日为{_day_zh(raw_end)}', 'text_en': f'Day {n} is {_day_en(raw_end)}',
         'date': raw_end.isoformat()},
    ]
    return _finish_natural(start, raw_end, cal, pauses, steps)


@_within_dates
def add_months(start: date, n: int, cal: WorkCalendar, pauses: Sequence[Pause] = (), *,
               start_label: str = '起算', start_label_en: str = 'start day') -> Deadline:
    """``n`` calendar months after ``start`` (excluded): the corresponding day, or the month's last day.

    Pauses extend the period by calendar days, then a rest day rolls forward (see module docstring).
    """
    _check_amount(n)
    raw_end, has_corresponding_day = _corresponding_day(start, n)
    if has_corresponding_day:
        text = f'{n}个月后的对应日为{_day_zh(raw_end)}'
        text_en = f'The corresponding day {_plural(n, "month")} later is {_day_en(raw_end)}'
    else:
        text = (f'{raw_end.year}年{raw_end.month}月没有{start.day}日，'
                f'以该月最后一日{_day_zh(raw_end)}为期间末日')
        text_en = (f'{raw_end.year}-{raw_end.month:02d} has no day {start.day}: the last day of that month, '
                   f'{_day_en(raw_end)}, ends the period')
    steps = [
        _period_step(n, 'months', start_label, start_label_en),
        _start_step(start, start_label, start_label_en),
        {'code': 'raw_end', 'text': text, 'text_en': text_en, 'date': raw_end.isoformat(),
         'month_end_rule': not has_corresponding_day},
    ]
    return _finish_natural(start, raw_end, cal, pauses, steps)


@_within_dates
def add_workdays(start: date, n: int, cal: WorkCalendar, pauses: Sequence[Pause] = (), *,
                 start_label: str = '起算', start_label_en: str = 'start day') -> Deadline:
    """The ``n``-th working day after ``start`` (excluded), not counting working days inside pauses."""
    _check_amount(n)
    closed, open_pause = _merge(pauses)
    steps = [_period_step(n, 'workdays', start_label, start_label_en), _start_step(start, start_label, start_label_en)]
    consulted, uncounted_rest, skipped = [], [], {}
    counted, day = 0, start
    while counted < n:
        day += _ONE_DAY
        info = cal.info(day)
        consulted.append(info)
        pause = next((p for p in closed if p.start <= day < p.end), None)
        if pause is not None:
            skipped[pause] = skipped.get(pause, 0) + info.is_workday
        elif not info.is_workday:
            uncounted_rest.append(info)
        else:
            counted += 1
            if uncounted_rest:
                steps += _rest_day_steps(uncounted_rest, '不计入工作日', 'not counted as working days')
                uncounted_rest = []
            if info.kind == 'makeup':
                steps.append(_makeup_step(info, '计入工作日', 'counted as a working day'))
    for pause, workdays in skipped.items():
        steps.append({
            'code': 'pause', 'text': f'{_pause_zh(pause)}，其间{workdays}个工作日不计入',
            'text_en': f'{_pause_en(pause)}: its {_plural(workdays, "working day")} are not counted',
            'start': pause.start.isoformat(), 'end': pause.end.isoformat(), 'workdays': workdays,
        })
    if open_pause is not None and open_pause.start <= day:
        steps.append(_open_pause_step(open_pause))
    steps.append({'code': 'count', 'text': f'第{n}个工作日为{_day_zh(day)}',
                  'text_en': f'Working day {n} is {_day_en(day)}', 'date': day.isoformat()})
    return _deadline(day, consulted, steps)


def _finish_natural(start, raw_end, cal, pauses, steps):
    """Extend a natural-day or month period by its pauses, roll past rest days, explain."""
    end = _extend_by_pauses(start, raw_end, pauses, steps)
    if end != raw_end:
        steps.append({'code': 'extended_end', 'text': f'扣除中止期间后，期间末日顺延至{_day_zh(end)}',
                      'text_en': f'With the paused days added, the period ends on {_day_en(end)}',
                      'date': end.isoformat()})
    due, consulted, rest_days = end, [], []
    while True:
        info = cal.info(due)
        consulted.append(info)
        if info.is_workday:
            break
        rest_days.append(info)
        due += _ONE_DAY
    steps += _rest_day_steps(rest_days, '期限顺延', 'the deadline moves to the next working day')
    if info.kind == 'makeup':
        if rest_days:
            steps.append(_makeup_step(info, '是工作日', 'a working day'))
        else:
            steps.append(_makeup_step(info, '是工作日，不顺延', 'a working day, so the deadline stays'))
    return _deadline(due, consulted, steps)


def _extend_by_pauses(start, end, pauses, steps):
    """Push ``end`` past every paused day that falls within the running period (see module docstring)."""
    closed, open_pause = _merge(pauses)
    first_counted = start + _ONE_DAY
    for pause in closed:
        if pause.start > end:
            break
        stopped_from = max(pause.start, first_counted)
        if pause.end <= stopped_from:
            continue  # over before the clock started
        days = (pause.end - stopped_from).days
        end += timedelta(days=days)
        steps.append({
            'code': 'pause', 'text': f'{_pause_zh(pause)}，期间内停止计算{days}日，期限相应顺延{days}日',
            'text_en': f'{_pause_en(pause)}: the clock stopped for {_plural(days, "day")} within the period, '
                       f'so the deadline moves {_plural(days, "day")} later',
            'start': pause.start.isoformat(), 'end': pause.end.isoformat(), 'days': days,
        })
    if open_pause is not None and open_pause.start <= end:
        steps.append(_open_pause_step(open_pause))
    return end


def _merge(pauses):
    """(closed pauses sorted, overlapping or adjacent ones merged; the earliest open pause or None).

    An open pause counts as ending on its first day, so it never changes the result (see module docstring).
    """
    merged = []
    for pause in sorted((p for p in pauses if p.end is not None), key=lambda p: p.start):
        if merged and pause.start <= merged[-1].end:
            merged[-1] = Pause(merged[-1].start, max(merged[-1].end, pause.end))
        else:
            merged.append(pause)
    open_pause = min((p for p in pauses if p.end is None), key=lambda p: p.start, default=None)
    return merged, open_pause


def _corresponding_day(start, months):
    """(the day ``months`` months after ``start``, whether that month has the same day number)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if year > MAXYEAR:
        raise OverflowError(f'year {year} is out of range')
    last_day = monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day)), start.day <= last_day


def _deadline(due, consulted: list[DayInfo], steps):
    provisional_years = frozenset(info.day.year for info in consulted if info.provisional)
    if provisional_years:
        years = sorted(provisional_years)
        steps.append({
            'code': 'provisional',
            'text': f'{"、".join(map(str, years))}年节假日安排尚未录入，暂按周一至周五为工作日推算，'
                    '本期限为暂定，录入该年安排后系统会自动重新计算',
            'text_en': f'The holiday schedule for {", ".join(map(str, years))} has not been entered yet: working days '
                       'are taken to be Monday to Friday, so this deadline is provisional and will be recomputed '
                       'automatically once the schedule is entered',
            'years': years,
        })
    steps.append({'code': 'due', 'text': f'期限届满日：{_day_zh(due)}，当日24:00届满',
                  'text_en': f'Due date: {_day_en(due)}, expiring at 24:00 that day', 'date': due.isoformat()})
    return Deadline(due=due, provisional=bool(provisional_years), explanation=tuple(steps),
                    provisional_years=provisional_years)


def _check_amount(n):
    if not isinstance(n, int) or n < 1:
        raise ValueError(f'a period must be a whole number of at least 1, got {n!r}')


def _period_step(n, unit, start_label, start_label_en):
    amount_zh = {'days': f'{n}日', 'months': f'{n}个月', 'workdays': f'{n}个工作日'}[unit]
    amount_en = _plural(n, {'days': 'day', 'months': 'month', 'workdays': 'working day'}[unit])
    return {'code': 'period', 'text': f'期间{amount_zh}，自{start_label}日的次日起算',
            'text_en': f'A period of {amount_en}, counted from the day after the {start_label_en}',
            'unit': unit, 'amount': n}


def _start_step(start, start_label, start_label_en):
    return {'code': 'start', 'text': f'{start_label}日：{_day_zh(start)}，当日不计入',
            'text_en': f'The {start_label_en}: {_day_en(start)}, not counted', 'date': start.isoformat()}


def _rest_day_steps(rest_days, consequence, consequence_en):
    """One step per run of consecutive rest days of the same kind and name."""
    runs = []
    for info in rest_days:
        run = runs[-1] if runs else None
        if run and run[-1].day + _ONE_DAY == info.day and (run[-1].kind, run[-1].name) == (info.kind, info.name):
            run.append(info)
        else:
            runs.append([info])
    steps = []
    for run in runs:
        first, last, kind, name = run[0].day, run[-1].day, run[0].kind, run[0].name
        span = _day_zh(first) if first == last else f'{_day_zh(first)}至{_day_zh(last)}'
        span_en = _day_en(first) if first == last else f'{_day_en(first)} to {_day_en(last)}'
        what = f'{name}假期' if name else ('周末' if kind == 'weekend' else '休息日')
        what_en = f'{holiday_name_en(name)} holiday' if name else ('weekend' if kind == 'weekend' else 'rest day')
        steps.append({
            'code': 'rest_days', 'text': f'{span}为{what}，{consequence}',
            'text_en': f'{span_en}: {what_en}, {consequence_en}',
            'from': first.isoformat(), 'to': last.isoformat(), 'days': len(run), 'kind': kind, 'name': name,
        })
    return steps


def _makeup_step(info, consequence, consequence_en):
    name = info.name or '调休上班'
    if info.name and info.name.endswith(_MAKEUP_SUFFIX) and info.name != _MAKEUP_SUFFIX:
        what_en = f'a make-up working day for {holiday_name_en(info.name[:-len(_MAKEUP_SUFFIX)])}'
    elif info.name and info.name != _MAKEUP_SUFFIX:
        what_en = f'a make-up working day ({info.name})'
    else:
        what_en = 'a make-up working day'
    return {'code': 'makeup_day', 'text': f'{_day_zh(info.day)}为{name}日，{consequence}',
            'text_en': f'{_day_en(info.day)} is {what_en}: {consequence_en}',
            'date': info.day.isoformat(), 'name': info.name}


def _open_pause_step(pause):
    return {
        'code': 'open_pause',
        'text': f'自{_day_zh(pause.start)}起中止，尚未恢复：恢复计算后期限相应顺延，所示日期为最早可能的届满日',
        'text_en': f'Paused since {_day_en(pause.start)} and not yet resumed: the deadline moves later once the clock '
                   'runs again; the date shown is the earliest possible due date',
        'start': pause.start.isoformat(),
    }


def _pause_zh(pause):
    last_paused = pause.end - _ONE_DAY
    return f'中止：{_day_zh(pause.start)}至{_day_zh(last_paused)}（{pause.end.isoformat()}恢复）'


def _pause_en(pause):
    last_paused = pause.end - _ONE_DAY
    return f'Paused from {_day_en(pause.start)} to {_day_en(last_paused)} (resumed {pause.end.isoformat()})'


def _day_zh(d):
    return f'{d.isoformat()}（星期{_WEEKDAYS_ZH[d.weekday()]}）'


def _day_en(d):
    return f'{d.isoformat()} ({_WEEKDAYS_EN[d.weekday()]})'


def _plural(n, noun):
    return f'{n} {noun}' if n == 1 else f'{n} {noun}s'


def holiday_name_en(name: str) -> str:
    """The English name of a holiday the calendar names in Chinese ('国庆节、中秋节' → 'National Day and
    Mid-autumn Festival'); a name outside the seeded table (typed by an administrator) as it is."""
    parts = name.split('、')
    english = [_HOLIDAY_NAMES_EN.get(part) or _package_holiday_en(part) for part in parts]
    return ' and '.join(english) if all(english) else name


@functools.lru_cache(maxsize=None)
def _package_holiday_en(name_zh: str) -> str | None:
    """A holiday outside the table that carries its own Chinese name in ``chinesecalendar`` (e.g. 2015's)."""
    try:
        from chinese_calendar import Holiday
    except ImportError:  # pragma: no cover - the package is a dependency
        return None
    return next((holiday.value for holiday in Holiday if getattr(holiday, 'chinese', None) == name_zh), None)
