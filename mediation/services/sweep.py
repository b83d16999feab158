"""The deadline sweep: remind handlers of due-soon stages, act on lapsed deadlines exactly once.

One indexed query (``next_check_on <= today``) finds the stages that need a look, so the cost
follows the number of due stages, not of open cases. The state machine decides once per distinct
(profile, clock, level, kind, state) what may happen; the rest is set-based: one statement per
table and outcome, all in one transaction with the caller's commit. The stages are read once
(and locked) and updated once; events, new stages and notices are written from the values read,
never by reading the stages again.

Exactly once, even with several sweeps at the same time on several servers:
- PostgreSQL: the candidate rows are locked ``FOR NO KEY UPDATE SKIP LOCKED``, so concurrent sweeps
  split the work, and READ COMMITTED re-checks each locked row against the query;
- SQLite: transactions begin IMMEDIATE, so sweeps run one after another and the second sees
  the first's result;
- everywhere: the audit event of a lapse carries its key (``expiry:<clock>:<due date>``), unique
  per stage; the events go in with ``ON CONFLICT DO NOTHING``, and only the stages whose event
  went in are acted on.

Lists travel as one parameter each (PostgreSQL arrays; JSON that SQLite's ``json_each`` reads),
not as thousands of bound parameters or a statement per row. docs/benchmarks.md measures it.
"""
import json
import threading
from collections import defaultdict
from collections import namedtuple
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from mediation import schema
from mediation.chinatime import china_date
from mediation.chinatime import to_utc_naive
from mediation.chinatime import utcnow
from mediation.database import is_postgresql
from mediation.services.calendar_cache import current_calendar
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

#: What the committee (and its supervising level) read when the system acted on a lapse.
OVERDUE_TEXTS = {
    'flag_for_decision': '期满未达成协议，请决定延长期限、移送法院或终止调解。',
    'return_to_court': '期满未达成协议，已退回法院。',
}

#: The event kind of a lapse the system cannot act on by itself (reminders only).
LAPSE = 'deadline_lapsed'
NEEDS_DECISION_TEXT = '已超期，系统无法自动处理，请尽快决定后续处理方式。'

#: What a lapse that only reminds tells the committee, and whether the supervising level is told too.
REMINDER_TEXTS = {
    Clock.ACCEPTANCE: ('已超过受理期限，请尽快决定是否受理。', True),
    # the parties' own window: nothing for the supervisors to act on
    Clock.JC_APPLY: ('申请司法确认的30日期限已届满。', False),
}
DEFAULT_REMINDER = ('已超过期限，请尽快处理。', True)

#: What a due-soon notice says; the window to apply for judicial confirmation is the parties'.
DUE_SOON_TEXTS = {Clock.JC_APPLY: '当事人申请司法确认的期限将于 {due} 届满，如需确认，请提醒当事人及时申请。'}
DEFAULT_DUE_SOON = '将于 {due} 到期，请抓紧办理。'

# Tables, not mapped classes: the sweep selects columns and writes rows, never objects, so the
# process cron starts imports neither the ORM nor the models (docs/benchmarks.md).
_stage = schema.stage
_case = schema.dispute_case
_event = schema.event
_notice = schema.notice
_organisation = schema.organisation


@dataclass
class SweepReport:
    today: date
    examined: int = 0
    reminded: int = 0
    escalated: dict = field(default_factory=lambda: defaultdict(int))
    needs_decision: int = 0
    #: the stages one batch looked at (``sweep_all`` stops if one comes round again)
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
    return to_utc_naive(moment)


def run_sweep(session, now: Optional[datetime] = None, *, commit: bool = True) -> SweepReport:
    """Sweep in an ORM ``session`` (the web app's scheduler and CLI, the tests), on its connection."""
    session.flush()
    report = sweep(session.connection(), now)
    session.expire_all()  # the sweep wrote rows under any objects the session holds
    if commit:
        session.commit()
    return report


#: Due stages taken per transaction by ``sweep_all``: each batch's locks are held for a fraction
#: of a second, and batches let several connections share a large sweep.
BATCH_SIZE = 1000


