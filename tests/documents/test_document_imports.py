"""Importing the document engine loads neither WeasyPrint nor pyHanko (~0.4 s each; the cron sweep shares the tree)."""
import json
import subprocess
import sys

HEAVY = ('weasyprint', 'pyhanko', 'pyhanko_certvalidator')
MODULES = ('mediation.documents', 'mediation.documents.fonts', 'mediation.documents.render',
           'mediation.documents.keys', 'mediation.documents.seal', 'mediation.documents.verify',
           'mediation.documents.stamp', 'mediation.documents.qr')


def test_importing_the_package_and_its_modules_loads_no_heavy_library():
    script = (
        f'import importlib, json, sys\n'
        f'for name in {MODULES!r}: importlib.import_module(name)\n'
        f'print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {HEAVY!r})))\n')
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout) == []
