"""What the ``mediation sweep`` process costs before it sweeps, and what it imports.

``mediation sweep`` is a command of the Flask app (``mediation.cli``): the process imports
Flask, its extensions, SQLAlchemy's ORM and the model classes, and creates the app, and that is
expected (issue 9 chose readable models over the 0.2–0.4 s a Flask-free, ORM-free process
saved). What it must not import is the document stack (WeasyPrint, pyHanko, openpyxl): about
half a second that only the commands making documents need; that stays a check.

Wall times of whole processes, a ladder from the bare interpreter up to a sweep with nothing
due, show where the start-up goes; ``python -X importtime`` of that sweep splits its import
time by package (self times, which add up to the total).
"""
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from bench import data

ROOT = Path(__file__).resolve().parent.parent

#: Top-level packages the sweep has no use for: their presence is a failure.
HEAVY = ('weasyprint', 'pyhanko', 'pyhanko_certvalidator', 'openpyxl', 'fontTools', 'pydyf', 'tinycss2', 'cssselect2')
#: Flask, its extensions and what they bring.
WEB = ('flask', 'flask_sqlalchemy', 'flask_login', 'flask_wtf', 'flask_babel', 'flask_migrate', 'flask_limiter',
       'limits', 'ordered_set', 'werkzeug', 'jinja2', 'markupsafe', 'itsdangerous', 'blinker', 'wtforms', 'babel')
#: Brought by Flask-Migrate (``mediation db …``).
MIGRATIONS = ('alembic', 'mako', 'pygments')
#: What Flask-Limiter's ``flask limiter`` command brings: Flask's CLI imports every installed
#: ``flask.commands`` plugin to find a command, whichever command runs.
CLI_PLUGINS = ('rich', 'markdown_it', 'mdurl', 'attr')
#: Database drivers and the field cipher.
DRIVERS = ('psycopg', 'psycopg_binary', 'sqlite3', '_sqlite3', 'cryptography')
#: The app's web side: blueprints, views, forms and their helpers.
APP_WEB = ('admin', 'api', 'auth', 'cases', 'main', 'web', 'navigation', 'formutil', 'access')

#: ``python -m mediation sweep --now …`` as a ``python -c`` program.
_MAIN = "import sys; sys.argv = ['mediation', 'sweep', '--now', '{now}']; from mediation.cli import main; main()"

#: (key, what it is, the command after ``python``, the step it adds to); each a whole process, start to exit.
LADDER = (
    ('python', '`python -c pass` (the interpreter)', ['-c', 'pass'], None),
    ('sqlalchemy', "`python -c 'import sqlalchemy'` (Core alone: the floor of the sweep process before issue 9)",
     ['-c', 'import sqlalchemy'], 'python'),
    ('sqlalchemy_orm', "`python -c 'import sqlalchemy.orm'`", ['-c', 'import sqlalchemy.orm'], 'sqlalchemy'),
    ('flask', "`python -c 'import flask'` (alone)", ['-c', 'import flask'], 'python'),
    ('flask_sqlalchemy', "`python -c 'import flask_sqlalchemy'` (Flask and the ORM)",
     ['-c', 'import flask_sqlalchemy'], 'sqlalchemy_orm'),
    ('app_import', "`python -c 'import mediation'` (every module `create_app` needs)", ['-c', 'import mediation'],
     'flask_sqlalchemy'),
    ('app', "`python -c 'import mediation; mediation.create_app()'` (the app created)",
     ['-c', 'import mediation; mediation.create_app()'], 'app_import'),
    ('sweep_help', '`python -m mediation sweep --help` (Flask\'s CLI creates the app to find the command)',
     ['-m', 'mediation', 'sweep', '--help'], 'app'),
    ('sweep_nothing_due', '`python -m mediation sweep --now …`, nothing due',
     ['-m', 'mediation', 'sweep', '--now', data.NOTHING_DUE_NOW_TEXT], 'app'),
    ('sweep_nothing_due_no_plugins', "the same sweep without Flask's CLI plugins (`FlaskGroup._load_plugin_commands` "
     'skipped; not what the command does)',
     ['-c', 'import flask.cli; flask.cli.FlaskGroup._load_plugin_commands = lambda self: None; '
      + _MAIN.format(now=data.NOTHING_DUE_NOW_TEXT)],
     'sweep_nothing_due'),
    ('sweep_nothing_due_freeze', 'the same sweep with `gc.freeze()` at exit (the last pass skips every object; '
     'not what the command does)',
     ['-c', 'import atexit, gc; atexit.register(gc.freeze); ' + _MAIN.format(now=data.NOTHING_DUE_NOW_TEXT)],
     'sweep_nothing_due'),
    ('sweep_nothing_due_gc_off', 'the same sweep with the collector off throughout (`gc.disable()` first, '
     '`gc.freeze()` at exit, as the previous process did)',
     ['-c', 'import atexit, gc; gc.disable(); atexit.register(gc.freeze); '
      + _MAIN.format(now=data.NOTHING_DUE_NOW_TEXT)],
     'sweep_nothing_due'),
)

