"""Statistics: one year's figures of a district and of a province (``services.statistics``).

A synthetic province: a root node (the province; an organisation of kind district, whose
subtree holds everything) with ``--districts`` districts, each with towns and villages. N cases
spread evenly over ``--years`` years (the measured year is the last), each with a village stage
and the stages its outcome leads to:

- 6 in 10 agreed at the village (a written or an oral agreement);
- 1 in 10 referred up: half agree at the town, half go on to the district and agree there;
- 1 in 10 withdrawn (with its ``withdraw`` event), 1 in 10 terminated, 1 in 10 still open.

Measured, each the median of ``--runs`` runs of ``statistics.figures`` in process (every figure
of the page: the totals, the levels, committees, categories, source groups, months, the ladder,
days to outcome, due soon and overdue now): the province's year, and one district's year.
Every case of the province is one of N, so the province-year reads N / years cases' stages; the
years before it are what the indexes must leave unread (the time must stay flat in the number
of years stored).
"""
import os
import shutil
import statistics as stats_module
import tempfile
import time
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from bench import blocks
from bench import databases
from bench import options
from bench.databases import log

KINDS = options.KINDS
YEAR = 2026

ORG_COLUMNS = ('id', 'kind', 'name', 'committee_name', 'short_name', 'code', 'parent_id', 'path', 'active')
CASE_COLUMNS = ('id', 'matter_code', 'title', 'category_id', 'source', 'facts', 'requests', 'place', 'amount',
                'people_involved', 'mzx_risk', 'group_dispute', 'petition_risk', 'major_difficult', 'cross_area',
                'abnormal_death', 'minor_involved', 'risk_level', 'deadline_profile', 'intake_committee_id',
                'created_by_id', 'created_at', 'records_disclosed_to_court')
STAGE_COLUMNS = ('id', 'case_id', 'committee_id', 'level', 'kind', 'state', 'previous_stage_id', 'received_at',
                 'accepted_at', 'number_year', 'number_serial', 'number_prefix', 'clock', 'deadline_rule', 'due_on',
                 'due_soon_on', 'due_provisional', 'agreement_effective_at', 'outcome', 'ended_at', 'version')
EVENT_COLUMNS = ('id', 'case_id', 'stage_id', 'at', 'kind', 'from_state', 'to_state', 'reason', 'data')
_SOURCES = ('party_application', 'committee_initiative', 'grid_report', 'sweep', 'hotline', 'court_delegated')


def add_arguments(parser):
    parser.add_argument('--sizes', type=options.sizes(100), default=[10_000, 100_000, 1_000_000],
                        help='cases per database, comma-separated (default: 10000,100000,1000000)')
    parser.add_argument('--years', type=int, default=3, help='years the cases are spread over (default: 3)')
    parser.add_argument('--districts', type=int, default=10, help='districts in the province (default: 10)')
    parser.add_argument('--db', type=options.kinds, default=list(KINDS),
                        help='sqlite, postgresql or both, comma-separated (default: both)')
    parser.add_argument('--runs', type=int, default=5, help='runs per measure; the median is reported')
    parser.add_argument('--pg-url', default=os.environ.get('BENCH_PG_URL', databases.DEFAULT_PG_URL),
                        help='PostgreSQL maintenance database URL (default: %(default)s or $BENCH_PG_URL)')
    parser.add_argument('--workdir', default=None, help='where the SQLite files go (default: a temporary folder)')
    parser.add_argument('--keep', action='store_true', help='keep the databases afterwards')


# --------------------------------------------------------------------------- the synthetic province

