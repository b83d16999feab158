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

#: Largest request body (the scan of a signed paper agreement is the largest thing uploaded).
MAX_CONTENT_LENGTH = 20 * 1024 * 1024

#: Sign-in: this many failures for one name from one client within LOGIN_LOCKOUT lock out that
#: client (only) for that name until the window has passed or an administrator unlocks it.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT = timedelta(minutes=15)
#: Sign-in attempts one client may make, whatever names it tries (Flask-Limiter syntax).
LOGIN_RATE_LIMIT = '10 per minute; 100 per hour'
#: Documents one client may check on the public verification page (and the API's /verify).
VERIFY_RATE_LIMIT = '30 per minute; 500 per hour'
#: Requests one API token (or, without one, one client address) may make to /api/v1, all
#: operations together; over it the API answers 429 with Retry-After.
API_RATE_LIMIT = '120 per minute; 3000 per hour'
#: Where the request limits count: Redis when ``REDIS_URL`` is set (several app servers share
#: the counts), else in this process.
REDIS_URL = None
RATELIMIT_HEADERS_ENABLED = True
#: The number of proxies in front of the app that set X-Forwarded-For (nginx: 1); 0 trusts none.
#: The client address that limits and lock-outs count by comes from there.
TRUSTED_PROXIES = 0
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

#: Where files are kept by their SHA-256 (signatures, scans, sealed agreements); several app
#: servers must share it. Default: ``storage/`` in the instance folder.
STORAGE_PATH = None
#: The committees' signing keys and the system's root certificate (``mediation keys init``);
#: several app servers must share them. Default: ``keys/`` in the instance folder.
SIGNING_KEYS_PATH = None
#: Where the cut-down document fonts are built once. Default: ``fonts/`` in the instance folder.
FONT_CACHE_PATH = None
#: The address printed (as a QR code) on sealed documents for checking them, e.g.
#: ``https://tiaojie.example.gov.cn``; default: the address the sealing request came to.
PUBLIC_BASE_URL = None
#: Largest signature scan or image accepted (bytes).
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