#: The sweep whose imports are traced: the collector off (see :func:`measure`).
IMPORTS_TRACED = 'import gc; gc.disable(); ' + _MAIN.format(now=data.NOTHING_DUE_NOW_TEXT)

#: The same sweep, reporting the collector's passes during the run, and when its exit began (the
#: handler registered first runs last): the interpreter's exit, with the last pass, comes after.
GC_PROBE = '''
import atexit, gc, json, sys, time
passes, started = [[0, 0.0] for _ in range(3)], []
def count(phase, info):
    if phase == 'start':
        started.append(time.perf_counter())
    else:
        passes[info['generation']][0] += 1
        passes[info['generation']][1] += time.perf_counter() - started.pop()
gc.callbacks.append(count)
atexit.register(lambda: print('GC ' + json.dumps({'passes': passes, 'objects': len(gc.get_objects()),
                                                 'exit_from': time.time()}), file=sys.stderr))
''' + _MAIN.format(now=data.NOTHING_DUE_NOW_TEXT)

#: Import-time groups, first match wins: (name, test on (top-level package, module name)).
GROUPS = (
    ('the document stack (must be absent)', lambda top, name: top in HEAVY),
    ('Flask, its extensions (with Flask-Limiter, limits), Werkzeug, Jinja2, WTForms, Babel',
     lambda top, name: top in WEB),
    ('Alembic, Mako, Pygments (Flask-Migrate)', lambda top, name: top in MIGRATIONS),
    ("rich, attrs (Flask-Limiter's `flask limiter` command, a plugin Flask's CLI loads)",
     lambda top, name: top in CLI_PLUGINS),
    ("SQLAlchemy's ORM (`sqlalchemy.orm`, `sqlalchemy.ext`)",
     lambda top, name: name.startswith(('sqlalchemy.orm', 'sqlalchemy.ext'))),
    ('SQLAlchemy Core and its dialects', lambda top, name: top == 'sqlalchemy'),
    ('the model classes (`mediation.models`)', lambda top, name: name.startswith('mediation.models')),
    ("the app's web side (blueprints, views, forms)",
     lambda top, name: top == 'mediation' and name.partition('.')[2].split('.')[0] in APP_WEB),
    ('the rest of `mediation` and `workflows` (services, the sweep, the state machine)',
     lambda top, name: top in ('mediation', 'workflows')),
    ('psycopg, sqlite3, cryptography', lambda top, name: top in DRIVERS),
    ('everything else (the standard library, click, transitions, …)', lambda top, name: True),
)


@dataclass
class ImportReport:
    #: the database the sweeps ran on ('100,000-stage SQLite')
    database: str = ''
    #: key of LADDER → median and least wall time in seconds
    wall: dict = field(default_factory=dict)
    wall_min: dict = field(default_factory=dict)
    repeat: int = 0
    modules: int = 0
    import_seconds: float = 0.0
    heavy_found: list = field(default_factory=list)
    web_found: list = field(default_factory=list)
    orm_found: list = field(default_factory=list)
    #: (group, seconds of its modules' own import time)
    groups: list = field(default_factory=list)
    #: (package, seconds of its modules' own import time), the dearest first
    top: list = field(default_factory=list)
    #: the collector during a nothing-due sweep: [[passes, seconds] per generation], objects at exit
    gc: dict = field(default_factory=dict)


