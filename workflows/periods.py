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

Every result carries a JSON-friendly explanation (Chinese text first, ISO
dates) and is *provisional* if any day consulted lies in a year without
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

from workflows.calendar import DayInfo
from workflows.calendar import WorkCalendar

_ONE_DAY = timedelta(days=1)
_WEEKDAYS_ZH = '一二三四五六日'


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
    #: JSON-serialisable steps, each ``{'code': ..., 'text': '中文说明', ...}``
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
             start_label: str = '起算') -> Deadline:
    """``n`` natural days after ``start`` (excluded), extended by pauses, rolled past rest days.

    ``start_label`` names the starting fact in the explanation, e.g. '受理' → '受理日'.
    """
    _check_amount(n)
    raw_end = start + timedelta(days=n)
    steps = [
        _period_step(n, 'days', start_label),
        _start_step(start, start_label),
        {'code': 'raw_end', 'text': f'第{n}日为{_day_zh(raw_end)}', 'date': raw_end.isoformat()},
    ]
    return _finish_natural(start, raw_end, cal, pauses, steps)


@_within_dates
def add_months(start: date, n: int, cal: WorkCalendar, pauses: Sequence[Pause] = (), *,
               start_label: str = '起算') -> Deadline:
    """``n`` calendar months after ``start`` (excluded): the corresponding day, or the month's last day.

    Pauses extend the period by calendar days, then a rest day rolls forward (see module docstring).
    """
    _check_amount(n)
    raw_end, has_corresponding_day = _corresponding_day(start, n)
    if has_corresponding_day:
        text = f'{n}个月后的对应日为{_day_zh(raw_end)}'
    else:
        text = (f'{raw_end.year}年{raw_end.month}月没有{start.day}日，'
                f'以该月最后一日{_day_zh(raw_end)}为期间末日')
    steps = [
        _period_step(n, 'months', start_label),
        _start_step(start, start_label),
        {'code': 'raw_end', 'text': text, 'date': raw_end.isoformat(), 'month_end_rule': not has_corresponding_day},
    ]
    return _finish_natural(start, raw_end, cal, pauses, steps)


@_within_dates
def add_workdays(start: date, n: int, cal: WorkCalendar, pauses: Sequence[Pause] = (), *,
                 start_label: str = '起算') -> Deadline:
    """The ``n``-th working day after ``start`` (excluded), not counting working days inside pauses."""
    _check_amount(n)
    closed, open_pause = _merge(pauses)
    steps = [_period_step(n, 'workdays', start_label), _start_step(start, start_label)]
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
                steps += _rest_day_steps(uncounted_rest, '不计入工作日')
                uncounted_rest = []
            if info.kind == 'makeup':
                steps.append(_makeup_step(info, '计入工作日'))
    for pause, workdays in skipped.items():
        steps.append({
            'code': 'pause', 'text': f'{_pause_zh(pause)}，其间{workdays}个工作日不计入',
            'start': pause.start.isoformat(), 'end': pause.end.isoformat(), 'workdays': workdays,
        })
    if open_pause is not None and open_pause.start <= day:
        steps.append(_open_pause_step(open_pause))
    steps.append({'code': 'count', 'text': f'第{n}个工作日为{_day_zh(day)}', 'date': day.isoformat()})
    return _deadline(day, consulted, steps)


def _finish_natural(start, raw_end, cal, pauses, steps):
    """Extend a natural-day or month period by its pauses, roll past rest days, explain."""
    end = _extend_by_pauses(start, raw_end, pauses, steps)
    if end != raw_end:
        steps.append({'code': 'extended_end', 'text': f'扣除中止期间后，期间末日顺延至{_day_zh(end)}',
                      'date': end.isoformat()})
    due, consulted, rest_days = end, [], []
    while True:
        info = cal.info(due)
        consulted.append(info)
        if info.is_workday:
            break
        rest_days.append(info)
        due += _ONE_DAY
    steps += _rest_day_steps(rest_days, '期限顺延')
    if info.kind == 'makeup':
        steps.append(_makeup_step(info, '是工作日，不顺延' if not rest_days else '是工作日'))
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
            'years': years,
        })
    steps.append({'code': 'due', 'text': f'期限届满日：{_day_zh(due)}，当日24:00届满', 'date': due.isoformat()})
    return Deadline(due=due, provisional=bool(provisional_years), explanation=tuple(steps),
                    provisional_years=provisional_years)


def _check_amount(n):
    if not isinstance(n, int) or n < 1:
        raise ValueError(f'a period must be a whole number of at least 1, got {n!r}')


def _period_step(n, unit, start_label):
    amount_zh = {'days': f'{n}日', 'months': f'{n}个月', 'workdays': f'{n}个工作日'}[unit]
    return {'code': 'period', 'text': f'期间{amount_zh}，自{start_label}日的次日起算', 'unit': unit, 'amount': n}


def _start_step(start, start_label):
    return {'code': 'start', 'text': f'{start_label}日：{_day_zh(start)}，当日不计入', 'date': start.isoformat()}


def _rest_day_steps(rest_days, consequence):
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
        what = f'{name}假期' if name else ('周末' if kind == 'weekend' else '休息日')
        steps.append({
            'code': 'rest_days', 'text': f'{span}为{what}，{consequence}',
            'from': first.isoformat(), 'to': last.isoformat(), 'days': len(run), 'kind': kind, 'name': name,
        })
    return steps


def _makeup_step(info, consequence):
    name = info.name or '调休上班'
    return {'code': 'makeup_day', 'text': f'{_day_zh(info.day)}为{name}日，{consequence}',
            'date': info.day.isoformat(), 'name': info.name}


def _open_pause_step(pause):
    return {
        'code': 'open_pause',
        'text': f'自{_day_zh(pause.start)}起中止，尚未恢复：恢复计算后期限相应顺延，所示日期为最早可能的届满日',
        'start': pause.start.isoformat(),
    }


def _pause_zh(pause):
    last_paused = pause.end - _ONE_DAY
    return f'中止：{_day_zh(pause.start)}至{_day_zh(last_paused)}（{pause.end.isoformat()}恢复）'


def _day_zh(d):
    return f'{d.isoformat()}（星期{_WEEKDAYS_ZH[d.weekday()]}）'
