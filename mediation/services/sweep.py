"""The deadline sweep: remind handlers of due-soon stages, escalate expired ones exactly once.

One indexed query (``next_check_on <= today``) finds the stages that need a look, so the cost
follows the number of due stages, not of open cases. The work is set-based: the state machine
decides once per distinct (state, level, kind, action) what may happen, then claims, updates,
new stages, events and notices go to the database in a few bulk statements, all in one
transaction with the caller's commit.

Exactly once, even with several sweeps at the same time on several servers:
- PostgreSQL: the candidate rows are locked ``FOR UPDATE SKIP LOCKED``, so concurrent sweeps
  split the work, and READ COMMITTED re-checks each locked row against the query;
- SQLite: transactions begin IMMEDIATE, so sweeps run one after another and the second sees
  the first's result;
- everywhere: an expiry action first inserts its (stage, action) row under a unique
  constraint (``ON CONFLICT DO NOTHING``), and only the stages it claimed go on.

Bulk statements (docs/benchmarks.md measures them at 1,000,000 open / 10,000 due): a list of
ids travels as one parameter (a PostgreSQL array, a JSON array read by SQLite's ``json_each``),
not as thousands of bound parameters, and the rows of each table go in with one ``INSERT …
SELECT`` from one JSON parameter (:func:`_insert_rows`); inserts that need ids back use
``RETURNING``.
"""
import json
from collections import defaultdict
from collections import namedtuple
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from mediation.chinatime import china_date
from mediation.chinatime import to_utc_naive
from mediation.database import is_postgresql
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Event
from mediation.models import Notice
from mediation.models import Organisation
from mediation.models import Stage
from mediation.models import StageAction
from mediation.models._types import utcnow
from mediation.services.calendar import current_calendar
from workflows.deadlines import ClockFacts
from workflows.deadlines import ExpiryAction
from workflows.deadlines import get_profile
from workflows.deadlines import stage_deadline
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import StageKind
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

AUTOMATIC_REASONS = {
    'refer_up': '调解期限届满未达成协议，系统自动移交上级调解组织（须经上级受理并征得当事人同意）',
    'flag_for_decision': '调解期限届满未达成协议，提请决定：延长期限、移送法院或终止调解',
    'return_to_court': '法院委派/委托调解期限届满未达成协议，系统自动退回法院',
}


#: What a lapse that only reminds tells the committee, and whether the supervising level is told too.
REMINDER_TEXTS = {
    Clock.ACCEPTANCE: ('已超过受理期限，请尽快决定是否受理。', True),
    # the parties' own window: nothing for the supervisors to act on
    Clock.JC_APPLY: ('申请司法确认的30日期限已届满。', False),
}


@dataclass
class SweepReport:
    today: date
    examined: int = 0
    reminded: int = 0
    escalated: dict = field(default_factory=lambda: defaultdict(int))
    needs_decision: int = 0

    def summary(self) -> str:
        parts = [f'{self.today.isoformat()} 巡检：检查 {self.examined} 个阶段，提醒 {self.reminded} 个']
        for trigger, count in sorted(self.escalated.items()):
            parts.append(f'{TRIGGERS[trigger].label_zh} {count} 个')
        if self.needs_decision:
            parts.append(f'期满待人工处理 {self.needs_decision} 个')
        return '，'.join(parts) + '。'


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
    return to_utc_naive(moment)


def run_sweep(now: Optional[datetime] = None, *, commit: bool = True) -> SweepReport:
    now = now or utcnow()
    today = china_date(now)
    report = SweepReport(today)
    rows = _due_rows(today)
    report.examined = len(rows)
    due_soon = [row for row in rows if row.due_on is None or row.due_on >= today]
    overdue = [row for row in rows if row.due_on is not None and row.due_on < today]
    _remind(due_soon, today, now)
    report.reminded = len([row for row in due_soon if row.due_on is not None])
    _expire(overdue, today, now, report)
    if commit:
        db.session.commit()
    return report


DueRow = namedtuple('DueRow', 'id case_id committee_id level kind state clock due_on court_id number_year '
                              'number_serial number_prefix parent_id committee_name deadline_profile title')


