"""Benchmarks: ``python -m bench`` (``make bench``) measures the deadline sweep and writes docs/benchmarks.md.

- :mod:`bench.data` makes the synthetic district (org tree, cases, open stages, 1 % overdue);
- :mod:`bench.databases` builds a fresh SQLite file or PostgreSQL database with the real
  migrations, bulk-loads the data and puts the due rows back between runs;
- :mod:`bench.sweep` times the sweep in-process and as a ``mediation sweep`` process, a bare
  set-based baseline on the same rows, and a sweep with nothing due;
- :mod:`bench.imports` measures what the sweep command imports;
- :mod:`bench.report` writes the Markdown.
"""
