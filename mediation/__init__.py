"""Fengqiao mediation case tracker: the Flask application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask

from mediation import config as default_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None, *, web=True):
    """Build the application: defaults → instance/config.py → environment → ``test_config``.

    ``web=False`` builds only what the deadline sweep needs (configuration, database, models):
    cron starts ``mediation sweep`` often, and the web extensions and Alembic cost more to import
    than the sweep itself takes.
    """
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get('MEDIATION_INSTANCE_PATH') or str(PROJECT_ROOT / 'instance'),
                template_folder=str(PROJECT_ROOT / 'templates'),
                static_folder=str(PROJECT_ROOT / 'mediation' / 'static'))
    load_config(app, test_config)
    register_database(app)
    if not web:
        return app
    register_extensions(app)
    register_blueprints(app)
    from mediation.errors import register_error_handlers
    register_error_handlers(app)
    from mediation.cli import register_commands
    register_commands(app)
    from mediation.web import register_template_helpers
    register_template_helpers(app)
    return app


def load_config(app, test_config):
    app.config.from_object(default_config)
    app.config.from_pyfile('config.py', silent=True)
    for name in ('SECRET_KEY', 'FIELD_ENCRYPTION_KEY'):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get('DATABASE_URL'):
        app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']
    app.config.from_prefixed_env('MEDIATION')
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config['SQLALCHEMY_DATABASE_URI']:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config['SQLALCHEMY_DATABASE_URI'] = f"sqlite:///{Path(app.instance_path) / 'mediation.sqlite3'}"
    app.config['SQLALCHEMY_DATABASE_URI'] = normalise_database_url(app.config['SQLALCHEMY_DATABASE_URI'])
    from workflows.deadlines import PROFILES
    if app.config['DEADLINE_PROFILE'] not in PROFILES:
        raise ConfigurationError(f"DEADLINE_PROFILE must be one of {', '.join(PROFILES)}, "
                           f"not {app.config['DEADLINE_PROFILE']!r}")
    ensure_secrets(app)


class ConfigurationError(RuntimeError):
    """The configuration cannot work: the app refuses to start and says why."""


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://)."""
    for prefix in ('postgres://', 'postgresql://'):
        if url.startswith(prefix):
            return 'postgresql+psycopg://' + url[len(prefix):]
    return url


def ensure_secrets(app):
    """Give a single-PC SQLite install its own random keys, written once to the instance folder.

    A PostgreSQL deployment runs several servers that must share keys, so there a missing key
    is an error instead of something invented locally.
    """
    missing = [name for name in ('SECRET_KEY', 'FIELD_ENCRYPTION_KEY') if not app.config.get(name)]
    if not missing:
        return
    if not app.config['SQLALCHEMY_DATABASE_URI'].startswith('sqlite'):
        raise ConfigurationError(f"{', '.join(missing)} must be set (environment or instance/config.py) "
                           'when the database is not the local SQLite file')
    from mediation.crypto import generate_key
    path = Path(app.instance_path) / 'config.py'
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('a', encoding='utf-8') as f:
        f.write('\n# Written once by the application on first start. Keep this file secret and backed up:\n'
                '# without FIELD_ENCRYPTION_KEY the stored ID numbers and phones cannot be read.\n')
        for name in missing:
            value = secrets.token_urlsafe(48) if name == 'SECRET_KEY' else generate_key()
            f.write(f'{name} = {value!r}\n')
            app.config[name] = value
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