def _due_rows(today: date) -> list[DueRow]:
    # The cases are read afterwards by primary key: joined here, PostgreSQL (no parallel plan
    # under FOR UPDATE) hashes the whole dispute_case table instead — 0.2 s at 1,000,000 cases.
    query = (sa.select(Stage.id, Stage.case_id, Stage.committee_id, Stage.level, Stage.kind, Stage.state,
                       Stage.clock, Stage.due_on, Stage.court_id, Stage.number_year, Stage.number_serial,
                       Stage.number_prefix, Organisation.parent_id.label('parent_id'),
                       Organisation.name.label('committee_name'))
             .join(Organisation, Organisation.id == Stage.committee_id)
             .where(Stage.next_check_on <= today)
             # The partial index yields rows in (next_check_on, id) order. ORDER BY id alone makes
             # SQLite (without ANALYZE statistics) scan the whole table in rowid order instead.
             .order_by(Stage.next_check_on, Stage.id))
    if is_postgresql(db.session):
        query = query.with_for_update(of=Stage, skip_locked=True)
    stages = db.session.execute(query).all()
    if not stages:
        return []
    cases = {case_id: (profile, title) for case_id, profile, title in db.session.execute(
        sa.select(Case.id, Case.deadline_profile, Case.title).where(_in(Case.id, {row.case_id for row in stages})))}
    return [DueRow(*row, *cases[row.case_id]) for row in stages]


def _in(column, ids):
    """``column IN ids`` with the ids as one parameter, however many there are.

    SQLite refuses more bound parameters than its compile-time limit (32,766 by default), and
    psycopg parses a statement with thousands of placeholders client-side on every execution.
    """
    ids = sorted(ids)
    if is_postgresql(db.session):
        return column == sa.any_(sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.Integer)))
    return column.in_(sa.select(sa.column('value', sa.Integer)).select_from(sa.func.json_each(json.dumps(ids))))


def _update_stages(ids, **values):
    """One UPDATE of the stages ``ids``; the changed attributes of any of them loaded in the session expire."""
    db.session.execute(sa.update(Stage).where(_in(Stage.id, ids)).values(**values)
                       .execution_options(synchronize_session=False))
    ids = set(ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Stage) and sa.inspect(obj).identity[0] in ids:
            db.session.expire(obj, list(values))


def _insert_rows(table, rows, *, skip_conflicts=False, returning=()):
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one statement; the RETURNING rows if asked.

    The rows travel as one JSON parameter that the database unpacks (PostgreSQL
    ``json_to_recordset``, SQLite ``json_each``): no per-row work in SQLAlchemy, and no
    statement per row (psycopg's ``executemany``) or text-quoted arrays (psycopg adapting a
    list bound through SQLAlchemy). Values are written as each database stores them; the
    CHECK constraints still validate the enum columns.
    """
    if not rows:
        return []
    columns = list(rows[0])
    # JSON columns travel as the text SQLAlchemy would have stored (json.dumps), not re-encoded.
    json_columns = [name for name in columns if isinstance(table.c[name].type, sa.JSON)]
    if json_columns:
        rows = [{**row, **{name: json.dumps(row[name]) for name in json_columns}} for row in rows]
    if is_postgresql(db.session):
        payload = sa.cast(sa.bindparam(None, json.dumps(rows, default=_json_value, ensure_ascii=False),
                                       type_=sa.Text), postgresql.JSON)
        source = (sa.func.json_to_recordset(payload)
                  .table_valued(*(sa.column(name, sa.Text if name in json_columns else table.c[name].type)
                                  for name in columns))
                  .render_derived(with_types=True))
        select = sa.select(*(sa.cast(source.c[name], table.c[name].type) if name in json_columns else source.c[name]
                             for name in columns))
        statement = postgresql.insert(table).from_select(columns, select)
    else:
        # Positional (a list per row): json_extract re-reads the row's text for every column.
        payload = sa.bindparam(None, json.dumps([[row[name] for name in columns] for row in rows],
                                                default=_sqlite_json_value, ensure_ascii=False), type_=sa.Text)
        source = sa.func.json_each(payload).table_valued('value')
        # WHERE true: SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT.
        select = sa.select(*(sa.func.json_extract(source.c.value, f'$[{i}]') for i in range(len(columns))))
        statement = sqlite.insert(table).from_select(columns, select.where(sa.true()))
    if skip_conflicts:
        statement = statement.on_conflict_do_nothing()
    if returning:
        return db.session.execute(statement.returning(*returning)).all()
    db.session.execute(statement)
    return []


@lru_cache(maxsize=1024)  # a sweep's rows share a few distinct days and times
def _json_value(value):
    """Dates and times for PostgreSQL's JSON input: ISO 8601."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f'{type(value).__name__} is not JSON serialisable')


@lru_cache(maxsize=1024)
def _sqlite_json_value(value):
    """Dates and times as SQLAlchemy stores them in SQLite (text that sorts and compares correctly)."""
    if isinstance(value, datetime):
        return value.strftime('%Y-%m-%d %H:%M:%S.%f')
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f'{type(value).__name__} is not JSON serialisable')


