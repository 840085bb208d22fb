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

# --- Flask-AppBuilder -------------------------------------------------------------------
APP_NAME = os.environ.get("APP_NAME", "物业客服台账 Estate Desk")
APP_THEME = ""
FAB_API_SWAGGER_UI = _bool("FAB_API_SWAGGER_UI", False)
FAB_ADD_SECURITY_API = True
# Permissions are written by `flask --app run.py init` (and run.py) once per deploy, not by
# every web worker at start (several workers would race to create them).
FAB_UPDATE_PERMS = _bool("FAB_UPDATE_PERMS", False)
FAB_CREATE_DB = False  # the schema belongs to the Alembic migrations
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

# --- demo -------------------------------------------------------------------------------
SEED_DEMO = _bool("SEED_DEMO", True)
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD")
DEMO_FEE_MONTHS = int(os.environ.get("DEMO_FEE_MONTHS", "12"))  # months of demo billing and payments