def sweep_all(engine, now: Optional[datetime] = None, *, workers: int = 1,
              batch_size: int = BATCH_SIZE) -> SweepReport:
    """The whole sweep (cron, the scheduler of ``mediation serve``): batches, each its own transaction.

    On PostgreSQL up to ``workers`` connections take batches at once, each skipping the stages
    another holds, so a large sweep uses the database server's cores; the others start only when
    more is due after the first batch. SQLite runs one writer at a time: one connection.
    """
    now = now or utcnow()
    total = SweepReport(china_date(now))
    parallel = workers > 1 and engine.dialect.name == 'postgresql'
    lock, errors = threading.Lock(), []
    first_batch_done, more_after_first_batch = threading.Event(), threading.Event()

    def work():
        try:
            with engine.connect() as conn:
                seen = set()
                while True:
                    report = sweep(conn, now, limit=batch_size)
                    conn.commit()
                    with lock:
                        total.add(report)
                    if (parallel and not first_batch_done.is_set() and report.examined == batch_size
                            and _any_due(conn, now)):
                        more_after_first_batch.set()
                    first_batch_done.set()
                    # A stage a batch looked at leaves the due set (its next check is tomorrow, or
                    # none); one seen again would mean it did not, and the loop must not go on.
                    if report.examined < batch_size or not seen.isdisjoint(report.stage_ids):
                        return
                    seen.update(report.stage_ids)
        except Exception as error:  # re-raised in the caller's thread below
            errors.append(error)
        finally:
            first_batch_done.set()

    threads = [threading.Thread(target=work, name='sweep-0')]
    threads[0].start()
    first_batch_done.wait()
    if more_after_first_batch.is_set():
        threads += [threading.Thread(target=work, name=f'sweep-{index}') for index in range(1, workers)]
        for thread in threads[1:]:
            thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return total


def _any_due(conn, now) -> bool:
    found = conn.execute(sa.select(_stage.c.id).where(_stage.c.next_check_on <= china_date(now)).limit(1)).first()
    conn.rollback()
    return found is not None


def sweep(conn, now: Optional[datetime] = None, *, limit: Optional[int] = None) -> SweepReport:
    """Sweep (up to ``limit`` due stages) in the transaction of the Core connection ``conn``; the caller commits."""
    now = now or utcnow()
    today = china_date(now)
    report = SweepReport(today)
    rows = _due_rows(conn, today, limit)
    report.stage_ids = [row.id for row in rows]
    report.examined = len(rows)
    due_soon = [row for row in rows if row.due_on is None or row.due_on >= today]
    overdue = [row for row in rows if row.due_on is not None and row.due_on < today]
    report.reminded = _remind(conn, due_soon, today, now)
    _expire(conn, overdue, today, now, report)
    return report


#: A stage to look at; level, kind, state and clock hold the stored text of their enums.
DueRow = namedtuple('DueRow', 'id case_id committee_id level kind state clock due_on court_id parent_id '
                              'committee_name deadline_profile')