def _remind(rows, today, now):
    if not rows:
        return
    notices = [{'organisation_id': row.committee_id, 'stage_id': row.id, 'kind': 'due_soon', 'day': today,
                'created_at': now, 'message': f'“{row.title}”将于 {row.due_on.isoformat()} 到期，请抓紧办理。'}
               for row in rows if row.due_on is not None]
    _insert_rows(Notice.__table__, notices, skip_conflicts=True)
    # Look again tomorrow (daily reminders), or the day after the deadline at the latest.
    _update_stages([row.id for row in rows], next_check_on=today + timedelta(days=1))


def _decide(row) -> tuple[ExpiryAction, Optional[str], Optional[State]]:
    """What the profile says happens at expiry, and whether the machine allows it from here."""
    profile = get_profile(row.deadline_profile)
    action = profile.expiry_action(Clock(row.clock), Level(row.level), StageKind(row.kind))
    trigger = ACTION_TRIGGERS[action]
    if trigger is None:
        return action, None, None
    return action, trigger, _machine_result(trigger, State(row.state), Level(row.level), StageKind(row.kind))


_decisions: dict = {}


def _machine_result(trigger, state, level, kind) -> Optional[State]:
    """The destination if the machine lets the system fire ``trigger`` here (cached per key)."""
    key = (trigger, state, level, kind)
    if key not in _decisions:
        probe = SimpleNamespace(state=state.value)
        try:
            _, dest = WORKFLOW.fire(probe, trigger, TransitionContext(actor=SYSTEM, level=level, kind=kind,
                                                                      reason=AUTOMATIC_REASONS[trigger]))
            _decisions[key] = dest
        except TransitionError:
            _decisions[key] = None
    return _decisions[key]


def _expire(rows, today, now, report):
    if not rows:
        return
    claimed = _claim(rows, now)
    by_id = {row.id: row for row in rows}
    groups = defaultdict(list)
    decisions = {}  # the same few answers for thousands of stages
    for stage_id in claimed:
        row = by_id[stage_id]
        key = (row.deadline_profile, row.clock, row.level, row.kind, row.state)
        if key not in decisions:
            decisions[key] = _decide(row)
        action, trigger, dest = decisions[key]
        if trigger is not None and dest is None or (action == ExpiryAction.REFER_UP and row.parent_id is None):
            groups['needs_decision'].append(row)
        else:
            groups[trigger or 'remind'].append((row, dest))
    notices, events = [], []
    for trigger, items in groups.items():
        if trigger == 'needs_decision':
            report.needs_decision += len(items)
            for row in items:
                notices += _overdue_notices(row, today, now, '已超期，系统无法自动处理，请尽快决定后续处理方式。')
            continue
        if trigger == 'remind':
            for row, _ in items:
                text, tell_supervisor = REMINDER_TEXTS.get(Clock(row.clock), ('已超过期限，请尽快处理。', True))
                notices += _overdue_notices(row, today, now, text, supervisor=tell_supervisor)
            continue
        report.escalated[trigger] += len(items)
        _transition_rows(trigger, items, now, events, notices, today)
    # The transitions above cleared next_check_on of their stages in the same UPDATE (one new
    # row version per stage, not two); the rest are not looked at again either.
    transitioned = {row.id for trigger, items in groups.items() if trigger not in ('needs_decision', 'remind')
                    for row, _ in items}
    untouched = [row.id for row in rows if row.id not in transitioned]
    if untouched:
        _update_stages(untouched, next_check_on=None)
    insert_events_and_notices(events, notices)


def insert_events_and_notices(events, notices):
    _insert_rows(Event.__table__, events)
    _insert_rows(Notice.__table__, notices, skip_conflicts=True)


def _claim(rows, now) -> list[int]:
    """Insert one (stage, expiry action) row per stage; the ids that went in are ours alone.

    The key names the clock and the due date that lapsed: each deadline is acted on once, and a
    deadline that moved later (an extension after a district stage was flagged) is acted on again.
    """
    values = [{'stage_id': row.id, 'action': f'expiry:{Clock(row.clock).value}:{row.due_on.isoformat()}',
               'at': now} for row in rows]
    claimed = _insert_rows(StageAction.__table__, values, skip_conflicts=True,
                           returning=[StageAction.__table__.c.stage_id])
    return sorted(stage_id for stage_id, in claimed)


def _overdue_notices(row, today, now, text, *, supervisor=True):
    """The lapse told to the stage's committee and, unless told otherwise, its supervising level."""
    message = f'“{row.title}”（{row.committee_name}）{text}'
    recipients = {row.committee_id} | ({row.parent_id} if row.parent_id and supervisor else set())
    return [{'organisation_id': org, 'stage_id': row.id, 'kind': 'overdue', 'day': today, 'created_at': now,
             'message': message[:500]} for org in recipients]


