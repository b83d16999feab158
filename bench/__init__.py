"""Benchmarks: ``python -m bench`` (``make bench``) runs the suites and writes their blocks in docs/benchmarks.md.

- :mod:`bench.__main__` is the command and the registry of suites (``SUITES``), and says how to add one;
- :mod:`bench.blocks` reads and rewrites each suite's generated block of docs/benchmarks.md;

the ``sweep`` suite:

- :mod:`bench.sweep` times the deadline sweep in-process and as a ``mediation sweep`` process,
  a bare set-based baseline on the same rows, and a sweep with nothing due;
- :mod:`bench.data` makes the synthetic district (org tree, cases, open stages, 1 % overdue);
- :mod:`bench.databases` builds a fresh SQLite file or PostgreSQL database with the real
  migrations, bulk-loads the data and puts it back as loaded between measures;
- :mod:`bench.floor` does the sweep's writes in SQL alone;
- :mod:`bench.imports` measures the ``mediation sweep`` process's start-up and imports;
- :mod:`bench.sweep_report` writes its Markdown.
"""
