"""The deadline sweep: in-process and as a `mediation sweep` process, against a bare set-based statement.

Builds a SQLite file and a PostgreSQL database per size with the real migrations (100,000 and
1,000,000 open stages, 1 % due; :mod:`bench.databases`), then for each run puts the due set back
(:meth:`BenchDatabase.reset`) before every measure:

- ``in_process``: ``sweep_in_batches(db.engine, now)`` in a warm process, its pooled connection
  open (what the scheduler of ``mediation serve`` does): batches of 1,000 due stages, each its own
  transaction, commits included;
- ``two_sweeps`` (PostgreSQL): two ``sweep_in_batches`` at once on two connections, in two
  threads, until both are done — what two cron sweeps or two servers do (they share the due
  stages through ``SKIP LOCKED``), and what the sweep's own worker threads did before issue 9;
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

The median of the runs is reported and every run's times are kept. After the runs, one more
in-process sweep (not timed) records the plans of its reads (EXPLAIN) and the time of each
statement and commit; on the first SQLite database, :mod:`bench.imports` measures the
process's start-up and imports.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import sqlalchemy as sa

from bench import blocks
from bench import data
from bench import databases
from bench import floor
from bench import imports as imports_bench
from bench import options
from bench import sweep_report
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

MEASURES = ('in_process', 'two_sweeps', 'process', 'baseline', 'same_writes', 'nothing_due', 'process_nothing_due')
KINDS = options.KINDS


# --------------------------------------------------------------------------- the suite

def add_arguments(parser):
    parser.add_argument('--sizes', type=options.sizes(data.DUE_EVERY), default=[100_000, 1_000_000],
                        help='open stages per database, comma-separated (default: 100000,1000000)')
    parser.add_argument('--db', type=options.kinds, default=list(KINDS),
                        help='sqlite, postgresql or both, comma-separated (default: both)')
    parser.add_argument('--runs', type=options.positive_int, default=5, help='runs per measure; the median is reported')
    parser.add_argument('--pg-url', default=os.environ.get('BENCH_PG_URL', databases.DEFAULT_PG_URL),
                        help='PostgreSQL maintenance database URL; the user must be allowed to create and drop '
                             'databases (default: %(default)s or $BENCH_PG_URL)')
    parser.add_argument('--workdir', default=None, help='where the SQLite files go (default: a temporary folder)')
    parser.add_argument('--keep', action='store_true', help='keep the databases afterwards')


def run(args, previous) -> str:
    """Build each database, time the sweep on it, and return the Markdown of the suite's block."""
    started_at = time.strftime('%Y-%m-%d %H:%M')
    started = time.perf_counter()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix='mediation-bench-'))
    workdir.mkdir(parents=True, exist_ok=True)
    # The app must not write into the project's instance folder or pick up its config (put back
    # afterwards: other suites run in this process).
    instance_path = os.environ.get('MEDIATION_INSTANCE_PATH')
    os.environ['MEDIATION_INSTANCE_PATH'] = str(workdir)
    results, import_report, pg_version = [], None, None
    load = [os.getloadavg()[0]]
    log(f'sweep: sizes {", ".join(f"{size:,}" for size in args.sizes)}; databases {", ".join(args.db)}; '
        f'{args.runs} runs each; work folder {workdir}')
    try:
        for size in args.sizes:
            for kind in args.db:
                database = databases.BenchDatabase(kind, size, workdir, args.pg_url)
                log(f'{database.label}: building')
                database.build()
                try:
                    if kind == 'postgresql':
                        pg_version = database.versions().split()[-1]
                    if import_report is None and kind == 'sqlite':
                        log('measuring start-up and imports of `mediation sweep`')
                        import_report = imports_bench.measure(database)
                        log(f'start-up: python {import_report.wall["python"] * 1000:.0f} ms, `sweep --help` '
                            f'{import_report.wall["sweep_help"] * 1000:.0f} ms; document stack imported: '
                            f'{", ".join(import_report.heavy_found) or "none"}')
                    results.append(measure(database, args.runs))
                finally:
                    if not args.keep:
                        database.drop()
        if import_report is None and results:
            log('no SQLite database in this run: import trace skipped')
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        if instance_path is None:
            os.environ.pop('MEDIATION_INSTANCE_PATH', None)
        else:
            os.environ['MEDIATION_INSTANCE_PATH'] = instance_path
    elapsed = time.perf_counter() - started
    load.append(os.getloadavg()[0])
    log(f'load average (1 min) at the start {load[0]:.2f}, at the end {load[1]:.2f}')
    for result in results:
        log(f'{result.kind} {result.size:,}: in-process {result.median("in_process") * 1000:.0f} ms, '
            f'process {result.median("process") * 1000:.0f} ms, baseline {result.median("baseline") * 1000:.0f} ms '
            f'({result.median("in_process") / result.median("baseline"):.2f}×), '
            f'nothing due {result.median("nothing_due") * 1000:.1f} ms')
    machine = dict(blocks.machine_info(), postgresql=pg_version, load=load)
    return sweep_report.render(previous, results, import_report, machine, args.runs, started_at, elapsed)


