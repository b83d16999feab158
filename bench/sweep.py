"""Time the deadline sweep on one benchmark database.

For each run the due set is put back first (:meth:`BenchDatabase.reset`), then:

- ``in_process``: ``sweep_all(engine, now, workers=SWEEP_WORKERS)`` in a warm process, its
  pooled connections open (what the scheduler of ``mediation serve`` does), commits included;
- ``one_connection``: the same with ``workers=1``: every batch one after another;
- ``process``: ``python -m mediation sweep --now …`` as a subprocess, wall time (interpreter
  start, imports, app creation, the sweep, exit) — what cron runs;
- ``baseline``: a bare set-based statement doing the escalation on the same rows, commit
  included: on PostgreSQL one ``WITH due AS (UPDATE … RETURNING) INSERT INTO event SELECT …``,
  on SQLite (no data-modifying CTEs) ``UPDATE … RETURNING`` then one ``executemany`` of the
  events;
- ``same_writes``: every row the sweep writes (updates, events, new stages), written by
  set-based SQL alone (:mod:`bench.floor`): the floor for the sweep's own work;
- ``nothing_due`` and ``process_nothing_due``: the same two ways on a day before any stage is
  due (the index range is empty).

Every measure starts from the database as loaded (:meth:`BenchDatabase.reset`) on a connection
already open. The median of the runs is reported; every run's times are kept.
"""
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from bench import data
from bench import floor
from bench.databases import log

BASELINE_REASON = floor.REFER_REASON

_PG_BASELINE = sa.text("""
WITH due AS (
    UPDATE stage
       SET state = 'referred_up', ended_at = :now, outcome = :reason, clock = NULL, deadline_rule = NULL,
           due_on = NULL, due_soon_on = NULL, next_check_on = NULL, version = version + 1
     WHERE next_check_on <= :today
 RETURNING id, case_id
)
INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data)
SELECT case_id, id, NULL, :now, 'refer_up', 'mediating', 'referred_up', :reason, '{"automatic": true}'
  FROM due
""").bindparams(sa.bindparam('now', type_=sa.DateTime), sa.bindparam('today', type_=sa.Date))

_SQLITE_BASELINE_UPDATE = sa.text("""
UPDATE stage
   SET state = 'referred_up', ended_at = :now, outcome = :reason, clock = NULL, deadline_rule = NULL,
       due_on = NULL, due_soon_on = NULL, next_check_on = NULL, version = version + 1
 WHERE next_check_on <= :today
RETURNING id, case_id
""").bindparams(sa.bindparam('now', type_=sa.DateTime), sa.bindparam('today', type_=sa.Date))

_SQLITE_BASELINE_EVENTS = sa.text("""
INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data)
VALUES (:case_id, :stage_id, NULL, :now, 'refer_up', 'mediating', 'referred_up', :reason, '{"automatic": true}')
""").bindparams(sa.bindparam('now', type_=sa.DateTime))

MEASURES = ('in_process', 'one_connection', 'process', 'baseline', 'same_writes', 'nothing_due',
            'process_nothing_due')


@dataclass
class Result:
    kind: str
    size: int
    due: int
    runs: dict = field(default_factory=lambda: {name: [] for name in MEASURES})
    build_seconds: dict = field(default_factory=dict)
    summary: str = ''
    plan: list = field(default_factory=list)

    def median(self, name):
        values = self.runs[name]
        return statistics.median(values) if values else None

    @property
    def ratio(self):
        ours, baseline = self.median('in_process'), self.median('baseline')
        return ours / baseline if ours and baseline else None


def sweep_now():
    from mediation.services.sweep import parse_now
    return parse_now(data.SWEEP_NOW_TEXT), parse_now(data.NOTHING_DUE_NOW_TEXT)


