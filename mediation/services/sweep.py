"""The deadline sweep: remind handlers of due-soon stages, act on lapsed deadlines exactly once.

One indexed query (``next_check_on <= today``) finds the stages that need a look, so the cost
follows the number of due stages, not of open cases. Whether each is due soon or has lapsed is
``workflows.enums.deadline_status``, the rule the pages use. What happens at a lapse is the
deadline profile's expiry action, carried out by the machine's trigger and by the same stage
effects (``services.effects``) a user's transition causes; the notices' wording is in
``services.notices``. Everything is set-based: one statement per table and outcome, in the
caller's transaction (``mediation sweep`` commits each batch).

Exactly once, even with several sweeps at the same time on several servers:
- PostgreSQL: the candidate rows are locked ``FOR NO KEY UPDATE SKIP LOCKED``, so concurrent sweeps
  split the work, and READ COMMITTED re-checks each locked row against the query;
- SQLite: transactions begin IMMEDIATE, so sweeps run one after another and the second sees
  the first's result;
- everywhere: the audit event of a lapse carries its key (``expiry:<clock>:<due date>``), unique
  per stage; the events go in with ``ON CONFLICT DO NOTHING``, and only the stages whose event
  went in are acted on.
"""
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from typing import NamedTuple
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.chinatime import to_utc_naive
from mediation.chinatime import utcnow
from mediation.database import is_postgresql
from mediation.inputs import check_date
from mediation.models import Case
from mediation.models import Event
from mediation.models import Organisation
from mediation.models import Stage
from mediation.services import bulk
from mediation.services import effects
from mediation.services import notices
from workflows.deadlines import ExpiryAction
from workflows.deadlines import get_profile
from workflows.enums import Clock
from workflows.enums import DeadlineStatus
from workflows.enums import EventKind
from workflows.enums import Level
from workflows.enums import NoticeKind
from workflows.enums import StageKind
from workflows.enums import deadline_status
from workflows.machine import SYSTEM
from workflows.machine import TRIGGERS
from workflows.machine import WORKFLOW
from workflows.machine import TransitionContext
from workflows.machine import TransitionError
from workflows.states import State

#: The trigger that carries out each expiry action (None: reminders only).
ACTION_TRIGGERS = {
    ExpiryAction.REFER_UP: 'refer_up',
    ExpiryAction.FLAG_FOR_DECISION: 'flag_for_decision',
    ExpiryAction.RETURN_TO_COURT: 'return_to_court',
    ExpiryAction.REMIND: None,
}

#: The reason the audit event gives when the system acts on a lapse.
AUTOMATIC_REASONS = {
    'refer_up': '调解期限届满未达成协议，系统自动移交上级调解组织（须经上级受理并征得当事人同意）',
    'flag_for_decision': '调解期限届满未达成协议，提请决定：延长期限、移送法院或终止调解',
    'return_to_court': '法院委派/委托调解期限届满未达成协议，系统自动退回法院',
}

_stage = Stage.__table__
_case = Case.__table__
_event = Event.__table__
_organisation = Organisation.__table__


@dataclass
class SweepReport:
    today: date
    examined: int = 0
    reminded: int = 0
    escalated: dict = field(default_factory=lambda: defaultdict(int))
    needs_decision: int = 0
    #: the stages this batch looked at (the batch runner stops if one comes round again)
    stage_ids: list = field(default_factory=list, repr=False)

    def summary(self) -> str:
        parts = [f'{self.today.isoformat()} 巡检：检查 {self.examined} 个阶段，提醒 {self.reminded} 个']
        for trigger, count in sorted(self.escalated.items()):
            parts.append(f'{TRIGGERS[trigger].label_zh} {count} 个')
        if self.needs_decision:
            parts.append(f'期满待人工处理 {self.needs_decision} 个')
        return '，'.join(parts) + '。'

    def add(self, other: 'SweepReport') -> None:
        self.examined += other.examined
        self.reminded += other.reminded
        self.needs_decision += other.needs_decision
        for trigger, count in other.escalated.items():
            self.escalated[trigger] += count


def parse_now(text: Optional[str]) -> datetime:
    """``--now``: an ISO date or datetime in China time (or with an offset) → naive UTC."""
    if not text:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f'{text!r} 不是有效的时间，请使用 ISO 格式，如 2026-12-01 或 2026-12-01T09:00')
    if len(text) <= 10:  # a bare date means the start of the working day
        moment = moment.replace(hour=9)
    check_date(moment.date())  # InputError (a ValueError) outside the days the calendar covers
    return to_utc_naive(moment)