def org_rows(districts: int, towns: int = 10, villages: int = 20) -> list[tuple]:
    """The province (id 1), its districts, their towns and villages, as organisation rows."""
    rows = [(1, 'district', '基准省', '基准省矛盾纠纷调解中心', '基准省', 'P000001', None, '/1/', True)]
    next_id = 2
    for d in range(districts):
        district_id, district_path = next_id, f'/1/{next_id}/'
        rows.append((district_id, 'district', f'第{d + 1}区', f'第{d + 1}区矛盾纠纷调解中心', f'区{d + 1}',
                     f'P{district_id:06d}', 1, district_path, True))
        next_id += 1
        for t in range(towns):
            town_id, town_path = next_id, f'{district_path}{next_id}/'
            rows.append((town_id, 'town', f'区{d + 1}镇{t + 1}', f'区{d + 1}镇{t + 1}人民调解委员会', f'区{d + 1}镇{t + 1}',
                         f'P{town_id:06d}', district_id, town_path, True))
            next_id += 1
            for v in range(villages):
                rows.append((next_id, 'village', f'区{d + 1}镇{t + 1}村{v + 1}', f'区{d + 1}镇{t + 1}村{v + 1}人民调解委员会',
                             f'区{d + 1}镇{t + 1}村{v + 1}', f'P{next_id:06d}', town_id, f'{town_path}{next_id}/', True))
                next_id += 1
    return rows


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=8)


