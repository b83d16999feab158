"""The ``mediation sweep`` command does not import the document stack.

Cron starts the sweep as a fresh process, so every import is paid on every run: ``import
weasyprint`` alone costs about half a second, pyHanko and openpyxl more. The test runs the real
command in a subprocess with ``python -X importtime`` (one line per module imported) on the
test database, and fails naming the heavy modules that got in.
"""
import os
import subprocess
import sys

import pytest

#: Top-level packages the sweep has no use for (agreement PDFs, seals, spreadsheet exports).
HEAVY = ('weasyprint', 'pyhanko', 'openpyxl')


def imported_modules(importtime_output: str) -> set[str]:
    """The module names in ``-X importtime`` output ("import time: self | cumulative | name")."""
    names = set()
    for line in importtime_output.splitlines():
        if line.startswith('import time:') and 'imported package' not in line:
            names.add(line.rsplit('|', 1)[1].strip())
    return names


def run_mediation(app, tmp_path, *args):
    env = dict(os.environ, DATABASE_URL=app.config['SQLALCHEMY_DATABASE_URI'], SECRET_KEY=app.config['SECRET_KEY'],
               FIELD_ENCRYPTION_KEY=app.config['FIELD_ENCRYPTION_KEY'], MEDIATION_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, '-X', 'importtime', '-m', 'mediation', *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result.stdout, imported_modules(result.stderr)


def test_importtime_output_is_parsed():
    sample = ('import time: self [us] | cumulative | imported package\n'
              'import time:       144 |        144 |   _io\n'
              'import time:       785 |     360936 | mediation.extensions\n')
    assert imported_modules(sample) == {'_io', 'mediation.extensions'}


@pytest.mark.parametrize('args', [
    pytest.param(('sweep', '--now', '2000-01-04'), id='sweep'),
    pytest.param(('sweep', '--help'), id='sweep-help'),
])
def test_sweep_command_does_not_import_the_document_stack(app, tmp_path, args):
    stdout, modules = run_mediation(app, tmp_path, *args)
    if '--help' in args:
        assert 'mediation.cli' in modules and 'sweep' in stdout
    else:
        # The trace covers the sweep itself, not just the start-up.
        assert stdout.startswith('2000-01-04 巡检：检查 0 个阶段'), stdout
        assert 'mediation.services.sweep' in modules
    heavy = sorted({name.split('.')[0] for name in modules} & set(HEAVY))
    assert not heavy, f'`mediation {" ".join(args)}` imported {", ".join(heavy)}: import them lazily, where used'


def test_other_commands_run_in_the_flask_app(app, tmp_path):
    stdout, modules = run_mediation(app, tmp_path, 'calendar', 'status')
    assert '已录入节假日安排的年份' in stdout
    assert {'flask', 'mediation.cli'} <= modules