def sweep(conn, now: Optional[datetime] = None, *, limit: Optional[int] = None) -> SweepReport:
    """Sweep (up to ``limit`` due stages) in the transaction of the Core connection ``conn``; the caller commits."""
    now = now or utcnow()
    today = china_date(now)
    report = SweepReport(today)
    rows = _due_rows(conn, today, limit)
    report.stage_ids = [row.id for row in rows]
    report.examined = len(rows)
    by_status = defaultdict(list)
    for row in rows:
        by_status[deadline_status(row.clock, row.due_on, row.due_soon_on, today)].append(row)
    report.reminded = _remind(conn, by_status[DeadlineStatus.DUE_SOON], today, now)
    _expire(conn, by_status[DeadlineStatus.OVERDUE] + by_status[DeadlineStatus.WINDOW_CLOSED], now, report)
    _look_again(conn, by_status[None])
    return report


class DueRow(NamedTuple):
    """A stage to look at; level, kind, state and clock hold the stored text of their enums."""

    id: int
    case_id: int
    committee_id: int
    level: str
    kind: str
    state: str
    clock: Optional[str]
    due_on: Optional[date]
    due_soon_on: Optional[date]
    court_id: Optional[int]
    parent_id: Optional[int]
    committee_name: str
    deadline_profile: str

    def effects_row(self) -> effects.StageRow:
        return effects.StageRow(id=self.id, case_id=self.case_id, committee_id=self.committee_id,
                                committee_name=self.committee_name, level=self.level, court_id=self.court_id,
                                parent_id=self.parent_id, deadline_profile=self.deadline_profile, kind=self.kind)


def _due_rows(conn, today: date, limit: Optional[int] = None) -> list[DueRow]:
    s, o = _stage.c, _organisation.c
    # Enum columns come back as their text: the few distinct values are looked up once per
    # outcome, not converted for every row.
    as_text = [sa.type_coerce(column, sa.String) for column in (s.level, s.kind, s.state, s.clock)]
    # The case's profile by primary key for each row: joined instead, PostgreSQL (no parallel
    # plan under FOR UPDATE) hashes the whole dispute_case table.
    profile = sa.select(_case.c.deadline_profile).where(_case.c.id == s.case_id).scalar_subquery()
    query = (sa.select(s.id, s.case_id, s.committee_id, *as_text, s.due_on, s.due_soon_on, s.court_id, o.parent_id,
                       o.name, profile)
             .join_from(_stage, _organisation, o.id == s.committee_id)
             .where(s.next_check_on <= today)
             # The partial index yields rows in (next_check_on, id) order. ORDER BY id alone makes
             # SQLite (without ANALYZE statistics) scan the whole table in rowid order instead.
             .order_by(s.next_check_on, s.id)
             .limit(limit))
    if is_postgresql(conn):
        # FOR NO KEY UPDATE: what the sweep's own UPDATE takes. Rows that only reference a stage
        # (a user's event, a notice) can still be written while the sweep holds it.
        query = query.with_for_update(of=_stage, skip_locked=True, key_share=True)
    return [DueRow(*row) for row in conn.execute(query).all()]


def _update_stages(conn, ids, **values):
    conn.execute(sa.update(_stage).where(bulk.id_in(conn, _stage.c.id, ids)).values(**values))


# --------------------------------------------------------------------------- due soon

def _remind(conn, rows, today, now) -> int:
    """One due-soon notice a day to the committee; look again tomorrow."""
    if not rows:
        return 0
    notices.notify(conn, NoticeKind.DUE_SOON, [
        notices.Notification.worded(row.committee_id, row.id, notices.due_soon_text(Clock(row.clock), row.due_on))
        for row in rows], now)
    _update_stages(conn, [row.id for row in rows], next_check_on=today + timedelta(days=1))
    return len(rows)


def _look_again(conn, rows):
    """Stages not due soon after all: look on their due-soon day, or never if no clock runs."""
    for due_soon_on, group in _grouped(rows, lambda row: row.due_soon_on).items():
        _update_stages(conn, [row.id for row in group], next_check_on=due_soon_on)


def _grouped(rows, key):
    groups = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


# --------------------------------------------------------------------------- lapsed deadlines

@dataclass(frozen=True)
class Outcome:
    """What happens to a group of lapsed stages."""

    #: the transition the system fires; None: tell people only
    trigger: Optional[str]
    dest: Optional[State]
    #: the audit event's reason
    reason: str
    notice: notices.LapseNotice
    #: no automatic action fits: a person must decide
    needs_decision: bool = False


def _outcome(row: DueRow) -> Outcome:
    """What the profile says happens at expiry, if the machine allows the system to do it from here."""
    clock = Clock(row.clock)
    action = get_profile(row.deadline_profile).expiry_action(clock, Level(row.level), StageKind(row.kind))
    trigger = ACTION_TRIGGERS[action]
    if trigger is None:
        notice = notices.lapse_notice(clock, None)
        return Outcome(trigger=None, dest=None, reason=notice.text, notice=notice)
    dest = _machine_result(trigger, State(row.state), Level(row.level), StageKind(row.kind))
    if dest is None or (action == ExpiryAction.REFER_UP and row.parent_id is None):
        return Outcome(trigger=None, dest=None, reason=notices.NEEDS_DECISION.text, notice=notices.NEEDS_DECISION,
                       needs_decision=True)
    return Outcome(trigger=trigger, dest=dest, reason=AUTOMATIC_REASONS[trigger],
                   notice=notices.lapse_notice(clock, trigger))


