"""The pages in-process, through Flask's test client on the same database: queries, time, profile, plans.

- **Queries per page**: every statement the page sends (``before_cursor_execute`` on the app's
  engine; transaction control — SQLite's ``BEGIN IMMEDIATE`` — counted apart), for the designated
  case pages (few, typical, many, heavy: :mod:`bench.pages_data`) and for the list's first page
  at 10 and at 50 rows (``list_views.PER_PAGE`` set for the measure). Fixed means: the heavy case
  (its parties, events and records four times over) costs the queries of the many case, and 10
  rows those of 50.
- **Time**: the median of ``RUNS`` requests of each page after ``WARM`` unmeasured ones.
- **Profile**: ``cProfile`` over ``PROFILED`` requests of the case page and of the list's first
  page, the self time of each function summed by what it belongs to (SQL, ORM, Jinja2 templates,
  the app's code, …), and the functions that take most.
- **Plans**: the list pages' statements captured while they run, then ``EXPLAIN QUERY PLAN``
  (SQLite) or ``EXPLAIN (ANALYZE, BUFFERS)`` (PostgreSQL) of the one that finds the page's cases
  (the other statements read those cases by primary key).
"""
import cProfile
import pstats
import re
import statistics
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

WARM = 3
RUNS = 15
PROFILED = 10
_CONTROL = re.compile(r'^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b', re.I)


class Client:
    """The test client of ``app``, signed in through the login form (CSRF token and all)."""

    def __init__(self, app, username, password):
        self.app = app
        self.client = app.test_client()
        page = self.client.get('/login').get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        response = self.client.post('/login', data={'csrf_token': token, 'username': username,
                                                    'password': password})
        if response.status_code != 302:
            raise RuntimeError(f'in-process sign-in failed: {response.status_code}')
        self.client.get('/')  # the first page after sign-in stores the session's CSRF token

    def get(self, path, expect=200):
        response = self.client.get(path)
        if response.status_code != expect:
            raise RuntimeError(f'{path}: {response.status_code} {response.get_data(as_text=True)[:300]}')
        return response


@contextmanager
def counting(engine):
    """Count the statements sent while the block runs: yields {'queries': n, 'control': n, 'statements': [...]}."""
    found = {'queries': 0, 'control': 0, 'statements': []}

    def listener(conn, cursor, statement, parameters, context, executemany):
        if _CONTROL.match(statement):
            found['control'] += 1
        else:
            found['queries'] += 1
            found['statements'].append((statement, parameters))
    sa.event.listen(engine, 'before_cursor_execute', listener)
    try:
        yield found
    finally:
        sa.event.remove(engine, 'before_cursor_execute', listener)


def queries(client, engine, path) -> dict:
    client.get(path)  # warm: the calendar, the categories and the statement caches
    with counting(engine) as found:
        client.get(path)
    return {'queries': found['queries'], 'control': found['control'],
            'statements': [_short(statement) for statement, _ in found['statements']],
            'shapes': Counter(shape(statement) for statement, _ in found['statements'])}


def shape(statement) -> str:
    """The statement with its parameters and IN-lists collapsed: the same shape for 10 ids as for 50."""
    text = ' '.join(statement.split())
    text = re.sub(r'::\w+(?:\[\])?', '', text)  # PostgreSQL's casts of the parameters
    text = re.sub(r'%\(\w+\)s', '?', text)  # psycopg's named parameters; SQLite's are ? already
    return re.sub(r'\((?:\s*\?\s*,)*\s*\?\s*\)', '(…)', text)


def growth(smaller: dict, larger: dict) -> dict:
    """What the page sends for more data (``larger``) that it did not for less (``smaller``).

    ``repeated``: statements sent more often than for the smaller data (one per row, party,
    event… — the query count grows with the data); ``added``: statements the smaller data did
    not need at all (a kind of row it had none of: read once, whatever its number).
    """
    small, large = smaller['shapes'], larger['shapes']
    return {'repeated': sorted(_short(text) for text, count in large.items() if count > max(small.get(text, 0), 1)),
            'added': sorted(_short(text) for text in large if text not in small)}


def timed(client, path) -> dict:
    for _ in range(WARM):
        client.get(path)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - started)
    return {'median': statistics.median(times), 'min': min(times), 'runs': times}


def list_queries_by_rows(client, engine, path) -> dict:
    """The list's first page at 10 and at 50 rows (``list_views.PER_PAGE``): its queries and rows."""
    from mediation.cases import list_views
    saved = list_views.PER_PAGE
    out = {}
    try:
        for rows in (10, 50):
            list_views.PER_PAGE = rows
            found = queries(client, engine, path)
            page = client.get(path).get_data(as_text=True)
            found['rows'] = len(set(re.findall(r'href="/cases/(\d+)"', page)))
            out[rows] = found
    finally:
        list_views.PER_PAGE = saved
    return out


