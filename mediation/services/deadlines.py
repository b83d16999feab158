"""Each stage's deadline, derived from its recorded events by the pure rules in ``workflows``.

The stored columns (``clock``, ``due_on``, ``due_soon_on``, ``due_provisional``,
``next_check_on``) are a cache of ``derive_deadline``: every transition refreshes them, and
``rebuild_all`` recomputes them from history alone — the two must agree.
"""
from dataclasses import dataclass
from datetime import date
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.extensions import db
from mediation.models import Event
from mediation.models import Stage
from mediation.services.calendar_cache import current_calendar
from workflows.calendar import WorkCalendar
from workflows.deadlines import JC_EXTENSION_DAYS
from workflows.deadlines import ClockFacts
from workflows.deadlines import Unit
from workflows.deadlines import get_profile
from workflows.deadlines import stage_deadline
from workflows.enums import Clock
from workflows.enums import StageKind
from workflows.periods import Deadline
from workflows.periods import Pause
from workflows.states import CLOCK_RUNNING
from workflows.states import State


@dataclass(frozen=True)
class StageDeadline:
    clock: Clock
    rule_key: str
    rule_label: str
    deadline: Optional[Deadline]  # None while the clock is stopped (paused)
    due_soon_on: Optional[date]
    stopped: bool = False
    rule_label_en: str = ''


#: The court's clocks by state (docs/court.md): a court stage reviews what arrives, a confirmation
#: is accepted and then decided.
_COURT_CLOCKS = {
    StageKind.COURT: {State.PENDING_ACCEPTANCE: Clock.COURT_REVIEW, State.COURT_RECEIVED: Clock.COURT_REVIEW,
                      State.COURT_REGISTERED: Clock.COURT_REVIEW, State.COURT_RETURNED: Clock.COURT_REVIEW},
    StageKind.JUDICIAL_CONFIRMATION: {State.PENDING_ACCEPTANCE: Clock.JC_ACCEPTANCE,
                                      State.JC_REVIEWING: Clock.JC_DECISION},
}


def _clock_for(stage: Stage, events: list[Event]) -> Optional[Clock]:
    state = State(stage.state)
    if stage.kind in _COURT_CLOCKS:
        return _COURT_CLOCKS[stage.kind].get(state)
    if state == State.PENDING_ACCEPTANCE:
        return Clock.ACCEPTANCE
    if state in CLOCK_RUNNING or state == State.PAUSED:
        return Clock.MEDIATION
    if state == State.AGREED and stage.agreement_effective_at and not any(
            e.kind == 'apply_judicial_confirmation' for e in events):
        return Clock.JC_APPLY
    return None


def _pauses(events: list[Event]) -> tuple[Pause, ...]:
    pauses, opened = [], None
    for event in events:
        if event.kind == 'pause':
            opened = china_date(event.at)
        elif event.kind == 'resume' and opened is not None:
            pauses.append(Pause(opened, china_date(event.at)))
            opened = None
    if opened is not None:
        pauses.append(Pause(opened, None))
    return tuple(pauses)


def _extensions(events: list[Event]) -> tuple[tuple[Unit, int], ...]:
    extensions = []
    for event in events:
        if event.kind == 'extend':
            extensions.append((Unit(event.data['unit']), int(event.data['amount'])))
        elif event.kind == 'jc_extend':  # JC11 Art 5: 10 days, once, with the president's approval
            extensions.append((Unit.DAYS, JC_EXTENSION_DAYS))
    return tuple(extensions)


def _start(stage: Stage, starts_at: str, events: list[Event] = ()) -> Optional[date]:
    moment = {'accepted': stage.accepted_at, 'received': stage.received_at,
              'agreement_effective': stage.agreement_effective_at}[starts_at]
    if stage.state == State.COURT_RETURNED:
        # the court's review of a returned result runs from the day it came back
        returned = [event.at for event in events if event.kind == 'receive_result']
        moment = returned[-1] if returned else moment
    return china_date(moment)