def data_rows(size: int, years: int, orgs: list[tuple], category_ids: list[int]):
    """(cases, stages, events) for ``size`` cases over ``years`` years ending with YEAR."""
    villages = [row for row in orgs if row[1] == 'village']
    by_id = {row[0]: row for row in orgs}
    first_day = date(YEAR - years + 1, 1, 1)
    span = (date(YEAR, 12, 31) - first_day).days + 1
    serials = {}
    stage_id = event_id = 0
    cases, stages, events = [], [], []

    def stage(case_id, org, level, accepted, state, previous=None, agreed=None, ended=None, open_=False):
        nonlocal stage_id
        stage_id += 1
        key = (org[0], accepted.year)
        serials[key] = serials.get(key, 0) + 1
        due = accepted + timedelta(days=30)
        stages.append((stage_id, case_id, org[0], level, 'people', state, previous, _at(accepted, 8),
                       _at(accepted, 9), accepted.year, serials[key], org[4], 'mediation' if open_ else None,
                       f'mediation.{level}' if open_ else None, due if open_ else None,
                       due - timedelta(days=7) if open_ else None, False, agreed, '调解结束' if ended else None, ended,
                       1))
        return stage_id

    for i in range(size):
        case_id = i + 1
        day = first_day + timedelta(days=(i * span) // size)
        village = villages[(i * 7919) % len(villages)]
        town = by_id[village[6]]
        district = by_id[town[6]]
        outcome = i % 10
        cases.append((case_id, f'S{case_id:012d}', f'基准纠纷{case_id}', category_ids[i % len(category_ids)],
                      _SOURCES[i % len(_SOURCES)], '', '', '', (i % 50) * 100 if outcome < 6 else None,
                      2 + i % 30, i % 97 == 0, i % 89 == 0, i % 89 == 0, False, False, False, False, None,
                      'statutory', village[0], None, _at(day, 8), False))
        if outcome < 6:
            agreed = _at(day + timedelta(days=1 + i % 25), 15)
            stage(case_id, village, 'village', day, 'closed' if day.year < YEAR else 'agreed', agreed=agreed,
                  ended=agreed)
        elif outcome == 6:
            referred = day + timedelta(days=10)
            first = stage(case_id, village, 'village', day, 'referred_up', ended=_at(referred, 10))
            if i % 20 == 6:
                agreed = _at(referred + timedelta(days=12), 15)
                stage(case_id, town, 'town', referred + timedelta(days=2), 'agreed', previous=first, agreed=agreed,
                      ended=agreed)
            else:
                second = stage(case_id, town, 'town', referred + timedelta(days=2), 'referred_up', previous=first,
                               ended=_at(referred + timedelta(days=20), 10))
                agreed = _at(referred + timedelta(days=40), 15)
                stage(case_id, district, 'district', referred + timedelta(days=23), 'agreed', previous=second,
                      agreed=agreed, ended=agreed)
        elif outcome == 7:
            ended = _at(day + timedelta(days=3), 11)
            withdrawn = stage(case_id, village, 'village', day, 'withdrawn', ended=ended)
            event_id += 1
            events.append((event_id, case_id, withdrawn, ended, 'withdraw', 'mediating', 'withdrawn', '撤回', '{}'))
        elif outcome == 8:
            stage(case_id, village, 'village', day, 'terminated', ended=_at(day + timedelta(days=20), 11))
        else:
            stage(case_id, village, 'village', day, 'mediating', open_=True)
    return cases, stages, events


class StatisticsDatabase(databases.BenchDatabase):
    """A benchmark database holding the synthetic province instead of the sweep's district."""

    def __init__(self, kind, size, workdir, pg_url, years, districts):
        super().__init__(kind, size, workdir, pg_url)
        self.years, self.districts = years, districts
        if kind == 'postgresql':
            self.dbname = f'mediation_bench_statistics_{size}'
            self.pristine = f'{self.dbname}_pristine'
            self.url = self.admin_url.set(database=self.dbname).render_as_string(hide_password=False)

    def _rows(self, fetch):
        categories = [row[0] for row in fetch('SELECT id FROM category ORDER BY id')]
        orgs = org_rows(self.districts)
        return orgs, *data_rows(self.size, self.years, orgs, categories)

    def _load_sqlite(self):
        import sqlite3
        con = sqlite3.connect(self.path, isolation_level=None)
        try:
            con.execute('PRAGMA journal_mode = DELETE')
            con.execute('PRAGMA synchronous = OFF')
            orgs, cases, stages, events = self._rows(lambda sql: con.execute(sql).fetchall())
            con.execute('BEGIN')
            for table, columns, rows in (('organisation', ORG_COLUMNS, orgs), ('dispute_case', CASE_COLUMNS, cases),
                                         ('stage', STAGE_COLUMNS, stages), ('event', EVENT_COLUMNS, events)):
                con.executemany(f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})',
                                [[_sqlite_value(value) for value in row] for row in rows])
            con.execute('COMMIT')
            con.execute('ANALYZE')
            con.execute('PRAGMA journal_mode = WAL')
        finally:
            con.close()

    def _load_postgresql(self):
        with self._pg() as conn:
            orgs, cases, stages, events = self._rows(lambda sql: conn.execute(sql).fetchall())
            with conn.cursor() as cur:
                for table, columns, rows in (('organisation', ORG_COLUMNS, orgs),
                                             ('dispute_case', CASE_COLUMNS, cases),
                                             ('stage', STAGE_COLUMNS, stages), ('event', EVENT_COLUMNS, events)):
                    with cur.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
            conn.commit()
        with self._pg(autocommit=True) as conn:
            conn.execute('VACUUM (ANALYZE) organisation, dispute_case, stage, event')


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.strftime('%Y-%m-%d %H:%M:%S.%f')
    if isinstance(value, date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- measuring

def measure(database, runs: int) -> dict:
    """Median seconds of the province's year and of one district's year, and their figures."""
    from mediation.extensions import db
    from mediation.models import User
    from mediation.services import accounts
    from mediation.services import statistics
    from workflows.enums import Role
    app = database.make_app()
    result = {'kind': database.kind, 'size': database.size, 'years': database.years}
    with app.app_context():
        province = db.session.get(databases_org(), 1)
        user = accounts.create_user(username='bench-stats', display_name='bench', password='bench-password-1',
                                    role=Role.DISTRICT_OFFICER, organisation=province)
        db.session.commit()
        user = db.session.get(User, user.id)
        start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
        for name, code in (('province', None), ('district', 'P000002')):
            times = []
            for _ in range(runs):
                db.session.expire_all()
                began = time.perf_counter()
                figures = statistics.figures(user, start, end, code, today=date(YEAR, 12, 1))
                times.append(time.perf_counter() - began)
                db.session.rollback()
            result[name] = stats_module.median(times)
            result[name + '_accepted'] = figures.totals['accepted'].value
            log(f'{database.label}: {name} year {result[name] * 1000:.0f} ms '
                f'({figures.totals["accepted"].value:,} stages accepted, '
                f'{figures.totals["agreed"].value:,} agreed, ladder {figures.as_json()["ladder"]})')
        result['floor'] = _floor(db, start, end, runs)
        log(f'{database.label}: one bare pass over the year {result["floor"] * 1000:.0f} ms')
        _check(result, database)
    database.dispose()
    return result


def _floor(db, start, end, runs) -> float:
    """The least any set-based answer reads: ONE grouped pass over the year's stages and their cases
    (count and amount by category and source), where the page needs several (totals and
    breakdowns, committees, months, the ladder, days to outcome)."""
    import sqlalchemy as sa

    from mediation.models import Case
    from mediation.models import Stage
    from mediation.services.statistics import _midnight
    query = (sa.select(Case.category_id, Case.source, sa.func.count(), sa.func.sum(Case.amount))
             .select_from(Stage).join(Case, Case.id == Stage.case_id)
             .where(Stage.accepted_at >= _midnight(start), Stage.accepted_at < _midnight(end + timedelta(days=1)))
             .group_by(Case.category_id, Case.source))
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        db.session.execute(query).all()
        times.append(time.perf_counter() - began)
        db.session.rollback()
    return stats_module.median(times)


def databases_org():
    from mediation.models import Organisation
    return Organisation


def _check(result, database):
    """The figures are right for the data: a year holds size/years cases; a referred case is
    accepted at two or three levels."""
    cases = database.size // database.years
    accepted = result['province_accepted']
    if not cases * 0.95 <= accepted <= cases * 1.3:
        raise AssertionError(f'province-year accepted {accepted}, expected about {cases} cases\' stages')


def run(args, previous) -> str:
    started_at = time.strftime('%Y-%m-%d %H:%M')
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix='mediation-bench-statistics-'))
    workdir.mkdir(parents=True, exist_ok=True)
    instance_path = os.environ.get('MEDIATION_INSTANCE_PATH')
    os.environ['MEDIATION_INSTANCE_PATH'] = str(workdir)
    results, pg_version = [], None
    try:
        for size in args.sizes:
            for kind in args.db:
                database = StatisticsDatabase(kind, size, workdir, args.pg_url, args.years, args.districts)
                log(f'{database.label}: building the province')
                database.build()
                try:
                    if kind == 'postgresql':
                        pg_version = database.versions().split()[-1]
                    results.append(measure(database, args.runs))
                finally:
                    if not args.keep:
                        database.drop()
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        if instance_path is None:
            os.environ.pop('MEDIATION_INSTANCE_PATH', None)
        else:
            os.environ['MEDIATION_INSTANCE_PATH'] = instance_path
    return render(results, args, started_at, pg_version)


