"""The case page and the case list under gunicorn and wrk, beside a bare Flask + SQLAlchemy page.

For each size (10,000 and 1,000,000 cases) it builds a SQLite file and a PostgreSQL database
with the real migrations and the demo's cases cloned (:mod:`bench.pages_data`,
:mod:`bench.pages_db`), then, on each database, one after another and with the same server
settings (``gunicorn -w 2`` sync workers on 127.0.0.1; ``wrk -t2 -c8 -d10s --latency``, after an
unmeasured 2-second warm-up of the same URL):

- ``bare``: ``bench.bare_app`` — one primary-key lookup and a 50-line template — measured first
  and again last; the mean of the two is the page every ratio divides by;
- ``case``: ``/cases/<id>`` of the typical case (3 parties, 2 stages, about a dozen events, some
  records: :mod:`bench.pages_data`), signed in as a district officer, who sees every case;
- ``list_first``: ``/cases/``, the list's first page (the whole jurisdiction, 50 rows);
- ``list_deep``: its 1,000th page (the 200th, the last, at 10,000 cases), by the cursor the
  app's own ``next`` link carries (``list_views._cursor`` of the key of the row before it);
- ``list_filtered``: ``/cases/?state=open&category_id=…``: the open cases of one category (婚姻家庭纠纷
  and its subcategories) — a state filter and a category filter;
- ``list_name``: ``/cases/?q=…``: a party's full name, found in ``SEARCH_CASES`` cases at every size;
- ``list_surname``: ``/cases/?q=王``: a surname alone (many thousands of cases; not a target).

In-process, through the test client on the same data (:mod:`bench.pages_inprocess`): the queries
per page (case pages with few and many parties, stages, events and records; the list at 10 and
50 rows), each page's time, a profile of the case page and of the list, and the plan of each list
page's query. The load average is recorded before and after each database's measures.

Each page is checked before its load (200, the text it must show, no new session cookie) and
after it (wrk saw no error and read at least the page's bytes per response: a redirect to the
sign-in form would otherwise pass as a fast page). The servers run in their own process group
and are stopped with it when their pages are done, on an error, on Ctrl-C and on SIGTERM.
"""
import os
import shutil
import signal
import statistics
import tempfile
import time
from pathlib import Path

from bench import blocks
from bench import databases
from bench import options
from bench import pages_data
from bench import pages_db
from bench import pages_http
from bench import pages_inprocess
from bench import pages_report
from bench.databases import log

KINDS = options.KINDS
PAGES = ('bare', 'case', 'list_first', 'list_deep', 'list_filtered', 'list_name', 'list_surname', 'floor')
#: The pages issue 12 sets targets for (the surname search and the floor are shown, not judged).
TARGET_PAGES = ('case', 'list_first', 'list_deep', 'list_filtered', 'list_name')
LIST_PAGES = ('list_first', 'list_deep', 'list_filtered', 'list_name', 'list_surname')
DEEP_PAGE = 1000
WARM_UP = 2
WARM_UP_TRIES = 5
PER_PAGE = 50


def add_arguments(parser):
    options.add_served_database_arguments(parser, databases.DEFAULT_PG_URL, 'page')


