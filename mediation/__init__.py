"""Fengqiao mediation case tracker: the Flask application factory."""
import copy
import os
import secrets
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix

import mediation.models  # noqa: F401  (every model registered before the first query)
from mediation import config as default_config
from mediation.admin import bp as admin_bp
from mediation.api import init_api
from mediation.auth import bp as auth_bp
from mediation.cases import bp as cases_bp
from mediation.cli import register_commands
from mediation.court import bp as court_bp
from mediation.crypto import FieldCipher
from mediation.crypto import generate_key
from mediation.database import install_connection_settings
from mediation.database import normalise_database_url
from mediation.errors import ConfigurationError
from mediation.errors import register_error_handlers
from mediation.extensions import babel
from mediation.extensions import csrf
from mediation.extensions import db
from mediation.extensions import limiter
from mediation.extensions import login_manager
from mediation.extensions import migrate
from mediation.main import bp as main_bp
from mediation.statistics import bp as statistics_bp
from mediation.verify import bp as verify_bp
from mediation.web import IdConverter
from mediation.web import MediationFlask
from mediation.web import register_template_helpers
from mediation.web import select_locale
from mediation.web import select_timezone
from workflows.deadlines import PROFILES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_folder() -> Path:
    """The instance folder: ``$MEDIATION_INSTANCE_PATH``, or ``instance/`` in the project."""
    return Path(os.environ.get('MEDIATION_INSTANCE_PATH') or PROJECT_ROOT / 'instance')


def create_app(test_config=None):
    """Build the application.

    Settings, later wins: ``mediation.config`` → ``instance/config.py`` → the environment
    (``DATABASE_URL``, ``SECRET_KEY``, ``FIELD_ENCRYPTION_KEY``, ``REDIS_URL``, and any ``MEDIATION_*`` as
    Flask's ``from_prefixed_env`` reads it) → ``test_config``.
    """
    folder = instance_folder()
    app = MediationFlask(__name__, instance_relative_config=True, instance_path=str(folder),
                         template_folder=str(PROJECT_ROOT / 'templates'),
                         static_folder=str(PROJECT_ROOT / 'mediation' / 'static'))
    load_config(app, test_config)
    app.url_map.converters['int'] = IdConverter  # before any blueprint adds its routes
    register_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def load_config(app, test_config=None) -> None:
    # Copies: a setting changed for one app (``MEDIATION_X__Y`` reaches into a dict) must not
    # change the module's defaults.
    app.config.from_mapping({name: copy.deepcopy(value) for name, value in vars(default_config).items()
                             if name.isupper()})
    app.config.from_pyfile('config.py', silent=True)
    for name in ('SECRET_KEY', 'FIELD_ENCRYPTION_KEY', 'REDIS_URL'):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get('DATABASE_URL'):
        app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']
    app.config.from_prefixed_env('MEDIATION')
    if test_config:
        app.config.update(test_config)
    folder = Path(app.instance_path)
    if not app.config['SQLALCHEMY_DATABASE_URI']:
        folder.mkdir(parents=True, exist_ok=True)
        app.config['SQLALCHEMY_DATABASE_URI'] = f"sqlite:///{folder / 'mediation.sqlite3'}"
    app.config['SQLALCHEMY_DATABASE_URI'] = normalise_database_url(app.config['SQLALCHEMY_DATABASE_URI'], folder)
    if app.config['DEADLINE_PROFILE'] not in PROFILES:
        raise ConfigurationError(f"DEADLINE_PROFILE must be one of {', '.join(PROFILES)}, "
                                 f"not {app.config['DEADLINE_PROFILE']!r}")
    ensure_secrets(app.config, folder)
    app.config.setdefault('RATELIMIT_STORAGE_URI', app.config['REDIS_URL'] or 'memory://')


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
    install_connection_settings()
    db.init_app(app)
    app.extensions['field_cipher'] = FieldCipher(app.config['FIELD_ENCRYPTION_KEY'])


def register_extensions(app):
    migrate.init_app(app, directory=str(PROJECT_ROOT / 'migrations'), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = 'auth.login'
    login_manager.login_message = '请先登录。'
    login_manager.login_message_category = 'warning'
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(PROJECT_ROOT / 'mediation' / 'translations'))
    limiter.init_app(app)
    if app.config['TRUSTED_PROXIES']:
        proxies = int(app.config['TRUSTED_PROXIES'])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def register_blueprints(app):
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(court_bp)
    app.register_blueprint(admin_bp)
    init_api(app)  # the API's blueprint and its generated OpenAPI document (flask-smorest)
    app.register_blueprint(verify_bp)
    app.register_blueprint(statistics_bp)