def _transition_rows(trigger, items, now, events, notices, today):
    reason = AUTOMATIC_REASONS[trigger]
    by_dest = defaultdict(list)
    for row, dest in items:
        by_dest[dest].append(row)
    for dest, rows in by_dest.items():
        ids = [row.id for row in rows]
        values = {'version': Stage.version + 1, 'next_check_on': None}
        if trigger == 'flag_for_decision':
            values['flagged_at'] = now
        else:
            values.update(state=dest.value, ended_at=now, outcome=reason, clock=None, due_on=None,
                          due_soon_on=None, due_provisional=False, deadline_rule=None)
        _update_stages(ids, **values)
        for row in rows:
            events.append(_event(row.id, row.case_id, trigger, State(row.state), dest, reason, now,
                                 {'automatic': True, 'due_on': row.due_on.isoformat()}))
            # A referral's parent committee gets the referral notice instead (open_parent_stages).
            notices += _overdue_notices(row, today, now, f'期满未达成协议：{TRIGGERS[trigger].label_zh}。',
                                        supervisor=trigger != 'refer_up')
            if trigger == 'return_to_court' and row.court_id:
                notices.append({'organisation_id': row.court_id, 'stage_id': row.id, 'kind': 'returned',
                                'day': today, 'created_at': now,
                                'message': f'{row.committee_name}期满未达成协议，已将“{row.title}”退回法院。'})
    if trigger == 'refer_up':
        open_parent_stages([row for row, _ in items], now, events, notices, today)


def _event(stage_id, case_id, kind, from_state, to_state, reason, now, data):
    return {'stage_id': stage_id, 'case_id': case_id, 'actor_id': None, 'at': now, 'kind': kind,
            'from_state': from_state.value if from_state else None, 'to_state': to_state.value if to_state else None,
            'reason': reason, 'data': data}


def open_parent_stages(rows, now, events, notices, today):
    """Give each referred stage's parent committee a new stage pending acceptance, with its clock."""
    calendar = current_calendar()
    received = china_date(now)
    acceptance = {}
    new_rows = []
    for row in rows:
        level = Level(row.level).parent
        key = (row.deadline_profile, level)
        if key not in acceptance:
            acceptance[key] = _acceptance_deadline(row.deadline_profile, level, received, calendar)
        deadline, due_soon_on, rule_key = acceptance[key]
        new_rows.append({
            'case_id': row.case_id, 'committee_id': row.parent_id, 'level': level.value,
            'kind': StageKind.PEOPLE.value, 'state': State.PENDING_ACCEPTANCE.value, 'previous_stage_id': row.id,
            'court_id': row.court_id, 'received_at': now, 'clock': Clock.ACCEPTANCE.value if deadline else None,
            'deadline_rule': rule_key, 'due_on': deadline.due if deadline else None, 'due_soon_on': due_soon_on,
            'due_provisional': bool(deadline and deadline.provisional), 'next_check_on': due_soon_on,
            'version': 1})
    # RETURNING names each new stage by its previous one (unique here), so no ordering is needed;
    # looking them up afterwards by previous_stage_id (not indexed) scanned the whole stage table.
    table = Stage.__table__
    created = _insert_rows(table, new_rows, returning=[table.c.id, table.c.previous_stage_id, table.c.committee_id])
    by_previous = {row.id: row for row in rows}
    for new_id, previous_id, committee_id in created:
        row = by_previous[previous_id]
        number = (f'（{row.number_year}）{row.number_prefix}人调字第{row.number_serial}号'
                  if row.number_serial else None)
        events.append(_event(new_id, row.case_id, 'received', None, State.PENDING_ACCEPTANCE, '', now,
                             {'from_committee': row.committee_name, 'from_case_number': number, 'automatic': True}))
        notices.append({'organisation_id': committee_id, 'stage_id': new_id, 'kind': 'referral', 'day': today,
                        'created_at': now,
                        'message': f'{row.committee_name}期满未结的“{row.title}”已移交本级，请在期限内受理。'})
    return [new_id for new_id, _, _ in created]


def _acceptance_deadline(profile_name, level, received: date, calendar):
    profile = get_profile(profile_name)
    facts = ClockFacts(clock=Clock.ACCEPTANCE, level=level, kind=StageKind.PEOPLE, start=received)
    deadline = stage_deadline(profile, facts, calendar)
    if deadline is None:
        return None, None, None
    rule = profile.rule_for(Clock.ACCEPTANCE, level, StageKind.PEOPLE)
    return deadline, profile.due_soon_from(deadline.due, calendar, rule), rule.key