def _due_rows(conn, today: date, limit: Optional[int] = None) -> list[DueRow]:
    s, o = _stage.c, _organisation.c
    # Enum columns come back as their text: the few distinct values are looked up once per
    # outcome, not converted for every row.
    as_text = [sa.type_coerce(column, sa.String) for column in (s.level, s.kind, s.state, s.clock)]
    # The case's profile by primary key for each row: joined instead, PostgreSQL (no parallel
    # plan under FOR UPDATE) hashes the whole dispute_case table — 0.2 s at 1,000,000 cases.
    profile = sa.select(_case.c.deadline_profile).where(_case.c.id == s.case_id).scalar_subquery()
    query = (sa.select(s.id, s.case_id, s.committee_id, *as_text, s.due_on, s.court_id, o.parent_id, o.name, profile)
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


# --------------------------------------------------------------------------- SQL building blocks

def _in(conn, column, ids):
    """``column IN ids`` with the ids as one parameter, however many there are.

    SQLite refuses more bound parameters than its compile-time limit (32,766 by default), and
    psycopg parses a statement with thousands of placeholders client-side on every execution.
    """
    ids = sorted(ids)
    if is_postgresql(conn):
        return column == sa.any_(_pg_array(ids, sa.Integer))
    return column.in_(sa.select(sa.column('value', sa.Integer)).select_from(sa.func.json_each(json.dumps(ids))))


def _pg_array(values, type_):
    """A PostgreSQL array parameter, sent as one array literal that the server parses.

    psycopg would adapt a list element by element in Python: ~18 ms per 10,000 values, a tenth
    of a whole sweep's time at 10,000 lapses across its dozen arrays. Integers and dates need no
    quotes; text is quoted and escaped (a tenth of a second per 40,000 values, so the sweep sends
    as little text as it can).
    """
    def quoted(value):
        if value is None:
            return 'NULL'
        return '"' + value.replace('\\', '\\\\').replace('"', '\\"') + '"'
    if type_ is sa.Integer:
        items = map(str, values) if None not in values else ('NULL' if v is None else str(v) for v in values)
    elif type_ is sa.Date:
        items = ('NULL' if v is None else v.isoformat() for v in values)
    else:
        items = map(quoted, values)
    literal = '{' + ','.join(items) + '}'
    return sa.cast(sa.bindparam(None, literal, type_=sa.Text), postgresql.ARRAY(type_))


def _insert(conn, table):
    return (postgresql if is_postgresql(conn) else sqlite).insert(table)


def _values(conn, **columns):
    """Rows given column by column (``name=(values, type)``) as a subquery to select from.

    The sweep knows every value it writes from the rows it read, so it never reads a stage
    again to write about it. Each column travels as one parameter: a PostgreSQL array
    (``unnest`` pairs them up), or one JSON array of rows that SQLite's ``json_each`` reads.
    """
    if is_postgresql(conn):
        arrays = [_pg_array(values, type_) for values, type_ in columns.values()]
        source = (sa.func.unnest(*arrays)
                  .table_valued(*(sa.column(name, type_) for name, (_, type_) in columns.items())).render_derived())
        return sa.select(*source.c).subquery()
    rows = json.dumps(list(zip(*(values for values, _ in columns.values()))), ensure_ascii=False,
                      default=date.isoformat)
    source = sa.func.json_each(rows).table_valued('value')
    return sa.select(*(sa.type_coerce(sa.func.json_extract(source.c.value, f'$[{i}]'), type_).label(name)
                       for i, (name, (_, type_)) in enumerate(columns.items()))).subquery()


def _iso_date(conn, column):
    """A date as 'YYYY-MM-DD' text, whatever PostgreSQL's DateStyle (SQLite keeps dates as that text)."""
    if is_postgresql(conn):
        return sa.func.to_char(column, 'YYYY-MM-DD')
    return sa.type_coerce(column, sa.String)


def _lit(value, column):
    """A constant for ``column`` of an INSERT … SELECT, converted as the column converts it."""
    return sa.null() if value is None else sa.literal(value, column.type)


def _update_stages(conn, ids, **values):
    conn.execute(sa.update(_stage).where(_in(conn, _stage.c.id, ids)).values(**values))


def _notify(conn, notices, kind, today, now):
    """Insert ``notices`` ((organisation id, stage id, message) each) of one kind.

    A notice an organisation already has for the stage, kind and day is not repeated. Messages
    do not repeat the case's title: pages show the title of the notice's case before it.
    """
    notices = [notice for notice in notices if notice[0] is not None]
    if not notices:
        return
    organisations, stages, messages = zip(*notices)
    v = _values(conn, organisation_id=(organisations, sa.Integer), stage_id=(stages, sa.Integer),
                message=([message[:500] for message in messages], sa.String))
    source = sa.select(v.c.organisation_id, v.c.stage_id, _lit(kind, _notice.c.kind), _lit(today, _notice.c.day),
                       _lit(now, _notice.c.created_at), v.c.message).where(sa.true())  # SQLite: WHERE before ON CONFLICT
    columns = ['organisation_id', 'stage_id', 'kind', 'day', 'created_at', 'message']
    conn.execute(_insert(conn, _notice).from_select(columns, source).on_conflict_do_nothing())


# --------------------------------------------------------------------------- due soon

def _remind(conn, rows, today, now) -> int:
    if not rows:
        return 0
    dated = [row for row in rows if row.due_on is not None]
    _notify(conn, [(row.committee_id, row.id, DUE_SOON_TEXTS.get(row.clock, DEFAULT_DUE_SOON).format(
        due=row.due_on.isoformat())) for row in dated], 'due_soon', today, now)
    # Look again tomorrow (daily reminders), or the day after the deadline at the latest. A stage
    # without a deadline has nothing to be reminded of until a transition gives it one.
    if dated:
        _update_stages(conn, [row.id for row in dated], next_check_on=today + timedelta(days=1))
    if len(dated) < len(rows):
        _update_stages(conn, [row.id for row in rows if row.due_on is None], next_check_on=None)
    return len(dated)


# --------------------------------------------------------------------------- lapsed deadlines

#: What happens to a group of lapsed stages: the transition (None: tell people only), where it
#: leads, the event's reason, the notice text, and whether the committee and its supervising
#: level get it.
Outcome = namedtuple('Outcome', 'trigger dest reason text tell_committee tell_supervisor needs_decision')


def _outcome(row) -> Outcome:
    """What the profile says happens at expiry, if the machine allows the system to do it from here."""
    profile = get_profile(row.deadline_profile)
    action = profile.expiry_action(Clock(row.clock), Level(row.level), StageKind(row.kind))
    trigger = ACTION_TRIGGERS[action]
    if trigger is None:
        text, tell_supervisor = REMINDER_TEXTS.get(Clock(row.clock), DEFAULT_REMINDER)
        return Outcome(None, None, text, text, True, tell_supervisor, False)
    dest = _machine_result(trigger, State(row.state), Level(row.level), StageKind(row.kind))
    if dest is None or (action == ExpiryAction.REFER_UP and row.parent_id is None):
        return Outcome(None, None, NEEDS_DECISION_TEXT, NEEDS_DECISION_TEXT, True, True, True)
    # Notices are for those who must act. After a referral that is the parent committee, and
    # the stage waiting for its acceptance is its notice (dashboard.recent_notices).
    referral = trigger == 'refer_up'
    return Outcome(trigger, dest, AUTOMATIC_REASONS[trigger], OVERDUE_TEXTS.get(trigger, ''),
                   not referral, not referral, False)


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


def _expire(conn, rows, today, now, report):
    if not rows:
        return
    groups = defaultdict(list)
    outcomes = {}  # the same few answers for thousands of stages
    for row in rows:
        key = (row.deadline_profile, row.clock, row.level, row.kind, row.state, row.parent_id is None)
        if key not in outcomes:
            outcomes[key] = _outcome(row)
        groups[(outcomes[key], row.clock, row.state)].append(row)
    transitioned = set()
    notices = []
    for (outcome, clock, state), items in groups.items():
        claimed = _record_lapse(conn, items, outcome, clock, state, now)
        if not claimed:
            continue
        if outcome.trigger:
            _transition(conn, outcome, [row.id for row in claimed], now)
            transitioned.update(row.id for row in claimed)
            report.escalated[outcome.trigger] += len(claimed)
            if outcome.trigger == 'refer_up':
                open_parent_stages(conn, claimed, now)
            elif outcome.trigger == 'return_to_court':
                _notify(conn, [(row.court_id, row.id, f'由{row.committee_name}期满未达成协议退回法院。') for row in claimed],
                        'returned', today, now)
        elif outcome.needs_decision:
            report.needs_decision += len(claimed)
        for row in claimed:
            message = f'（{row.committee_name}）{outcome.text}'
            if outcome.tell_committee:
                notices.append((row.committee_id, row.id, message))
            if outcome.tell_supervisor and row.parent_id:
                notices.append((row.parent_id, row.id, message))
    _notify(conn, notices, 'overdue', today, now)
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
    v = _values(conn, case_id=([row.case_id for row in rows], sa.Integer),
                stage_id=([row.id for row in rows], sa.Integer), due_on=([row.due_on for row in rows], sa.Date))
    due = _iso_date(conn, v.c.due_on)
    if is_postgresql(conn):
        data = sa.func.json_build_object('automatic', sa.true(), 'due_on', due)
    else:
        data = sa.func.json_object('automatic', sa.func.json('true'), 'due_on', due)
    source = sa.select(
        v.c.case_id, v.c.stage_id, sa.null(), _lit(now, _event.c.at), _lit(outcome.trigger or LAPSE, _event.c.kind),
        _lit(state if outcome.trigger else None, _event.c.from_state),
        _lit(outcome.dest and outcome.dest.value, _event.c.to_state), _lit(outcome.reason, _event.c.reason),
        sa.type_coerce(data, _event.c.data.type), sa.literal(f'expiry:{clock}:', sa.String) + due,
    ).where(sa.true())  # SQLite: WHERE before ON CONFLICT
    columns = ['case_id', 'stage_id', 'actor_id', 'at', 'kind', 'from_state', 'to_state', 'reason', 'data', 'claim_key']
    statement = (_insert(conn, _event).from_select(columns, source).on_conflict_do_nothing()
                 .returning(_event.c.stage_id))
    claimed = set(conn.execute(statement).scalars().all())
    return [row for row in rows if row.id in claimed]


def _transition(conn, outcome: Outcome, stage_ids, now):
    values = {'version': _stage.c.version + 1, 'next_check_on': None}
    if outcome.trigger == 'flag_for_decision':
        values['flagged_at'] = now
    else:
        values.update(state=outcome.dest, ended_at=now, outcome=outcome.reason, clock=None, due_on=None,
                      due_soon_on=None, due_provisional=False, deadline_rule=None)
    _update_stages(conn, stage_ids, **values)


def open_parent_stages(conn, stages, now: datetime) -> None:
    """Give each referred stage's parent committee a new stage pending acceptance, with its clock.

    ``stages`` need ``id``, ``case_id``, ``level``, ``court_id``, ``parent_id`` and
    ``deadline_profile``. The referral itself is recorded by the ``refer_up`` event of the stage
    it leaves; the new stage, pending acceptance, is the parent committee's notice.
    """
    calendar = current_calendar(conn)
    received = china_date(now)
    groups = defaultdict(list)
    for row in stages:
        groups[(row.deadline_profile, row.level)].append(row)
    columns = ['case_id', 'committee_id', 'previous_stage_id', 'court_id', 'level', 'kind', 'state', 'received_at',
               'clock', 'deadline_rule', 'due_on', 'due_soon_on', 'due_provisional', 'next_check_on', 'version']
    c = _stage.c
    for (profile, from_level), rows in groups.items():
        level = Level(from_level).parent
        deadline, due_soon_on, rule_key = _acceptance_deadline(profile, level, received, calendar)
        v = _values(conn, case_id=([row.case_id for row in rows], sa.Integer),
                    committee_id=([row.parent_id for row in rows], sa.Integer),
                    previous_stage_id=([row.id for row in rows], sa.Integer),
                    court_id=([row.court_id for row in rows], sa.Integer))
        source = sa.select(v.c.case_id, v.c.committee_id, v.c.previous_stage_id, v.c.court_id, _lit(level, c.level),
                           _lit(StageKind.PEOPLE, c.kind), _lit(State.PENDING_ACCEPTANCE, c.state),
                           _lit(now, c.received_at), _lit(Clock.ACCEPTANCE if deadline else None, c.clock),
                           _lit(rule_key, c.deadline_rule), _lit(deadline and deadline.due, c.due_on),
                           _lit(due_soon_on, c.due_soon_on), _lit(bool(deadline and deadline.provisional),
                                                                  c.due_provisional),
                           _lit(due_soon_on, c.next_check_on), _lit(1, c.version))
        conn.execute(_insert(conn, _stage).from_select(columns, source))


def _acceptance_deadline(profile_name, level, received: date, calendar):
    profile = get_profile(profile_name)
    facts = ClockFacts(clock=Clock.ACCEPTANCE, level=level, kind=StageKind.PEOPLE, start=received)
    deadline = stage_deadline(profile, facts, calendar)
    if deadline is None:
        return None, None, None
    rule = profile.rule_for(Clock.ACCEPTANCE, level, StageKind.PEOPLE)
    return deadline, profile.due_soon_from(deadline.due, calendar, rule), rule.key
