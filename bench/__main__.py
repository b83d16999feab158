"""``python -m bench`` (``make bench``): run the benchmark suites, write their blocks in docs/benchmarks.md.

    python -m bench                                     # every suite, default options
    python -m bench sweep --sizes 100000 --db sqlite    # one suite with its options
    python -m bench sweep --help                        # a suite's options
    python -m bench sweep --runs 3 --output -           # print the block instead of writing it

Adding a suite: a module with a docstring (its first line is the suite's help), an
``add_arguments(parser)`` for its options (each with a default: ``python -m bench`` runs it with
them) and ``run(args, previous) -> str``, the Markdown of its block (``previous``: the numbers its
last block carried, see :mod:`bench.blocks`); then one line in :data:`SUITES`. Import what is
heavy inside ``run``.
"""
import argparse
import sys
import time
from pathlib import Path

from bench import api
from bench import blocks
from bench import documents
from bench import pages
from bench import statistics
from bench import sweep
from bench.databases import log

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / 'docs' / 'benchmarks.md'

#: name → suite module; ``python -m bench`` runs them in this order.
SUITES = {
    'sweep': sweep,
    'documents': documents,
    'pages': pages,
    'statistics': statistics,
    'api': api,
}


def _add_common(parser, default):
    parser.add_argument('--output', default=default,
                        help=f'Markdown file whose block(s) to rewrite (default: {DEFAULT_OUTPUT.relative_to(ROOT)}); '
                             '"-" prints them instead')


def make_parser():
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__.split('\n\n')[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(parser, str(DEFAULT_OUTPUT))
    subparsers = parser.add_subparsers(dest='suite', metavar='SUITE',
                                       help='the suite to run (none: every suite, with its default options)')
    for name, module in SUITES.items():
        sub = subparsers.add_parser(name, help=_summary(module), description=module.__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        # SUPPRESS: an --output given before the suite's name is not overwritten by this default.
        _add_common(sub, argparse.SUPPRESS)
        module.add_arguments(sub)
    return parser, subparsers


def _summary(module):
    return (module.__doc__ or '').strip().splitlines()[0]


def main(argv=None):
    parser, subparsers = make_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.suite:
        runs = [(args.suite, args)]
    else:  # every suite with its defaults
        runs = []
        for name in SUITES:
            suite_args = subparsers.choices[name].parse_args([])
            suite_args.output, suite_args.suite = args.output, name
            runs.append((name, suite_args))
    started = time.perf_counter()
    for name, suite_args in runs:
        output = getattr(suite_args, 'output', args.output)
        previous = blocks.previous_data(Path(output), name) if output != '-' else {}
        log(f'suite {name}')
        markdown = SUITES[name].run(suite_args, previous)
        if output == '-':
            print(markdown)
        else:
            blocks.write(Path(output), name, markdown)
            log(f'wrote the {name} block of {output}')
    log(f'done in {(time.perf_counter() - started) / 60:.1f} min')


if __name__ == '__main__':
    main()
