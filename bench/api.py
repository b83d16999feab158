"""The API's case list (GET /api/v1/cases) under gunicorn and wrk, beside a bare Flask + SQLAlchemy endpoint.

The databases are the pages suite's (:mod:`bench.pages_data`, :mod:`bench.pages_db`: the real
migrations, the demo's cases cloned to 10,000 or 1,000,000), built under names of this suite's
own. On each database, one after another, with the same server settings (``gunicorn -w 2``
sync workers on 127.0.0.1; ``wrk -t2 -c8 -dNs --latency`` after an unmeasured warm-up), with a
bearer token of the district officer, who sees every case:

- ``bare``: ``bench.bare_api`` — the 50 newest cases with their category, current stage and
  parties, three plain queries and ``jsonify`` — measured first and again last (the mean is what
  the first page is compared with);
- ``first``: ``/api/v1/cases?limit=50``; ``deep``: its 1,000th page, by the cursor the API's own
  ``next_cursor`` would carry there;
- ``filtered_first`` and ``filtered_deep``: ``?state=closed&category=<婚姻家庭纠纷>`` (a stage
  filter and a case filter), first page and the 1,000th.

Where a list has fewer pages (10,000 cases) the deep page is the last but one: the last page of
a filtered list reads on to the end of the index to find that nothing follows, a cost the
thousandth page of a million cases does not have.

Before the load each URL is checked once in-process (the rows it must return: the bare
endpoint's ids equal the API's first page, the deep page starts where it must). Targets: the deep
page's mean latency within 1.5× of the first page's; the first page's within 2× of the bare
endpoint's. ``--quick``: 10,000 cases, 3 s of wrk per page.
"""
import json
import os
import shutil
import signal
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import blocks
from bench import databases
from bench import options
from bench import pages_data
from bench import pages_db
from bench import pages_http
from bench.databases import log

KINDS = options.KINDS
PAGES = ('first', 'deep', 'filtered_first', 'filtered_deep')
DEEP_PAGE = 1000
PER_PAGE = 50
WARM_UP = 2
DEEP_RATIO = 1.5
BARE_RATIO = 2.0


def add_arguments(parser):
    options.add_served_database_arguments(parser, databases.DEFAULT_PG_URL, 'URL')
    parser.add_argument('--quick', action='store_true', help='10,000 cases only and 3 s of wrk per URL')
    parser.add_argument('--pages-databases', action='store_true',
                        help='use the pages suite\'s databases (same data) instead of this suite\'s own: with '
                             '--workdir, --keep and --reuse of a kept pages run, no second build')


class ApiDatabase(pages_db.PagesDatabase):
    """A pages database under this suite's own names (the pages suite may be running beside it)."""

    def __init__(self, kind, size, workdir, pg_url=databases.DEFAULT_PG_URL):
        super().__init__(kind, size, workdir, pg_url)
        self.instance = self.workdir / f'api-{kind}-{size}'
        if kind == 'sqlite':
            self.path = self.instance / 'mediation.sqlite3'
            self.url = f'sqlite:///{self.path}'
        else:
            self.dbname = f'mediation_bench_api_{size}'
            self.url = self.admin_url.set(database=self.dbname).render_as_string(hide_password=False)


def run(args, previous) -> str:
    if args.quick:
        args.sizes, args.duration = [10_000], min(args.duration, 3)
    started_at, started = time.strftime('%Y-%m-%d %H:%M'), time.perf_counter()
    if args.reuse and not (args.workdir and args.keep):
        raise SystemExit('--reuse needs --workdir and --keep')
    if not os.access(pages_http.WRK, os.X_OK):
        raise SystemExit(f'api: wrk is missing at {pages_http.WRK} (`make install-bench`)')
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix='mediation-bench-api-'))
    workdir.mkdir(parents=True, exist_ok=True)
    instance_path = os.environ.get('MEDIATION_INSTANCE_PATH')
    os.environ['MEDIATION_INSTANCE_PATH'] = str(workdir)
    log(f'api: sizes {", ".join(f"{size:,}" for size in args.sizes)}; databases {", ".join(args.db)}; '
        f'wrk {args.duration:g} s per URL; work folder {workdir}')
    results = []
    previous_handler = signal.signal(signal.SIGTERM, _stop)
    try:
        templates = pages_data.Templates(pages_data.build_templates(workdir / 'templates'))
        for size in args.sizes:
            kind_of = pages_db.PagesDatabase if args.pages_databases else ApiDatabase
            found = [kind_of(kind, size, workdir, args.pg_url) for kind in args.db]
            missing = [database for database in found if not (args.reuse and database.found())]
            try:
                if missing:
                    log(f'api {size:,}: building {", ".join(database.kind for database in missing)}')
                    pages_db.build(missing, templates)
                for database in found:
                    results.append(measure(database, args, workdir))
            finally:
                if not args.keep:
                    for database in found:
                        database.drop()
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        if instance_path is None:
            os.environ.pop('MEDIATION_INSTANCE_PATH', None)
        else:
            os.environ['MEDIATION_INSTANCE_PATH'] = instance_path
    return render(previous, results, args, started_at, time.perf_counter() - started)


