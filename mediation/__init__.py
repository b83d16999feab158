"""Fengqiao mediation case tracker: its settings and the Flask application factory.

Flask is imported only inside ``create_app``: ``mediation sweep``, which cron starts every few
minutes, reads the same settings (``load_settings``) and runs without Flask.
"""
import copy
import json
import os
import secrets
import types
from pathlib import Path

from mediation import config as default_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_folder() -> Path:
    """The instance folder: ``$MEDIATION_INSTANCE_PATH``, or ``instance/`` in the project."""
    return Path(os.environ.get('MEDIATION_INSTANCE_PATH') or PROJECT_ROOT / 'instance')


def create_app(test_config=None):
    """Build the application from ``load_settings``."""
    from flask import Flask
    folder = instance_folder()
    app = Flask(__name__, instance_relative_config=True, instance_path=str(folder),
                template_folder=str(PROJECT_ROOT / 'templates'),
                static_folder=str(PROJECT_ROOT / 'mediation' / 'static'))
    app.config.update(load_settings(folder, test_config))
    from mediation.web import IdConverter
    app.url_map.converters['int'] = IdConverter  # before any blueprint adds its routes
    register_database(app)
    register_extensions(app)
    register_blueprints(app)
    from mediation.errors import register_error_handlers
    register_error_handlers(app)
    from mediation.cli import register_commands
    register_commands(app)
    from mediation.web import register_template_helpers
    register_template_helpers(app)
    return app


def load_settings(folder: Path, test_config=None) -> dict:
    """The settings, later wins: ``mediation.config`` → ``instance/config.py`` → environment
    (``DATABASE_URL``, ``SECRET_KEY``, ``FIELD_ENCRYPTION_KEY``, any ``MEDIATION_*``, its value
    read as JSON where it is JSON, ``__`` reaching into a dict) → ``test_config``. Checked, and
    a local SQLite install gets its keys written once (``ensure_secrets``).
    """
    settings = _upper_case_names(vars(default_config))
    config_file = folder / 'config.py'
    if config_file.is_file():
        settings.update(_upper_case_names(_run_python_file(config_file)))
    for name in ('SECRET_KEY', 'FIELD_ENCRYPTION_KEY'):
        if os.environ.get(name):
            settings[name] = os.environ[name]
    if os.environ.get('DATABASE_URL'):
        settings['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']
    _apply_prefixed_environment(settings, 'MEDIATION_')
    if test_config:
        settings.update(test_config)
    if not settings['SQLALCHEMY_DATABASE_URI']:
        folder.mkdir(parents=True, exist_ok=True)
        settings['SQLALCHEMY_DATABASE_URI'] = f"sqlite:///{folder / 'mediation.sqlite3'}"
    settings['SQLALCHEMY_DATABASE_URI'] = normalise_database_url(settings['SQLALCHEMY_DATABASE_URI'], folder)
    from workflows.deadlines import PROFILES
    if settings['DEADLINE_PROFILE'] not in PROFILES:
        raise ConfigurationError(f"DEADLINE_PROFILE must be one of {', '.join(PROFILES)}, "
                                 f"not {settings['DEADLINE_PROFILE']!r}")
    ensure_secrets(settings, folder)
    return settings


def _upper_case_names(namespace) -> dict:
    # Copies: a setting changed for one app must not change the module's defaults.
    return {name: copy.deepcopy(value) for name, value in namespace.items() if name.isupper()}


def _run_python_file(path: Path) -> dict:
    """The names ``instance/config.py`` defines, run as Flask's ``from_pyfile`` runs it."""
    module = types.ModuleType('config')
    module.__file__ = str(path)
    exec(compile(path.read_bytes(), str(path), 'exec'), module.__dict__)
    return vars(module)


def _apply_prefixed_environment(settings: dict, prefix: str) -> None:
    """``MEDIATION_PAGE_SIZE=20`` → ``PAGE_SIZE = 20``, as Flask's ``from_prefixed_env`` reads them."""
    for key in sorted(os.environ):
        if not key.startswith(prefix):
            continue
        value = os.environ[key]
        try:
            value = json.loads(value)
        except ValueError:
            pass
        *parents, name = key[len(prefix):].split('__')
        target = settings
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = value


class ConfigurationError(RuntimeError):
    """The configuration cannot work: the app refuses to start and says why."""


def normalise_database_url(url: str, folder: Path = None) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://).

    A relative SQLite path is read against the instance folder, as Flask-SQLAlchemy reads it:
    the sweep, which opens the database without Flask-SQLAlchemy, then opens the same file.
    """
    for prefix in ('postgres://', 'postgresql://'):
        if url.startswith(prefix):
            return 'postgresql+psycopg://' + url[len(prefix):]
    sqlite_prefix = 'sqlite:///'
    if folder is not None and url.startswith(sqlite_prefix):
        path = url[len(sqlite_prefix):]
        if path and not path.startswith((':memory:', 'file:')) and not os.path.isabs(path):
            return sqlite_prefix + str(folder / path)
    return url


def ensure_secrets(settings: dict, folder: Path) -> None:
    """Give a single-PC SQLite install its own random keys, written once to the instance folder.

    A PostgreSQL deployment runs several servers that must share keys, so there a missing key
    is an error instead of something invented locally.
    """
    missing = [name for name in ('SECRET_KEY', 'FIELD_ENCRYPTION_KEY') if not settings.get(name)]
    if not missing:
        return
    if not settings['SQLALCHEMY_DATABASE_URI'].startswith('sqlite'):
        raise ConfigurationError(f"{', '.join(missing)} must be set (environment or instance/config.py) "
                                 'when the database is not the local SQLite file')
    from mediation.crypto import generate_key
    path = folder / 'config.py'
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('a', encoding='utf-8') as f:
        f.write('\n# Written once by the application on first start. Keep this file secret and backed up:\n'
                '# without FIELD_ENCRYPTION_KEY the stored ID numbers and phones cannot be read.\n')
        for name in missing:
            value = secrets.token_urlsafe(48) if name == 'SECRET_KEY' else generate_key()
            f.write(f'{name} = {value!r}\n')
            settings[name] = value
    os.chmod(path, 0o600)


def register_database(app):
    from mediation import database
    from mediation.crypto import FieldCipher
    from mediation.extensions import db

    database.install_sqlite_pragmas()
    db.init_app(app)
    app.extensions['field_cipher'] = FieldCipher(app.config['FIELD_ENCRYPTION_KEY'])
    import mediation.models  # noqa: F401  (every model registered before the first query)


def register_extensions(app):
    from flask_migrate import Migrate

    from mediation.extensions import db
    from mediation.web import select_locale
    from mediation.web import select_timezone
    from mediation.web_extensions import babel
    from mediation.web_extensions import csrf
    from mediation.web_extensions import login_manager

    Migrate(app, db, directory=str(PROJECT_ROOT / 'migrations'), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = 'auth.login'
    login_manager.login_message = '请先登录。'
    login_manager.login_message_category = 'warning'
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(PROJECT_ROOT / 'mediation' / 'translations'))


def register_blueprints(app):
    from mediation.admin import bp as admin_bp
    from mediation.api import bp as api_bp
    from mediation.auth import bp as auth_bp
    from mediation.cases import bp as cases_bp
    from mediation.main import bp as main_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