# --------------------------------------------------------------------------- one database

@dataclass
class Result:
    kind: str
    size: int
    due: int
    runs: dict = field(default_factory=lambda: {name: [] for name in MEASURES})
    build_seconds: dict = field(default_factory=dict)
    summary: str = ''
    plan: list = field(default_factory=list)
    #: one more in-process sweep, statement by statement (:func:`_timed_statements`)
    statements: dict = field(default_factory=dict)

    def median(self, name):
        values = self.runs[name]
        return statistics.median(values) if values else None


def sweep_now():
    from mediation.services.sweep import parse_now
    return parse_now(data.SWEEP_NOW_TEXT), parse_now(data.NOTHING_DUE_NOW_TEXT)


def measure(database, runs: int) -> Result:
    result = Result(database.kind, database.size, database.due, build_seconds=dict(database.build_seconds))
    app = database.make_app()
    from mediation.cli import sweep_in_batches
    from mediation.extensions import db
    now, quiet_now = sweep_now()
    with app.app_context():
        sweep_in_batches(db.engine, quiet_now)  # warm the calendar cache and the statement cache
    for run in range(1, runs + 1):
        database.reset()
        with app.app_context():
            _connect(db, quiet_now)
            started = time.perf_counter()
            report = sweep_in_batches(db.engine, now)
            elapsed = time.perf_counter() - started
        _check_swept(database, report)
        result.summary = report.summary()
        result.runs['in_process'].append(elapsed)

        if database.kind == 'postgresql':
            database.reset()
            with app.app_context():
                _connect(db, quiet_now, count=2)
                elapsed, reports = _at_once(db.engine, now, 2)
            examined = sum(report.examined for report in reports)
            escalated = sum(report.escalated.get('refer_up', 0) for report in reports)
            _check(examined == escalated == database.due, f'two sweeps escalated {escalated} of {examined}')
            result.runs['two_sweeps'].append(elapsed)

        database.reset()
        elapsed, output = _process(database, data.SWEEP_NOW_TEXT)
        _check(f'检查 {database.due} 个阶段' in output, f'process sweep: {output!r}')
        result.runs['process'].append(elapsed)

        database.reset()
        with app.app_context():
            _connect(db)
            elapsed, changed = _baseline(db, now)
        _check(changed == database.due, f'baseline escalated {changed}, not {database.due}')
        result.runs['baseline'].append(elapsed)

        database.reset()
        with app.app_context():
            _connect(db)
            elapsed = floor.run(db, now)
        written = [database.count(f'SELECT count(*) FROM {table}') for table in ('event', 'notice', 'stage')]
        _check(written == [database.due, 0, database.size + database.due], f"same-writes SQL wrote {written}")
        result.runs['same_writes'].append(elapsed)

        database.reset()
        with app.app_context():
            _connect(db)
            started = time.perf_counter()
            report = sweep_in_batches(db.engine, quiet_now)
            elapsed = time.perf_counter() - started
        _check(report.examined == 0, f'nothing-due sweep found {report.examined}')
        result.runs['nothing_due'].append(elapsed)

        elapsed, output = _process(database, data.NOTHING_DUE_NOW_TEXT)
        _check('检查 0 个阶段' in output, f'nothing-due process: {output!r}')
        result.runs['process_nothing_due'].append(elapsed)
        log(f'{database.label} run {run}/{runs}: ' + ', '.join(
            f'{name} {result.runs[name][-1] * 1000:.0f} ms' for name in MEASURES if result.runs[name]))

    # One more sweep, not timed as a whole: its reads for EXPLAIN, and each statement's time.
    database.reset()
    captured = []
    with app.app_context():
        _connect(db, quiet_now)
        with _timed_statements(db.engine) as timings, _capturing(captured):
            report = sweep_in_batches(db.engine, now)
    _check_swept(database, report)
    result.statements = timings
    database.reset()
    with app.app_context():
        result.plan = _plans(db, captured)
    database.dispose()
    return result