_machine_results: dict = {}


def _machine_result(trigger, state, level, kind) -> Optional[State]:
    """The destination if the machine lets the system fire ``trigger`` here (cached per key)."""
    key = (trigger, state, level, kind)
    if key not in _machine_results:
        probe = SimpleNamespace(state=state.value)
        try:
            _, dest = WORKFLOW.fire(probe, trigger, TransitionContext(actor=SYSTEM, level=level, kind=kind,
                                                                      reason=AUTOMATIC_REASONS[trigger]))
            _machine_results[key] = dest
        except TransitionError:
            _machine_results[key] = None
    return _machine_results[key]


def _expire(conn, rows, now, report):
    if not rows:
        return
    outcomes = {}  # the same few answers for thousands of stages
    groups = defaultdict(list)
    for row in rows:
        key = (row.deadline_profile, row.clock, row.level, row.kind, row.state, row.parent_id is None)
        if key not in outcomes:
            outcomes[key] = _outcome(row)
        groups[(outcomes[key], row.clock, row.state)].append(row)
    transitioned = set()
    lapse_notices = []
    for (outcome, clock, state), members in groups.items():
        claimed = _record_lapse(conn, members, outcome, clock, state, now)
        if not claimed:
            continue
        if outcome.trigger:
            values = effects.stage_values(outcome.trigger, outcome.dest, now, outcome.reason)
            _update_stages(conn, [row.id for row in claimed], state=outcome.dest, version=_stage.c.version + 1,
                           **{'next_check_on': None, **values})
            effects.after_transition(conn, outcome.trigger, [row.effects_row() for row in claimed], now,
                                     outcome.reason, lapsed=True)
            transitioned.update(row.id for row in claimed)
            report.escalated[outcome.trigger] += len(claimed)
        elif outcome.needs_decision:
            report.needs_decision += len(claimed)
        for row in claimed:
            message = notices.lapse_text(row.committee_name, outcome.notice)
            if outcome.notice.tell_committee:
                lapse_notices.append(notices.Notification.worded(row.committee_id, row.id, message))
            if outcome.notice.tell_supervisor and row.parent_id:
                lapse_notices.append(notices.Notification.worded(row.parent_id, row.id, message))
    notices.notify(conn, NoticeKind.OVERDUE, lapse_notices, now)
    # Transitions cleared next_check_on in their own UPDATE (one new row version per stage, not
    # two); the rest, acted on now or before, are not looked at again either.
    untouched = [row.id for row in rows if row.id not in transitioned]
    if untouched:
        _update_stages(conn, untouched, next_check_on=None)


def _record_lapse(conn, rows, outcome: Outcome, clock: str, state: str, now) -> list:
    """Write each lapse's audit event under its unique key; the rows whose event went in are ours alone.

    The key names the clock and the due date that lapsed: each deadline is acted on once, and a
    deadline that moved later (an extension after a district stage was flagged) is acted on again.
    ``rows`` share the clock and the state they lapsed in.
    """
    v = bulk.rows(conn, case_id=([row.case_id for row in rows], sa.Integer),
                  stage_id=([row.id for row in rows], sa.Integer), due_on=([row.due_on for row in rows], sa.Date))
    due = bulk.iso_date(conn, v.c.due_on)
    data = bulk.json_object(conn, automatic=bulk.sql_true(conn), due_on=due)
    c = _event.c
    source = sa.select(
        v.c.case_id, v.c.stage_id, sa.null(), bulk.constant(now, c.at),
        bulk.constant(outcome.trigger or EventKind.DEADLINE_LAPSED.value, c.kind),
        bulk.constant(state if outcome.trigger else None, c.from_state),
        bulk.constant(outcome.dest and outcome.dest.value, c.to_state), bulk.constant(outcome.reason, c.reason),
        sa.type_coerce(data, c.data.type), sa.literal(f'expiry:{clock}:', sa.String) + due,
    ).where(sa.true())  # SQLite: WHERE before ON CONFLICT
    columns = ['case_id', 'stage_id', 'actor_id', 'at', 'kind', 'from_state', 'to_state', 'reason', 'data', 'claim_key']
    statement = (bulk.insert(conn, _event).from_select(columns, source).on_conflict_do_nothing()
                 .returning(c.stage_id))
    claimed = set(conn.execute(statement).scalars().all())
    return [row for row in rows if row.id in claimed]
