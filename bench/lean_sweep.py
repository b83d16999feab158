"""Experiment: what a ``mediation sweep`` process would cost if its start-up loaded only what the
sweep uses — Flask, Flask-SQLAlchemy (with the app's engine settings and SQLite pragmas), the
models and ``mediation.services.sweep``.

Not the app's code path: stand-ins replace Flask-Migrate (which imports Alembic and, through it,
SQLAlchemy's dialects for MSSQL, MySQL and Oracle), Flask-Babel and Flask-WTF, which
``mediation.extensions`` imports at module level, and ``create_app`` (blueprints, error
handlers, template helpers) is skipped. ``python -m bench`` times it next to the real command
to show what moving those imports out of the sweep's path would save.

    DATABASE_URL=… python -m bench.lean_sweep 2026-12-01T09:00
"""
import os
import sys
import types


def _stub(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module
    return module


def main(now_text):
    class _Unused:
        def __init__(self, *args, **kwargs):
            pass

        def init_app(self, *args, **kwargs):
            pass

    _stub('flask_migrate', Migrate=_Unused)
    _stub('flask_babel', Babel=_Unused)
    _stub('flask_wtf', csrf=_stub('flask_wtf.csrf', CSRFProtect=_Unused))

    from flask import Flask

    from mediation import config
    from mediation import database
    from mediation import normalise_database_url
    from mediation.extensions import db
    app = Flask('mediation')
    app.config['SQLALCHEMY_DATABASE_URI'] = normalise_database_url(os.environ['DATABASE_URL'])
    app.config['SQLALCHEMY_ENGINE_OPTIONS'] = config.SQLALCHEMY_ENGINE_OPTIONS
    database.install_sqlite_pragmas()
    db.init_app(app)
    import mediation.models  # noqa: F401
    from mediation.services.sweep import parse_now
    from mediation.services.sweep import run_sweep
    with app.app_context():
        print(run_sweep(parse_now(now_text)).summary())


if __name__ == '__main__':
    main(sys.argv[1])