def parse_importtime(stderr: str):
    """{module: (self µs, cumulative µs)} and the top-level entries (depth 0) in order."""
    modules, top_level = {}, []
    for line in stderr.splitlines():
        if not line.startswith('import time:') or 'imported package' in line:
            continue
        own, cumulative, name = line[len('import time:'):].split('|')
        depth = (len(name) - len(name.lstrip(' ')) - 1) // 2
        name = name.strip()
        modules[name] = (int(own), int(cumulative))
        if depth == 0:
            top_level.append((name, int(cumulative)))
    return modules, top_level


def import_cost_by_package(modules) -> list:
    """Import time summed over each package's own modules (self times: they add up to the total).

    The app's own modules are grouped one level down (``mediation.admin``, ``mediation.models``…)
    so each part's share shows.
    """
    packages = {}
    for name, (own, _) in modules.items():
        parts = name.split('.')
        package = '.'.join(parts[:2]) if parts[0] == 'mediation' and len(parts) > 1 else parts[0]
        packages[package] = packages.get(package, 0) + own
    return sorted(((package, us / 1e6) for package, us in packages.items()), key=lambda item: -item[1])


def import_cost_by_group(modules) -> list:
    totals = {name: 0 for name, _ in GROUPS}
    for module, (own, _) in modules.items():
        top = module.split('.')[0]
        group = next(name for name, test in GROUPS if test(top, module))
        totals[group] += own
    return [(name, us / 1e6) for name, us in totals.items()]


def modules_of(modules, packages) -> list:
    return sorted({name.split('.')[0] for name in modules} & set(packages))


def _wall(command, env) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def measure(database, repeat: int = 7) -> ImportReport:
    """Start-up costs, the collector's share, and importtime traces of a real (nothing-due) sweep on ``database``."""
    env = database.env
    kind = 'SQLite' if database.kind == 'sqlite' else 'PostgreSQL'
    report = ImportReport(repeat=repeat, database=f'{database.size:,}-stage {kind}')
    # Round robin, so that the machine's drift (and any other work on it) touches every step alike.
    times = {key: [] for key, _, _, _ in LADDER}
    for _ in range(repeat):
        for key, _, arguments, _ in LADDER:
            times[key].append(_wall([sys.executable, *arguments], env))
    report.wall = {key: statistics.median(values) for key, values in times.items()}
    report.wall_min = {key: min(values) for key, values in times.items()}
    probes = []
    for _ in range(repeat):
        probe = subprocess.run([sys.executable, '-c', GC_PROBE], env=env, capture_output=True, text=True,
                               check=True, cwd=ROOT)
        ended = time.time()
        probes.append(json.loads(probe.stderr.rsplit('GC ', 1)[1]))
        probes[-1]['exit_seconds'] = ended - probes[-1].pop('exit_from')
    report.gc = {  # each figure's median over the probes
        'passes': [[statistics.median(probe['passes'][generation][i] for probe in probes) for i in (0, 1)]
                   for generation in range(3)],
        'objects': statistics.median(probe['objects'] for probe in probes),
        'exit_seconds': statistics.median(probe['exit_seconds'] for probe in probes),
    }
    # With the collector on, each of its passes (measured above) lands in the self time of whichever
    # module is importing when it comes (~50 ms for a full pass): the traces run with it off. One
    # trace is still noisy: each module's self time is its median over ``repeat`` traces.
    traces = []
    for _ in range(repeat):
        completed = subprocess.run([sys.executable, '-X', 'importtime', '-c', IMPORTS_TRACED], env=env,
                                   capture_output=True, text=True, check=True, cwd=ROOT)
        traces.append(parse_importtime(completed.stderr))
    names = set().union(*(modules for modules, _ in traces))
    modules = {name: (statistics.median(trace.get(name, (0, 0))[0] for trace, _ in traces), 0) for name in names}
    report.modules = len(modules)
    report.import_seconds = statistics.median(sum(cumulative for _, cumulative in top) for _, top in traces) / 1e6
    report.heavy_found = modules_of(modules, HEAVY)
    report.web_found = modules_of(modules, WEB)
    report.orm_found = sorted(name for name in modules if name in ('sqlalchemy.orm', 'mediation.models'))
    report.groups = import_cost_by_group(modules)
    report.top = import_cost_by_package(modules)[:15]
    return report
