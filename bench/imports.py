"""What the ``mediation sweep`` process costs before it sweeps, and what it imports.

``python -X importtime`` prints one line per module with its own and cumulative import time;
the sweep must not import the document stack (WeasyPrint, pyHanko, openpyxl), which alone
costs about half a second (docs/perf-notes: ``import weasyprint`` ~450 ms), nor Flask and the web
app (``mediation.sweep_command``), nor SQLAlchemy's ORM and the model classes (it writes with Core
on ``mediation.schema``). ``import sqlalchemy`` is the floor: no process that uses the tables
can start faster.
"""
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from bench import data

ROOT = Path(__file__).resolve().parent.parent

#: Top-level packages the sweep has no use for.
HEAVY = ('weasyprint', 'pyhanko', 'pyhanko_certvalidator', 'openpyxl', 'fontTools', 'pydyf', 'tinycss2', 'cssselect2')
WEB = ('flask', 'flask_sqlalchemy', 'flask_login', 'flask_wtf', 'flask_babel', 'flask_migrate', 'werkzeug', 'jinja2')
ORM = ('sqlalchemy.orm', 'mediation.models')


@dataclass
class ImportReport:
    python_floor: float = 0.0
    library_floor: float = 0.0
    sweep_help: float = 0.0
    sweep_nothing_due: float = 0.0
    modules: int = 0
    import_seconds: float = 0.0
    heavy_found: list = field(default_factory=list)
    web_found: list = field(default_factory=list)
    orm_found: list = field(default_factory=list)
    top: list = field(default_factory=list)  # (package, seconds of its own modules' import time)


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


def import_cost_by_group(modules) -> list:
    """Import time summed over each package's own modules (self times: they add up to the total).

    The app's own modules are grouped one level down (``mediation.admin``, ``mediation.models``…)
    so each blueprint's share shows.
    """
    groups = {}
    for name, (own, _) in modules.items():
        parts = name.split('.')
        group = '.'.join(parts[:2]) if parts[0] == 'mediation' and len(parts) > 1 else parts[0]
        groups[group] = groups.get(group, 0) + own
    return sorted(((group, us / 1e6) for group, us in groups.items()), key=lambda item: -item[1])


def modules_of(modules, packages) -> list:
    return sorted({name.split('.')[0] for name in modules} & set(packages))


def _wall(command, env, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(database, repeat: int = 5) -> ImportReport:
    """Start-up costs, and an importtime trace of a real (nothing-due) sweep on ``database``."""
    env = database.env
    report = ImportReport()
    report.python_floor = _wall([sys.executable, '-c', 'pass'], env, repeat)
    report.library_floor = _wall([sys.executable, '-c', 'import sqlalchemy'], env, repeat)
    report.sweep_help = _wall([sys.executable, '-m', 'mediation', 'sweep', '--help'], env, repeat)
    report.sweep_nothing_due = _wall([sys.executable, '-m', 'mediation', 'sweep', '--now', data.NOTHING_DUE_NOW_TEXT],
                                     env, repeat)
    completed = subprocess.run([sys.executable, '-X', 'importtime', '-m', 'mediation', 'sweep', '--now',
                                data.NOTHING_DUE_NOW_TEXT], env=env, capture_output=True, text=True, check=True)
    modules, top_level = parse_importtime(completed.stderr)
    report.modules = len(modules)
    report.import_seconds = sum(cumulative for _, cumulative in top_level) / 1e6
    report.heavy_found = modules_of(modules, HEAVY)
    report.web_found = modules_of(modules, WEB)
    report.orm_found = sorted(name for name in modules if name in ORM)
    report.top = import_cost_by_group(modules)[:15]
    return report