def _check_swept(database, report):
    _check(report.examined == database.due and report.escalated.get('refer_up') == database.due,
           f'in-process sweep did not escalate {database.due}: {report.summary()}')
    _check(database.count('SELECT count(*) FROM event WHERE claim_key IS NOT NULL') == database.due, 'claims missing')


def _connect(db, quiet_now=None, count=1):
    """Open ``count`` pooled connections before the clock starts, as a warm process has them
    (with ``quiet_now``, each has swept once with nothing due, as the scheduler's has)."""
    from mediation.services.sweep import sweep
    connections = [db.engine.connect() for _ in range(count)]
    for conn in connections:
        if quiet_now:
            sweep(conn, quiet_now)
            conn.rollback()
        else:
            conn.exec_driver_sql('SELECT 1')
        conn.close()


def _at_once(engine, now, count):
    """``count`` whole sweeps started together in threads; the seconds until the last ends, their reports."""
    from mediation.cli import sweep_in_batches
    barrier = threading.Barrier(count + 1)
    reports, errors = [None] * count, []

    def sweep(index):
        barrier.wait()
        try:
            reports[index] = sweep_in_batches(engine, now)
        except Exception as error:  # reported below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=sweep, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed, reports


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


# --------------------------------------------------------------------------- what the time is made of

_VERB = re.compile(r'^(INSERT INTO|UPDATE|DELETE FROM|SELECT|BEGIN|SAVEPOINT|RELEASE)\b\s*(\w*)', re.I)
_FROM = re.compile(r'\bFROM\s+(\w+)', re.I)


def statement_label(statement: str) -> str:
    """'INSERT INTO event', 'UPDATE stage', 'SELECT … FROM stage FOR NO KEY UPDATE …', …"""
    text = ' '.join(statement.split())
    match = _VERB.match(text)
    if not match:
        return text.split(' ', 1)[0].upper()
    verb = match.group(1).upper()
    if verb in ('INSERT INTO', 'UPDATE', 'DELETE FROM'):
        return f'{verb} {match.group(2)}'
    if verb != 'SELECT':
        return verb
    # The FROM of the statement itself, not of a subquery in its columns.
    table = next((found.group(1) for found in _FROM.finditer(text)
                  if text.count('(', 0, found.start()) == text.count(')', 0, found.start())), None)
    if table is None:
        return text[:40]
    lock = re.search(r'FOR (NO KEY )?UPDATE( OF \w+)?( SKIP LOCKED)?', text)
    return f'SELECT … FROM {table}' + (' ' + lock.group(0) if lock else '')


@contextmanager
def _timed_statements(engine):
    """Time every statement and commit on ``engine`` while the block runs; fills the dict it yields.

    ``{'wall': s, 'commits': [n, s], 'statements': [[label, n, s], …]}`` in first-seen order.
    """
    into = {}
    totals, starts = {}, {}
    commits = [0, 0.0]

    def before(conn, cursor, statement, parameters, context, executemany):
        starts[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - starts.pop(id(cursor))
        label = statement_label(statement)
        count, total = totals.get(label, (0, 0.0))
        totals[label] = (count + 1, total + seconds)

    dialect = engine.dialect
    do_commit = dialect.do_commit

    def timed_commit(dbapi_connection):
        started = time.perf_counter()
        do_commit(dbapi_connection)
        commits[0] += 1
        commits[1] += time.perf_counter() - started

    sa.event.listen(engine, 'before_cursor_execute', before)
    sa.event.listen(engine, 'after_cursor_execute', after)
    dialect.do_commit = timed_commit
    started = time.perf_counter()
    try:
        yield into
    finally:
        into['wall'] = time.perf_counter() - started
        del dialect.do_commit  # the class's method again
        sa.event.remove(engine, 'before_cursor_execute', before)
        sa.event.remove(engine, 'after_cursor_execute', after)
        into['commits'] = commits
        into['statements'] = [[label, count, seconds] for label, (count, seconds) in totals.items()]


@contextmanager
def _capturing(into):
    """Record the sweep's reading queries (SELECTs from stage or dispute_case) into ``into``."""
    def listener(conn, cursor, statement, parameters, context, executemany):
        reads = 'FROM stage' in statement or 'FROM dispute_case' in statement
        if statement.lstrip().upper().startswith('SELECT') and reads:
            into.append((statement, parameters))
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
