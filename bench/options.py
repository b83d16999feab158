"""Argument types the suites share (argparse shows each one's ``__name__`` when a value is refused),
and the options of the suites that load pages with wrk on the pages suite's databases."""
import os

KINDS = ('sqlite', 'postgresql')


def sizes(minimum: int):
    """Comma-separated case counts (``1_000_000`` allowed), each at least ``minimum``."""
    def parse(text):
        try:
            found = [int(size.replace('_', '')) for size in text.split(',') if size.strip()]
        except ValueError:
            found = []
        if not found or min(found) < minimum:
            raise ValueError(text)
        return found
    parse.__name__ = f'list of sizes (at least {minimum})'
    return parse


def kinds(text):
    found = [name.strip() for name in text.split(',') if name.strip()]
    if not found or set(found) - set(KINDS):
        raise ValueError(text)
    return found


def positive_int(text):
    if int(text) < 1:
        raise ValueError(text)
    return int(text)


def positive_number(text):
    if float(text) <= 0:
        raise ValueError(text)
    return float(text)


kinds.__name__ = 'sqlite and/or postgresql'
positive_int.__name__ = 'number of at least 1'
positive_number.__name__ = 'positive number'


def add_served_database_arguments(parser, default_pg_url: str, unit: str) -> None:
    """--sizes, --db, --duration, --pg-url, --workdir, --keep, --reuse: the pages and API suites'
    options (both measure under gunicorn and wrk, on the databases ``bench.pages_db`` builds)."""
    parser.add_argument('--sizes', type=sizes(2_000), default=[10_000, 1_000_000],
                        help='cases per database, comma-separated (default: 10000,1000000)')
    parser.add_argument('--db', type=kinds, default=list(KINDS),
                        help='sqlite, postgresql or both, comma-separated (default: both)')
    parser.add_argument('--duration', type=positive_number, default=10,
                        help=f'seconds of wrk per {unit} (default: 10)')
    parser.add_argument('--pg-url', default=os.environ.get('BENCH_PG_URL', default_pg_url),
                        help='PostgreSQL maintenance database URL; the user must be allowed to create and drop '
                             'databases (default: %(default)s or $BENCH_PG_URL)')
    parser.add_argument('--workdir', default=None,
                        help='where the SQLite files, the demo templates and the server logs go '
                             '(default: a temporary folder)')
    parser.add_argument('--keep', action='store_true', help='keep the databases afterwards')
    parser.add_argument('--reuse', action='store_true',
                        help='use the databases an earlier --keep run left in --workdir instead of building them')