def render(results, args, started_at, pg_version) -> str:
    lines = [
        f'Run {started_at}: `python -m bench statistics --sizes {",".join(str(s) for s in args.sizes)} '
        f'--years {args.years} --districts {args.districts} --runs {args.runs}`; PostgreSQL {pg_version or "—"}. '
        f'Median of {args.runs} runs of `statistics.figures` (every figure of the page), in process.',
        '',
        '| database | cases (over years) | stages accepted in the year | province-year | one district\'s year '
        '| one bare grouped pass over the province-year (the floor) |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
    ]
    for r in results:
        lines.append(f'| {r["kind"]} | {r["size"]:,} ({r["years"]}) | {r["province_accepted"]:,} | '
                     f'{blocks.ms(r["province"])} | {blocks.ms(r["district"])} | '
                     f'{blocks.ms(r["floor"]) if "floor" in r else "—"} |')
    target = [r for r in results if r['kind'] == 'postgresql' and r['size'] >= 1_000_000]
    if target:
        lines += ['', f'Target ≤ 300 ms (PostgreSQL, province-year, 1,000,000 cases): '
                      f'{blocks.verdict(all(r["province"] <= 0.3 for r in target))}']
    return '\n'.join(lines) + '\n' + blocks.data_comment({'results': results}) + '\n'
