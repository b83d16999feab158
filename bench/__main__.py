"""``python -m bench`` (``make bench``): build the databases, time the sweep, write docs/benchmarks.md.

    python -m bench                                   # 100,000 and 1,000,000 open stages, SQLite and PostgreSQL
    python -m bench --sizes 100000 --db sqlite        # a quick subset (its rows replace only their own)
    python -m bench --pg-url postgresql://user@host:5432/postgres --runs 5 --keep

PostgreSQL: the URL names a maintenance database of a server where the user may create and
drop databases; the bench creates ``mediation_bench_<size>`` and drops it afterwards.
SQLite files go to a temporary folder (``--workdir``), removed afterwards unless ``--keep``.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import databases
from bench import imports as imports_bench
from bench import report
from bench import sweep as sweep_bench
from bench.databases import log

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='100000,1000000', help='open stages per database (comma-separated)')
    parser.add_argument('--db', default='sqlite,postgresql', help='sqlite, postgresql or both (comma-separated)')
    parser.add_argument('--runs', type=int, default=5, help='runs per measure; the median is reported')
    parser.add_argument('--pg-url', default=os.environ.get('BENCH_PG_URL', databases.DEFAULT_PG_URL),
                        help='PostgreSQL maintenance database URL (default: %(default)s or $BENCH_PG_URL)')
    parser.add_argument('--workdir', default=None, help='where the SQLite files go (default: a temporary folder)')
    parser.add_argument('--output', default=str(ROOT / 'docs' / 'benchmarks.md'),
                        help='Markdown file to update (default: docs/benchmarks.md); "-" to skip')
    parser.add_argument('--keep', action='store_true', help='keep the databases afterwards')
    args = parser.parse_args(argv)
    args.sizes = [int(size.replace('_', '')) for size in args.sizes.split(',') if size]
    args.db = [name.strip() for name in args.db.split(',') if name.strip()]
    unknown = set(args.db) - {'sqlite', 'postgresql'}
    if unknown:
        parser.error(f'unknown --db {", ".join(sorted(unknown))}: use sqlite and/or postgresql')
    if args.runs < 1:
        parser.error('--runs must be at least 1')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started_at = report.run_timestamp()
    started = time.perf_counter()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix='mediation-bench-'))
    workdir.mkdir(parents=True, exist_ok=True)
    # The app must not write into the project's instance folder or pick up its config.
    os.environ['MEDIATION_INSTANCE_PATH'] = str(workdir)
    results, import_report, pg_version = [], None, None
    log(f'sizes {", ".join(f"{size:,}" for size in args.sizes)}; databases {", ".join(args.db)}; '
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
                        log(f'start-up: python {import_report.python_floor * 1000:.0f} ms, `sweep --help` '
                            f'{import_report.sweep_help * 1000:.0f} ms; heavy modules imported: '
                            f'{", ".join(import_report.heavy_found) or "none"}')
                    results.append(sweep_bench.measure(database, args.runs))
                finally:
                    if not args.keep:
                        database.drop()
        if import_report is None and results:
            log('no SQLite database in this run: import trace skipped')
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - started
    for result in results:
        ratio = f'{result.ratio:.1f}×' if result.ratio else '—'
        log(f'{result.kind} {result.size:,}: in-process {result.median("in_process") * 1000:.0f} ms, '
            f'process {result.median("process") * 1000:.0f} ms, baseline {result.median("baseline") * 1000:.0f} ms '
            f'({ratio}), nothing due {result.median("nothing_due") * 1000:.1f} ms')
    if args.output != '-':
        machine = report.machine_info(pg_version)
        report.write(Path(args.output), results, import_report, machine, args.runs, started_at, elapsed)
        log(f'wrote {args.output}')
    log(f'done in {elapsed / 60:.1f} min')


if __name__ == '__main__':
    main()