def run(args, previous) -> str:
    started_at = time.strftime('%Y-%m-%d %H:%M')
    started = time.perf_counter()
    if args.reuse and not (args.workdir and args.keep):
        raise SystemExit('--reuse needs --workdir and --keep (the databases stay in the work folder)')
    _check_tools()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix='mediation-bench-pages-'))
    workdir.mkdir(parents=True, exist_ok=True)
    instance_path = os.environ.get('MEDIATION_INSTANCE_PATH')
    os.environ['MEDIATION_INSTANCE_PATH'] = str(workdir)
    load = [os.getloadavg()[0]]
    log(f'pages: sizes {", ".join(f"{size:,}" for size in args.sizes)}; databases {", ".join(args.db)}; '
        f'wrk {args.duration:g} s per page; work folder {workdir}')
    results, versions = [], {}
    # A SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so the servers are stopped and the
    # databases dropped on the way out.
    previous_handler = signal.signal(signal.SIGTERM, _stop)
    try:
        templates = pages_data.Templates(pages_data.build_templates(workdir / 'templates'))
        from mediation.crypto import FieldCipher
        pages_data.check_identity(FieldCipher(databases.FIELD_ENCRYPTION_KEY))
        for size in args.sizes:
            found = [pages_db.PagesDatabase(kind, size, workdir, args.pg_url) for kind in args.db]
            missing = [database for database in found if not (args.reuse and database.found())]
            try:
                if missing:
                    log(f'pages {size:,}: building {", ".join(database.kind for database in missing)}')
                    pages_db.build(missing, templates)
                for database in found:
                    versions[database.kind] = database.versions()
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
    load.append(os.getloadavg()[0])
    elapsed = time.perf_counter() - started
    log(f'pages: load average (1 min) at the start {load[0]:.2f}, at the end {load[1]:.2f}; '
        f'{elapsed / 60:.1f} min in all')
    machine = dict(blocks.machine_info(), load=load, versions=versions, gunicorn=_gunicorn_version(),
                   wrk=_wrk_version())
    return pages_report.render(previous, results, machine, args, started_at, elapsed)


def _stop(signum, frame):
    raise SystemExit(f'pages: stopped by signal {signum}')


def _check_tools():
    """gunicorn and wrk are there before minutes go into building databases (``make install-bench``)."""
    missing = []
    if _gunicorn_version() is None:
        missing.append("gunicorn (.venv/bin/pip install -e '.[prod]')")
    if not os.access(pages_http.WRK, os.X_OK):
        missing.append(f'wrk at {pages_http.WRK} (apt-get install wrk, or $BENCH_WRK)')
    if missing:
        raise SystemExit('pages: missing ' + ' and '.join(missing) + '; `make install-bench` installs both')


# --------------------------------------------------------------------------- one database

def measure(database, args, workdir) -> dict:
    label = database.label
    result = {'kind': database.kind, 'size': database.size, 'measured_on': time.strftime('%Y-%m-%d %H:%M'),
              'build_seconds': database.build_seconds, 'counts': database.info['counts'],
              'bytes': database.info['bytes'], 'shapes': database.designated['shapes'],
              'load': [os.getloadavg()[0]], 'pages': {}, 'inprocess': {}}
    app = database.make_app()
    try:
        paths, expected = _paths(database, app)
        result['paths'] = {name: path for name, path in paths.items()}
        result['inprocess'] = _inprocess(database, app, paths, expected)
    finally:
        database.dispose()
    log(f'{label}: in-process done; queries case page {result["inprocess"]["queries"]["case:typical"]["queries"]}, '
        f'list {result["inprocess"]["queries"]["list_first"]["queries"]}')
    logs = Path(workdir) / f'gunicorn-{database.kind}-{database.size}.log'
    result['load'].append(os.getloadavg()[0])
    with pages_http.Server('bench.bare_app:create_app()', database.env, logs) as server:
        url = server.base + paths['bare']
        check = pages_http.check_page(url, '', ())
        result['pages']['bare'] = dict(_load(url, '', args.duration, check['bytes']), page_bytes=check['bytes'])
    with pages_http.Server('mediation:create_app()', database.env, logs) as server:
        cookie = pages_http.sign_in(server.base, pages_data.DISTRICT_USER, pages_data.DISTRICT_PASSWORD)
        for name in PAGES[1:]:
            url = server.base + paths[name]
            check = pages_http.check_page(url, cookie, expected.get(name, ()))
            if check['sets_cookie']:
                raise RuntimeError(f'{url}: the page sets a new session cookie (the cookie wrk sends is stale)')
            try:
                loaded = _load(url, cookie, args.duration, check['bytes'])
            except RuntimeError as error:
                if name in TARGET_PAGES:
                    raise
                # not a target: its failure (requests past wrk's 30 s timeout) is a finding, not the end of the run
                result.setdefault('failed', {})[name] = str(error)
                log(f'{label}: {name} failed under load: {error}')
                continue
            result['pages'][name] = dict(loaded, rows=check['rows'], page_bytes=check['bytes'])
    with pages_http.Server('bench.bare_app:create_app()', database.env, logs) as server:
        url = server.base + paths['bare']
        check = pages_http.check_page(url, '', ())
        result['pages']['bare_again'] = dict(_load(url, '', args.duration, check['bytes']),
                                             page_bytes=check['bytes'])
    result['load'].append(os.getloadavg()[0])
    bare = statistics.mean([result['pages']['bare']['rps'], result['pages']['bare_again']['rps']])
    log(f'{label}: bare {bare:,.0f} req/s; ' + ', '.join(
        f'{name} {result["pages"][name]["rps"]:,.0f} req/s ({result["pages"][name]["rps"] / bare:.0%}) '
        f'p95 {result["pages"][name]["latency"]["p95"] * 1000:.0f} ms'
        for name in PAGES[1:] if name in result['pages']))
    return result