def derive_deadline(stage: Stage, events: list[Event], calendar: WorkCalendar) -> Optional[StageDeadline]:
    """The stage's current clock and deadline from its recorded facts, or None if no clock runs."""
    clock = _clock_for(stage, events)
    if clock is None:
        return None
    profile = get_profile(stage.case.deadline_profile)
    rule = profile.rule_for(clock, stage.level, stage.kind)
    if rule is None:
        return None
    start = _start(stage, rule.starts_at, events)
    if start is None:
        return None
    fresh_intake = stage.previous_stage_id is None and stage.kind == StageKind.PEOPLE
    facts = ClockFacts(clock=clock, level=stage.level, kind=stage.kind, start=start,
                       pauses=_pauses(events) if clock == Clock.MEDIATION else (),
                       extensions=_extensions(events) if clock in (Clock.MEDIATION, Clock.JC_DECISION) else (),
                       fresh_intake=fresh_intake)
    deadline = stage_deadline(profile, facts, calendar)
    stopped = State(stage.state) == State.PAUSED
    due_soon_on = profile.due_soon_from(deadline.due, calendar, rule) if deadline and not stopped else None
    label_zh, label_en = rule.describe(fresh_intake=fresh_intake)
    return StageDeadline(clock, rule.key, label_zh, deadline, due_soon_on, stopped, label_en)


def stage_events(stage: Stage) -> list[Event]:
    return list(db.session.scalars(
        sa.select(Event).where(Event.stage_id == stage.id).order_by(Event.at, Event.id)))


def refresh_deadline(stage: Stage, calendar: Optional[WorkCalendar] = None) -> bool:
    """Recompute and store the stage's deadline columns; True if anything changed."""
    derived = derive_deadline(stage, stage_events(stage), calendar or current_calendar())
    running = derived is not None and derived.deadline is not None and not derived.stopped
    values = {
        'clock': derived.clock if derived else None,
        'deadline_rule': derived.rule_key if derived else None,
        'due_on': derived.deadline.due if running else None,
        'due_soon_on': derived.due_soon_on if running else None,
        'due_provisional': bool(running and derived.deadline.provisional),
    }
    changed = any(getattr(stage, name) != value for name, value in values.items())
    if changed:
        for name, value in values.items():
            setattr(stage, name, value)
        # A changed deadline deserves a fresh look from the sweep (and new reminders).
        stage.next_check_on = values['due_soon_on']
    return changed


def explain(stage: Stage, calendar: Optional[WorkCalendar] = None,
            events: Optional[list[Event]] = None) -> Optional[StageDeadline]:
    """The deadline with its explanation, for the case page (which has the stage's ``events`` already)."""
    events = stage_events(stage) if events is None else events
    return derive_deadline(stage, events, calendar or current_calendar())


def recompute_affected_by(day: date) -> int:
    """After a calendar change on ``day``: recompute the open deadlines that could depend on it.

    A deadline counts only days up to its due date, so stages due before ``day`` are unaffected —
    except provisional ones, whose year may just have been entered.
    """
    stages = db.session.scalars(sa.select(Stage).where(
        Stage.due_on.is_not(None), sa.or_(Stage.due_on >= day, Stage.due_provisional.is_(True))))
    calendar = current_calendar()
    return sum(refresh_deadline(stage, calendar) for stage in stages)


def rebuild_all() -> int:
    """Recompute every stage with a clock from history: the derived columns are only a cache."""
    calendar = current_calendar()
    stages = db.session.scalars(sa.select(Stage).where(
        sa.or_(Stage.state.in_(CLOCK_RUNNING | {State.PENDING_ACCEPTANCE, State.PAUSED, State.AGREED,
                                                State.COURT_RECEIVED, State.COURT_REGISTERED, State.COURT_RETURNED,
                                                State.JC_REVIEWING}),
               Stage.due_on.is_not(None))).execution_options(yield_per=500))
    return sum(refresh_deadline(stage, calendar) for stage in stages)
