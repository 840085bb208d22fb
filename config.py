"""Settings, read from environment variables. No app imports here.

Secrets are never constants in the code: SECRET_KEY comes from the environment or from a
file generated once in the instance folder (see app.create_app).
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance")).resolve()


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


# --- database ---------------------------------------------------------------------------
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'estate_desk.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False
# SQLite waits this long for a lock before "database is locked" (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))

# --- secrets ----------------------------------------------------------------------------
SECRET_KEY = os.environ.get("SECRET_KEY")  # None: create_app generates and keeps one
# keys the receipt seals (app/cashdesk/seals.py); unset: derived from SECRET_KEY. Never stored in
# the database, so someone who can write the database cannot re-seal a changed receipt.
LEDGER_KEY = os.environ.get("LEDGER_KEY")

# --- Flask-AppBuilder -------------------------------------------------------------------
APP_NAME = os.environ.get("APP_NAME", "物业客服台账 Estate Desk")
APP_THEME = ""
# The OpenAPI spec (/api/v1/_openapi) and Swagger UI (/swagger/v1): development and tests
# only (APP_ENV=development or testing); production serves neither.
APP_ENV = os.environ.get("APP_ENV", "production").strip().lower()
FAB_ADD_OPENAPI_VIEWS = FAB_API_SWAGGER_UI = APP_ENV in ("development", "testing")
FAB_ADD_SECURITY_API = True
# Permissions are written by `flask --app run.py init` (and run.py) once per deploy, not by
# every web worker at start (several workers would race to create them).
FAB_UPDATE_PERMS = _bool("FAB_UPDATE_PERMS", False)
FAB_CREATE_DB = False  # the schema belongs to the Alembic migrations
# Proxies in front of the app (a load balancer = 1) whose X-Forwarded-For/Proto/Host are trusted:
# the login rate limit and the security log then see the client's address, not the proxy's.
PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
FAB_SECURITY_MANAGER_CLASS = "app.security.manager.EstateSecurityManager"
FAB_INDEX_VIEW = "app.core.index.DashboardIndexView"
FAB_BASE_TEMPLATE = "estate_baselayout.html"
FAB_API_MAX_PAGE_SIZE = 100
AUTH_TYPE = 1  # AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None

# --- language ---------------------------------------------------------------------------
# Flask-Babel turns "zh_CN" into zh_Hans_CN: our catalog lives in translations/zh_Hans_CN.
BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "zh_CN")
BABEL_DEFAULT_TIMEZONE = os.environ.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
# Absolute: a relative path would be resolved against app/ (FAB trap 8).
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
LANGUAGES = {
    "zh_CN": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "gb", "name": "English"},
}

# --- uploads ----------------------------------------------------------------------------
# photos of posted notices; served to logged-in staff only (app/publishing/views.py)
IMG_UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads")) + "/"
IMG_UPLOAD_URL = "/uploads/"
MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024)))

# --- the office's clock (app/core/clock.py) --------------------------------------------
# "YYYY-MM-DD" pins the office's date (the time of day keeps running): tests, the demo and CI's
# awkward-day runs. Unset (the default) in production: the office's date is the machine's, in
# BABEL_DEFAULT_TIMEZONE. A value that is not such a date stops the app at start.
OFFICE_TODAY = os.environ.get("OFFICE_TODAY", "").strip() or None

# --- demo -------------------------------------------------------------------------------
SEED_DEMO = _bool("SEED_DEMO", True)
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD")
DEMO_FEE_MONTHS = int(os.environ.get("DEMO_FEE_MONTHS", "12"))  # months of demo billing and payments

# --- login, sessions, security headers (app/security) -----------------------------------
# Failed logins from one address (login form and /api/v1/security/login together) before
# the next attempt gets 429; successful logins do not count. Counters are kept in Redis when
# REDIS_URL is set (shared by every gunicorn worker), else in each process's memory.
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
REDIS_URL = os.environ.get("REDIS_URL")
RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
RATELIMIT_STRATEGY = "moving-window"
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: count in memory rather than fail logins
# Staff passwords: at least 12 characters, not common, not the user name (app/security/passwords.py;
# the validator itself is set by app.security.init_security: no app imports here)
FAB_PASSWORD_COMPLEXITY_ENABLED = True
# Session cookie: never readable by scripts, not sent by other sites' forms; Secure (HTTPS only)
# when SESSION_COOKIE_SECURE=1 -- turn it on wherever the desk is served over HTTPS; it stays off
# by default so that http://localhost works.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
# minutes without a request after which the next one goes to the login page
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