def measure(database, runs: int) -> Result:
    result = Result(database.kind, database.size, database.due, build_seconds=dict(database.build_seconds))
    app = database.make_app()
    from mediation.extensions import db
    from mediation.services.sweep import sweep_all
    now, quiet_now = sweep_now()
    workers = app.config['SWEEP_WORKERS']
    with app.app_context():
        sweep_all(db.engine, quiet_now)  # warm the calendar cache and the statement cache
    captured = []
    for run in range(1, runs + 1):
        for name, measure_workers in (('in_process', workers), ('one_connection', 1)):
            database.reset()
            with app.app_context(), _capturing(captured if run == 1 and name == 'in_process' else None):
                _connect(db, measure_workers, quiet_now)
                started = time.perf_counter()
                report = sweep_all(db.engine, now, workers=measure_workers)
                elapsed = time.perf_counter() - started
            _check(report.examined == database.due and report.escalated.get('refer_up') == database.due,
                   f'in-process sweep did not escalate {database.due}: {report.summary()}')
            result.summary = report.summary()
            _check(database.count('SELECT count(*) FROM event WHERE claim_key IS NOT NULL') == database.due,
                   'claims missing')
            result.runs[name].append(elapsed)

        database.reset()
        elapsed, output = _process(database, data.SWEEP_NOW_TEXT)
        _check(f'检查 {database.due} 个阶段' in output, f'process sweep: {output!r}')
        result.runs['process'].append(elapsed)

        database.reset()
        with app.app_context():
            _connect(db)
            elapsed, changed = _baseline(db, now)
            db.session.remove()
        _check(changed == database.due, f'baseline escalated {changed}, not {database.due}')
        result.runs['baseline'].append(elapsed)

        database.reset()
        with app.app_context():
            _connect(db)
            elapsed = floor.run(db, now)
            db.session.remove()
        written = [database.count(f'SELECT count(*) FROM {table}') for table in ('event', 'notice', 'stage')]
        _check(written == [database.due, 0, database.size + database.due], f"same-writes SQL wrote {written}")
        result.runs['same_writes'].append(elapsed)

        database.reset()
        with app.app_context():
            _connect(db)
            started = time.perf_counter()
            report = sweep_all(db.engine, quiet_now, workers=workers)
            elapsed = time.perf_counter() - started
        _check(report.examined == 0, f'nothing-due sweep found {report.examined}')
        result.runs['nothing_due'].append(elapsed)

        elapsed, output = _process(database, data.NOTHING_DUE_NOW_TEXT)
        _check('检查 0 个阶段' in output, f'nothing-due process: {output!r}')
        result.runs['process_nothing_due'].append(elapsed)
        log(f'{database.label} run {run}/{runs}: ' + ', '.join(
            f'{name} {result.runs[name][-1] * 1000:.0f} ms' for name in MEASURES))
    database.reset()
    with app.app_context():
        result.plan = _plans(db, captured)
    database.dispose()
    return result


def _connect(db, count=1, quiet_now=None):
    """Open ``count`` pooled connections before the clock starts, as a warm process has them
    (with ``quiet_now``, each has swept once with nothing due, as the scheduler's have)."""
    from mediation.services.sweep import sweep
    connections = [db.engine.connect() for _ in range(count)]
    for conn in connections:
        if quiet_now:
            sweep(conn, quiet_now)
            conn.rollback()
        else:
            conn.exec_driver_sql('SELECT 1')
        conn.close()


def _check(condition, message):
    if not condition:
        raise RuntimeError(message)


def _process(database, now_text):
    command = [sys.executable, '-m', 'mediation', 'sweep', '--now', now_text]
    started = time.perf_counter()
    completed = subprocess.run(command, env=database.env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode:
        raise RuntimeError(f'{" ".join(command)} failed:\n{completed.stdout}\n{completed.stderr}')
    return elapsed, completed.stdout


def _baseline(db, now):
    today = data.SWEEP_DAY
    started = time.perf_counter()
    with db.engine.begin() as conn:
        if conn.dialect.name == 'postgresql':
            changed = conn.execute(_PG_BASELINE, {'now': now, 'today': today, 'reason': BASELINE_REASON}).rowcount
        else:
            rows = conn.execute(_SQLITE_BASELINE_UPDATE, {'now': now, 'today': today,
                                                          'reason': BASELINE_REASON}).all()
            conn.execute(_SQLITE_BASELINE_EVENTS, [{'case_id': case_id, 'stage_id': stage_id, 'now': now,
                                                    'reason': BASELINE_REASON} for stage_id, case_id in rows])
            changed = len(rows)
    return time.perf_counter() - started, changed


@contextmanager
def _capturing(into):
    """Record the sweep's reading queries (SELECTs from stage or dispute_case) into ``into``."""
    def listener(conn, cursor, statement, parameters, context, executemany):
        reads = 'FROM stage' in statement or 'FROM dispute_case' in statement
        if statement.lstrip().upper().startswith('SELECT') and reads:
            into.append((statement, parameters))
    if into is None:
        yield
        return
    sa.event.listen(sa.engine.Engine, 'before_cursor_execute', listener)
    try:
        yield
    finally:
        sa.event.remove(sa.engine.Engine, 'before_cursor_execute', listener)


def _plans(db, captured):
    """The plans of the captured queries on the fresh due set (PostgreSQL: EXPLAIN ANALYZE, rolled back)."""
    lines = []
    with db.engine.connect() as conn:
        seen = set()
        for statement, parameters in captured:
            if statement in seen:  # each batch runs the same statements: one plan each
                continue
            seen.add(statement)
            text = re.sub(r'^SELECT .*? FROM ', 'SELECT … FROM ', ' '.join(statement.split()))
            lines.append(text)
            if conn.dialect.name == 'sqlite':
                plan = conn.exec_driver_sql('EXPLAIN QUERY PLAN ' + statement, parameters)
                lines += ['  ' + row[-1] for row in plan]
            else:
                plan = conn.exec_driver_sql('EXPLAIN (ANALYZE, COSTS OFF) ' + statement, parameters)
                lines += ['  ' + row[0] for row in plan]
                conn.rollback()
    return [line if len(line) < 200 else line[:200] + ' …' for line in lines]