def _load(url, cookie, duration, page_bytes) -> dict:
    """wrk on ``url`` after a warm-up; every response must have been the page (``page_bytes`` of body).

    wrk counts only 4xx/5xx answers and socket errors as errors: a redirect to the sign-in form
    (a session the app no longer accepts) would pass as a fast page. So the bytes wrk read per
    response, headers included, must be at least the page's body.
    """
    # The workers import the app after the arbiter listens: warm up until both answer steadily
    # (on a busy machine a worker's start-up can outlast one warm-up).
    for _attempt in range(WARM_UP_TRIES):
        warm = pages_http.wrk(url, cookie, WARM_UP)
        if warm['requests'] >= 2 * pages_http.WRK_CONNECTIONS and not warm['failed']:
            break
    found = pages_http.wrk(url, cookie, duration)
    if found['failed']:
        raise RuntimeError(f'{url}: {found["errors"]} errors under wrk')
    if not found['requests'] or found['bytes'] / found['requests'] < page_bytes:
        raise RuntimeError(f'{url}: wrk read {found["bytes"] / max(found["requests"], 1):,.0f} bytes per response, '
                           f'the page has {page_bytes:,}: some responses were not the page')
    return found


def _paths(database, app):
    """The URL of each page and the text each must show; the deep page's cursor as the app makes it."""
    import sqlalchemy as sa

    from mediation.cases import list_views
    from mediation.extensions import db
    from mediation.models import Case
    from mediation.models import Category
    from mediation.models import User
    from mediation.services import case_queries
    designated = database.designated
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == pages_data.DISTRICT_USER))
        order = case_queries.list_order(user, case_queries.CaseFilters())
        if order != case_queries.NEWEST_REGISTERED:
            raise RuntimeError(f'the district officer\'s list has the order {order!r}: the bench reads another key')
        pages = (database.size + PER_PAGE - 1) // PER_PAGE
        deep = min(DEEP_PAGE, pages)
        newest = sa.select(Case.created_at, Case.id).order_by(Case.created_at.desc(), Case.id.desc())
        before = db.session.execute(newest.offset((deep - 1) * PER_PAGE - 1).limit(1)).one()
        first_row = db.session.execute(newest.offset((deep - 1) * PER_PAGE).limit(1)).one()
        cursor = list_views._cursor(order, 'n', tuple(before))
        second = list_views._cursor(order, 'n', tuple(db.session.execute(newest.offset(PER_PAGE - 1).limit(1)).one()))
        category = db.session.scalar(sa.select(Category.id).where(Category.code == 'HY'))
        typical = db.session.get(Case, designated['typical'])
        title = typical.title
        db.session.rollback()
    paths = {
        'bare': f'/case/{designated["typical"]}',
        'case': f'/cases/{designated["typical"]}',
        'list_first': '/cases/',
        'list_deep': f'/cases/?cursor={cursor}',
        'list_filtered': f'/cases/?state=open&category_id={category}',
        'list_name': '/cases/?' + _query(q=pages_data.SEARCH_NAME),
        'list_surname': '/cases/?' + _query(q=pages_data.SURNAME_PREFIX),
        # The app's lightest signed-in page: its layout (navigation, notices badge, language) and a form, no
        # case data. What every page of the app pays before its own work: the floor under the shares.
        'floor': '/deadline-calculator',
    }
    expected = {'case': (title,), 'list_deep': (f'href="/cases/{first_row.id}"',),
                'list_name': (pages_data.SEARCH_NAME,), 'list_first': ('cursor=' + second,),
                '_deep_page': deep}
    return paths, expected


