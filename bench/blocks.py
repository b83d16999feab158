"""The generated blocks of docs/benchmarks.md, one per suite, and what every suite's Markdown uses.

A suite's block lies between ``<!-- bench:<suite>:start -->`` and ``<!-- bench:<suite>:end -->``;
a run rewrites its own block and leaves the hand-written text and the other suites' blocks as
they are. A block may carry its raw numbers in a ``<!-- bench:data {…} -->`` comment
(:func:`data_comment`), which the next run of the suite gets back as ``previous`` — so a run of
a subset can keep the rows it did not measure.
"""
import json
import os
import platform
import re
import sqlite3
from pathlib import Path

DATA = re.compile(r'<!-- bench:data (.*?) -->', re.S)

TEMPLATE = """# Benchmarks

`python -m bench` rewrites only the blocks between `bench:<suite>` markers; the rest is by hand.
"""


def markers(suite: str) -> tuple[str, str]:
    return f'<!-- bench:{suite}:start -->', f'<!-- bench:{suite}:end -->'


def read(path: Path, suite: str):
    """The suite's block in ``path`` (None if there is none)."""
    path = Path(path)
    if not path.exists():
        return None
    text = path.read_text(encoding='utf-8')
    start, end = markers(suite)
    if start not in text or end not in text:
        return None
    return text[text.index(start) + len(start):text.index(end)]


def previous_data(path: Path, suite: str) -> dict:
    """The raw numbers the suite's block carries, or {}."""
    block = read(path, suite)
    match = DATA.search(block or '')
    if not match:
        return {}
    try:
        return json.loads(match.group(1))
    except ValueError:
        return {}


def data_comment(payload: dict) -> str:
    """``payload`` as an HTML comment for the end of a block (``--`` may not occur in a comment)."""
    return '<!-- bench:data ' + json.dumps(payload, ensure_ascii=False).replace('--', '- -') + ' -->\n'


def write(path: Path, suite: str, markdown: str) -> None:
    """Put ``markdown`` between the suite's markers (a new block goes at the end of the file)."""
    path = Path(path)
    text = path.read_text(encoding='utf-8') if path.exists() else TEMPLATE
    start, end = markers(suite)
    if start not in text or end not in text:
        text = text.rstrip() + f'\n\n{start}\n{end}\n'
    text = text[:text.index(start)] + start + '\n' + markdown.strip('\n') + '\n' + text[text.index(end):]
    path.write_text(text, encoding='utf-8')


def ms(seconds) -> str:
    if seconds is None:
        return '—'
    if seconds < 0.01:
        return f'{seconds * 1000:.1f} ms'
    return f'{seconds * 1000:,.0f} ms'


def verdict(met: bool) -> str:
    return '**met**' if met else '**not met**'


def machine_info() -> dict:
    import psycopg
    import sqlalchemy
    cpu = ''
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    memory = ''
    try:
        kb = int(Path('/proc/meminfo').read_text().split()[1])
        memory = f'{kb / 1024 / 1024:.0f} GiB'
    except (OSError, ValueError, IndexError):
        pass
    system = platform.platform()
    debian = Path('/etc/debian_version')
    if debian.exists():
        system = f'Debian {debian.read_text().strip()} ({platform.release()})'
    return {
        'cores': os.cpu_count(), 'cpu': cpu, 'memory': memory, 'system': system,
        'python': platform.python_version(), 'sqlite': sqlite3.sqlite_version,
        'sqlalchemy': sqlalchemy.__version__, 'psycopg': psycopg.__version__,
    }