# --------------------------------------------------------------------------- the profile

#: (group, test on the function's file name — a built-in's name), first match wins.
GROUPS = (
    ('SQL: the driver executing and fetching (sqlite3, psycopg)',
     lambda f: 'sqlite3.' in f or 'psycopg' in f),
    ('SQLAlchemy ORM (loading objects, identity map, relationships)', lambda f: '/sqlalchemy/orm/' in f),
    ('SQLAlchemy Core (compiling, caching, result rows)', lambda f: '/sqlalchemy/' in f),
    ('Jinja2 templates (the compiled templates and Jinja2 itself), MarkupSafe',
     lambda f: f.endswith('.html') or '/jinja2/' in f or '/markupsafe/' in f or '/templates/' in f),
    ('Babel, Flask-Babel (translations, dates)', lambda f: '/babel/' in f or '/flask_babel/' in f),
    ('Flask, Werkzeug, Flask-Login, Flask-WTF, WTForms, Flask-Limiter, itsdangerous',
     lambda f: any(part in f for part in ('/flask/', '/werkzeug/', '/flask_login/', '/flask_wtf/', '/wtforms/',
                                          '/flask_limiter/', '/limits/', '/itsdangerous/', '/flask_sqlalchemy/',
                                          '/blinker/'))),
    ('the app: its views and services (mediation/)', lambda f: '/mediation/' in f),
    ('the state machine and rules (workflows/: diagrams, deadlines)', lambda f: '/workflows/' in f),
    ('QR code (segno)', lambda f: '/segno/' in f),
    ('the standard library and built-ins', lambda f: True),
)


def profile(client, path) -> dict:
    """Self time per group and the functions taking most, over PROFILED requests of ``path`` (per request)."""
    for _ in range(WARM):
        client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(PROFILED):
        client.get(path)
    profiler.disable()
    wall = (time.perf_counter() - started) / PROFILED
    stats = pstats.Stats(profiler)
    groups, functions = {}, []
    for (filename, line, name), (calls, _primitive, self_time, cumulative, _callers) in stats.stats.items():
        key = name if filename == '~' else filename
        group = next(title for title, test in GROUPS if test(key))
        groups[group] = groups.get(group, 0.0) + self_time / PROFILED
        functions.append((self_time / PROFILED, calls / PROFILED, cumulative / PROFILED, _function_name(filename,
                                                                                                        line, name)))
    functions.sort(reverse=True)
    total = sum(groups.values())
    return {'wall': wall, 'profiled_total': total,
            'groups': sorted(([group, seconds] for group, seconds in groups.items()), key=lambda item: -item[1]),
            'top': [list(item) for item in functions[:15]],
            'cumulative': _cumulative(stats)}


def _cumulative(stats) -> list:
    """The app's own functions by cumulative time (what each part of the page costs with all it calls)."""
    rows = []
    for (filename, line, name), (_calls, _primitive, _self, cumulative, _callers) in stats.stats.items():
        if ('/mediation/' in filename or '/workflows/' in filename) and not name.startswith('<'):
            rows.append((cumulative / PROFILED, _function_name(filename, line, name)))
    rows.sort(reverse=True)
    return [list(row) for row in rows[:15]]


ROOT = str(Path(__file__).resolve().parent.parent) + '/'


def _function_name(filename, line, name):
    if filename.startswith('~'):
        return name
    for marker in ('/site-packages/', ROOT, '/lib/python3'):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f'{filename}:{line} {name}'


# --------------------------------------------------------------------------- the plans

def plans(client, engine, path) -> list:
    """EXPLAIN of the statement finding the list page's cases (the one ordered and limited)."""
    with counting(engine) as found:
        client.get(path)
    keyed = [(statement, parameters) for statement, parameters in found['statements']
             if ' LIMIT ' in statement.upper() and ('dispute_case' in statement or 'stage' in statement)
             and 'notice' not in statement]
    lines = []
    with engine.connect() as conn:
        for statement, parameters in keyed[:1]:
            lines.append(_short(statement, 400))
            if conn.dialect.name == 'sqlite':
                plan = conn.exec_driver_sql('EXPLAIN QUERY PLAN ' + statement, parameters)
                lines += ['  ' + row[-1] for row in plan]
            else:
                plan = conn.exec_driver_sql('EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ' + statement, parameters)
                lines += ['  ' + row[0] for row in plan]
            conn.rollback()
    return [line if len(line) < 400 else line[:400] + ' …' for line in lines]


def _short(statement, limit=160) -> str:
    text = ' '.join(statement.split())
    text = re.sub(r'^SELECT .*? FROM ', 'SELECT … FROM ', text)
    return text if len(text) <= limit else text[:limit] + ' …'
