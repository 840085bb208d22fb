"""Application factory: create_app(config="config", **overrides)."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, request, session
from flask_appbuilder import AppBuilder

from app.core.clock import parse_office_today
from app.extensions import db, migrate

log = logging.getLogger(__name__)
MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


class _QuietFabSecurityFilters(logging.Filter):
    """FAB's own user and group APIs list relation columns (roles.name, users.id …) it cannot
    filter on, and say so at every start: four lines of noise before every command's output."""

    COLUMNS = frozenset({"roles.name", "roles.id", "users.id", "users.username"})

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.msg.startswith("Filter type not supported") and record.args
                    and record.args[0] in self.COLUMNS)


logging.getLogger("flask_appbuilder.models.filters").addFilter(_QuietFabSecurityFilters())


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        # several gunicorn workers may start at once: the first link wins and all read the
        # winner's key (never a half-written file, never two keys)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def select_locale() -> str:
    """?lang= (public pages, links from printed QR codes) > the user's choice > zh_CN."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for arg in ("lang", "_l_"):
        value = request.args.get(arg)
        if value:
            value = {"zh": "zh_CN", "zh_Hans_CN": "zh_CN"}.get(value, value)
            if value in languages:
                return value
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: str | object = "config", **overrides) -> Flask:
    import config as default_config

    instance_path = str(overrides.pop("INSTANCE_PATH", default_config.INSTANCE_DIR))
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=False)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(config)
    app.config.update(overrides)
    # a mistyped OFFICE_TODAY stops the start with its reason (ClockSettingError), not a
    # wrong date on every receipt
    parse_office_today(app.config.get("OFFICE_TODAY"))
    if "IMG_UPLOAD_FOLDER" not in overrides and "UPLOAD_FOLDER" not in os.environ:
        # uploads live beside the database of this instance
        app.config["IMG_UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads") + "/"
    os.makedirs(app.config["IMG_UPLOAD_FOLDER"], exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)

    with app.app_context():
        from app.core.sqlite import configure_sqlite

        configure_sqlite(db.engine, app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000))
        _import_models()
        appbuilder = AppBuilder(update_perms=app.config.get("FAB_UPDATE_PERMS", False))
        appbuilder.init_app(app, db.session)
        app.extensions["babel"].locale_selector = select_locale
        from app import menu

        menu.register(appbuilder)
        _protect_forms(app, appbuilder)
        from app.security import init_security

        init_security(app, appbuilder)  # login limit, password policy, sessions, headers, security log
        from app.core import url_guard

        url_guard.init_app(app, appbuilder)  # hostile ids, sorts, actions: 404/400 before any view

    from app.core.money import fmt
    from app.security.roles import role_label, staff_name

    app.jinja_env.globals.update(role_label=role_label, staff_name=staff_name)
    app.jinja_env.filters["yuan"] = lambda value: f"¥{fmt(value)}"  # ¥1,234.50

    @app.context_processor
    def _current_locale():
        """The language key (zh_CN / en) of this request, for the language menu."""
        return {"current_locale": select_locale()}

    from reports.rendering import check_environment

    for warning in check_environment():  # e.g. no HarfBuzz subsetter: Chinese PDFs take seconds
        app.logger.warning(warning)

    from app import cli, errors

    cli.register(app)
    errors.register(app)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:  # behind a load balancer: the client address and scheme from its X-Forwarded-* headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _protect_forms(app, appbuilder) -> None:
    from flask_appbuilder.api import BaseApi

    from app.extensions import csrf

    csrf.init_app(app)
    for view in appbuilder.baseviews:
        if isinstance(view, BaseApi):
            csrf.exempt(view.blueprint)


def _import_models() -> None:
    """Import every model module so that metadata (and Alembic) knows all tables."""
    import app.core.audit  # noqa: F401
    import app.cashdesk.models  # noqa: F401
    import app.collection.models  # noqa: F401
    import app.estate.models  # noqa: F401
    import app.fees.models  # noqa: F401
    import app.latefees.models  # noqa: F401
    import app.meters.models  # noqa: F401
    import app.owners.models  # noqa: F401
    import app.publishing.models  # noqa: F401
    import app.security.models  # noqa: F401
    import app.security.event_models  # noqa: F401
    import app.visits.models  # noqa: F401
    import app.servicedesk.models  # noqa: F401