def _stop(signum, frame):
    raise SystemExit(f'api: stopped by signal {signum}')


# --------------------------------------------------------------------------- one database

def measure(database, args, workdir) -> dict:
    label = f'{database.kind} {database.size:,}'
    result = {'kind': database.kind, 'size': database.size, 'measured_on': time.strftime('%Y-%m-%d %H:%M'),
              'load': [os.getloadavg()[0]], 'pages': {}}
    app = database.make_app()
    try:
        token, paths, expected = _prepare(app, database)
        result['paths'] = paths
        result['deep_page'] = expected['deep_page']
        result['filtered_deep_page'] = expected['filtered_deep_page']
        _check_inprocess(app, token, paths, expected)
    finally:
        database.dispose()
    logs = Path(workdir) / f'gunicorn-api-{database.kind}-{database.size}.log'
    env = dict(database.env, MEDIATION_API_RATE_LIMIT='100000000 per minute')
    with pages_http.Server('bench.bare_api:create_app()', env, logs) as server:
        result['pages']['bare'] = _load(server.base + '/cases', {}, args.duration, expected['first_ids'])
    with pages_http.Server('mediation:create_app()', env, logs) as server:
        headers = {'Authorization': f'Bearer {token}'}
        for name in PAGES:
            result['pages'][name] = _load(server.base + paths[name], headers, args.duration,
                                          expected.get(f'{name}_ids'))
    with pages_http.Server('bench.bare_api:create_app()', env, logs) as server:
        result['pages']['bare_again'] = _load(server.base + '/cases', {}, args.duration, expected['first_ids'])
    result['load'].append(os.getloadavg()[0])
    pages = result['pages']
    bare = statistics.mean([pages['bare']['latency']['mean'], pages['bare_again']['latency']['mean']])
    result['bare_mean'] = bare
    log(f'api {label}: bare {bare * 1000:.1f} ms; ' + ', '.join(
        f'{name} {pages[name]["latency"]["mean"] * 1000:.1f} ms ({pages[name]["rps"]:,.0f} req/s)' for name in PAGES))
    return result