def _query(**values):
    from urllib.parse import urlencode
    return urlencode(values)


def _inprocess(database, app, paths, expected) -> dict:
    from mediation.extensions import db
    client = pages_inprocess.Client(app, pages_data.DISTRICT_USER, pages_data.DISTRICT_PASSWORD)
    designated = database.designated
    out = {'queries': {}, 'times': {}, 'profiles': {}, 'plans': {}, 'deep_page': expected['_deep_page']}
    with app.app_context():
        engine = db.engine
    # Every page answers as the bench expects (the deep page's first row, the next link of page 1).
    for name in PAGES[1:]:
        page = client.get(paths[name]).get_data(as_text=True)
        missing = [text for text in expected.get(name, ()) if text not in page]
        if missing:
            raise RuntimeError(f'{paths[name]}: the page lacks {missing}')
    for shape in ('few', 'typical', 'many', 'heavy'):
        out['queries'][f'case:{shape}'] = pages_inprocess.queries(client, engine, f'/cases/{designated[shape]}')
        out['times'][f'case:{shape}'] = pages_inprocess.timed(client, f'/cases/{designated[shape]}')
    for name in PAGES[2:]:
        out['queries'][name] = pages_inprocess.queries(client, engine, paths[name])
        out['times'][name] = pages_inprocess.timed(client, paths[name])
    out['times']['bare'] = _bare_inprocess(database, paths['bare'])
    by_rows = pages_inprocess.list_queries_by_rows(client, engine, paths['list_first'])
    out['queries']['list_first:10'], out['queries']['list_first:50'] = by_rows[10], by_rows[50]
    out['profiles']['case'] = pages_inprocess.profile(client, paths['case'])
    out['profiles']['list_first'] = pages_inprocess.profile(client, paths['list_first'])
    for name in LIST_PAGES:
        out['plans'][name] = pages_inprocess.plans(client, engine, paths[name])
    queries = out['queries']
    out['growth'] = {'case': pages_inprocess.growth(queries['case:many'], queries['case:heavy']),
                     'list_first': pages_inprocess.growth(queries['list_first:10'], queries['list_first:50'])}
    for found in queries.values():
        del found['shapes']  # kept for the growth above; the statements stay, shortened
    with app.app_context():
        db.session.remove()
    return out


def _bare_inprocess(database, path) -> dict:
    saved = os.environ.get('DATABASE_URL')
    os.environ['DATABASE_URL'] = database.url
    try:
        from bench import bare_app
        bare = bare_app.create_app()
        client = bare.test_client()
    finally:
        if saved is None:
            os.environ.pop('DATABASE_URL', None)
        else:
            os.environ['DATABASE_URL'] = saved

    class _Client:
        def get(self, target):
            response = client.get(target)
            if response.status_code != 200:
                raise RuntimeError(f'bare {target}: {response.status_code}')
            return response
    try:
        return pages_inprocess.timed(_Client(), path)
    finally:
        bare.extensions['bare_engine'].dispose()


def _gunicorn_version():
    try:
        import gunicorn
        return gunicorn.__version__
    except ImportError:
        return None


def _wrk_version():
    import subprocess
    try:
        completed = subprocess.run([pages_http.WRK, '-v'], capture_output=True, text=True)
    except OSError:
        return None
    text = (completed.stdout + completed.stderr).split()
    return text[1] if len(text) > 1 else None
