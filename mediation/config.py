"""Default configuration.

Order of precedence (later wins): these defaults → ``instance/config.py`` →
environment (``DATABASE_URL``, ``SECRET_KEY``, ``FIELD_ENCRYPTION_KEY`` and any
``MEDIATION_*`` variable) → the mapping a test passes to ``create_app``.
"""
from datetime import timedelta

#: Filled in from the instance folder when nothing else sets it (see ``create_app``).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS = {'pool_pre_ping': True}

#: Written to ``instance/config.py`` on the first start of a SQLite install (``ensure_secrets``);
#: every other database needs them given (several servers share them).
SECRET_KEY = None
FIELD_ENCRYPTION_KEY = None

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = 'Lax'
#: Set to True behind HTTPS (the README's gunicorn set-up does).
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = 'Lax'
PERMANENT_SESSION_LIFETIME = timedelta(hours=8)

WTF_CSRF_TIME_LIMIT = 8 * 3600

#: Sign-in lock-out: this many failures in a row lock the account for LOGIN_LOCKOUT.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT = timedelta(minutes=15)
PASSWORD_MIN_LENGTH = 8
#: werkzeug hash method; tests use a cheap one
PASSWORD_HASH_METHOD = 'scrypt'

BABEL_DEFAULT_LOCALE = 'zh_CN'
BABEL_DEFAULT_TIMEZONE = 'Asia/Shanghai'
LANGUAGES = {'zh_CN': '中文', 'en': 'English'}

#: Deadline profile (workflows.deadlines.PROFILES) and risk thresholds.
DEADLINE_PROFILE = 'statutory'
RISK_GROUP_THRESHOLD = 10
RISK_AMOUNT_THRESHOLD = '100000'

#: The built-in sweep scheduler of ``mediation serve`` (minutes; 0 = off).
SWEEP_INTERVAL_MINUTES = 15

PAGE_SIZE = 50