def _prepare(app, database):
    """A token of the district officer, the URL of each page, and the ids each must return."""
    import sqlalchemy as sa

    from mediation.api import views
    from mediation.chinatime import today_in_china
    from mediation.extensions import db
    from mediation.models import Category
    from mediation.models import User
    from mediation.services import case_queries
    from mediation.services.tokens import create_token
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == pages_data.DISTRICT_USER))
        token = create_token(user.username, 'bench-api')
        db.session.commit()
        category = db.session.scalar(sa.select(Category.id).where(Category.code == 'HY'))
        today = today_in_china()
        paths, expected = {'first': f'/api/v1/cases?limit={PER_PAGE}'}, {}
        filtered_query = f'state=closed&category={category}'
        paths['filtered_first'] = f'/api/v1/cases?limit={PER_PAGE}&{filtered_query}'
        for name, filters in (('', case_queries.CaseFilters()),
                              ('filtered_', case_queries.CaseFilters(state='closed', category_id=category))):
            order = case_queries.list_order(user, filters)
            query, keys = case_queries._keyed_query(user, filters, today)  # the list's own keyed query
            ordered = query.order_by(*[key.desc() for key in keys])
            total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
            deep = max(1, min(DEEP_PAGE, (total + PER_PAGE - 1) // PER_PAGE - 1))
            expected[f'{name}deep_page'] = deep
            first = db.session.execute(ordered.limit(PER_PAGE)).all()
            expected[f'{name}first_ids'] = [tuple(row)[-1] for row in first]
            if deep > 1:
                before = db.session.execute(ordered.offset((deep - 1) * PER_PAGE - 1).limit(1)).one()
                rows = db.session.execute(ordered.offset((deep - 1) * PER_PAGE).limit(PER_PAGE)).all()
                cursor = views._cursor(order, tuple(before)[:len(keys)])
                paths[f'{name}deep'] = f'/api/v1/cases?limit={PER_PAGE}&cursor={cursor}' + (
                    f'&{filtered_query}' if name else '')
                expected[f'{name}deep_ids'] = [tuple(row)[-1] for row in rows]
            else:
                paths[f'{name}deep'] = paths[f'{name}first']
                expected[f'{name}deep_ids'] = expected[f'{name}first_ids']
        db.session.rollback()
    return token, paths, expected


def _check_inprocess(app, token, paths, expected):
    client = app.test_client()
    for name in PAGES:
        response = client.get(paths[name], headers={'Authorization': f'Bearer {token}'})
        if response.status_code != 200:
            raise RuntimeError(f'{paths[name]}: {response.status_code} {response.get_data(as_text=True)[:300]}')
        ids = [row['id'] for row in response.get_json()['cases']]
        if ids != expected[f'{name}_ids']:
            raise RuntimeError(f'{paths[name]}: rows {ids[:5]}…, expected {expected[f"{name}_ids"][:5]}…')


def _fetch_ids(url, headers):
    request = urllib.request.Request(url, headers={**headers, 'User-Agent': pages_http.USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f'{url}: {error.code} {error.read()[:300]!r}') from None
    return [row['id'] for row in json.loads(body)['cases']], len(body)


def _load(url, headers, duration, ids) -> dict:
    """wrk on ``url`` after a warm-up; the URL must answer with ``ids`` and every response be as long."""
    found_ids, page_bytes = _fetch_ids(url, headers)
    if ids is not None and found_ids != ids:
        raise RuntimeError(f'{url}: rows {found_ids[:5]}…, expected {ids[:5]}…')
    pages_http.wrk(url, '', WARM_UP, headers)
    found = pages_http.wrk(url, '', duration, headers)
    if found['failed']:
        raise RuntimeError(f'{url}: {found["errors"]} errors under wrk')
    if not found['requests'] or found['bytes'] / found['requests'] < page_bytes:
        raise RuntimeError(f'{url}: some responses were not the page')
    return dict(found, rows=len(found_ids), page_bytes=page_bytes)


# --------------------------------------------------------------------------- the block

def render(previous, results, args, started_at, elapsed) -> str:
    """The Markdown block; rows of sizes and databases not measured this time are kept from ``previous``."""
    kept = {(row['kind'], row['size']): row for row in previous.get('results', [])}
    for row in results:
        kept[(row['kind'], row['size'])] = row
    rows = [kept[key] for key in sorted(kept, key=lambda key: (key[1], key[0]))]
    lines = [f'### API case list (`python -m bench api`), last run {started_at}', '',
             f'gunicorn -w 2 (sync), wrk -t{pages_http.WRK_THREADS} -c{pages_http.WRK_CONNECTIONS}, '
             f'{args.duration:g} s per URL; a district officer\'s token (every case); 50 rows a page. '
             'Mean latency per request; the bare endpoint (`bench/bare_api.py`: the same 50 rows, three '
             'plain queries, `jsonify`) measured before and after the app.', '',
             '| database | cases | bare | first page | page 1,000 | filtered first | filtered deep '
             '| deep ÷ first | first ÷ bare | filtered deep ÷ first |',
             '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    for row in rows:
        pages = row['pages']
        mean = {name: pages[name]['latency']['mean'] for name in PAGES}
        bare = row['bare_mean']
        deep_ratio, bare_ratio = mean['deep'] / mean['first'], mean['first'] / bare
        filtered_ratio = mean['filtered_deep'] / mean['filtered_first']
        lines.append(
            f'| {row["kind"]} | {row["size"]:,} | {blocks.ms(bare)} | {blocks.ms(mean["first"])} '
            f'| {blocks.ms(mean["deep"])} (page {row["deep_page"]:,}) | {blocks.ms(mean["filtered_first"])} '
            f'| {blocks.ms(mean["filtered_deep"])} (page {row["filtered_deep_page"]:,}) '
            f'| {deep_ratio:.2f} {blocks.verdict(deep_ratio <= DEEP_RATIO)} '
            f'| {bare_ratio:.2f} {blocks.verdict(bare_ratio <= BARE_RATIO)} '
            f'| {filtered_ratio:.2f} {blocks.verdict(filtered_ratio <= DEEP_RATIO)} |')
    lines += ['', f'Targets: deep ÷ first ≤ {DEEP_RATIO} (cursor pages cost the same at any depth), first ÷ bare ≤ '
              f'{BARE_RATIO}. Load average (1 min) before/after each database: '
              + '; '.join(f'{row["kind"]} {row["size"]:,}: {row["load"][0]:.2f}/{row["load"][-1]:.2f}'
                          for row in rows) + f'. This run took {elapsed / 60:.1f} min.', '']
    machine = blocks.machine_info()
    lines.append(f'Machine: {machine["cores"]} cores, {machine["cpu"]}, {machine["memory"]}, {machine["system"]}, '
                 f'Python {machine["python"]}, SQLite {machine["sqlite"]}.')
    lines.append('')
    lines.append(blocks.data_comment({'results': rows}))
    return '\n'.join(lines)
