"""Login rate limit: after LOGIN_RATE_LIMIT failed logins ("10 per minute") from one address,
the next login attempt gets 429, on the login form and on the JSON login alike (one counter).

Flask-Limiter (the limiter FAB creates, ``sm.limiter``) with ``deduct_when``: each POST to a
login endpoint is *tested* against the limit before it runs, and *counted* only when the
security manager found the user name or password wrong (``g.login_failed``, set in
``EstateSecurityManager.auth_user_db``). Successful logins and forms refused for a missing CSRF
token cost nothing. Counters live in Redis when REDIS_URL is set (several gunicorn workers
share them), else in the process's memory; ``moving-window`` counts exactly the last minute.

The client address is ``request.remote_addr``: behind a reverse proxy that is the proxy's
address unless PROXY_HOPS tells the app to trust its X-Forwarded-For (ProxyFix).
"""
from __future__ import annotations

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

SCOPE = "login"
DEFAULT_LIMIT = "10 per minute"


def login_endpoints(appbuilder) -> set[str]:
    sm = appbuilder.sm
    endpoints = {f"{sm.auth_view.endpoint}.login"}
    api = _security_api(appbuilder)
    if api is not None:
        endpoints.add(f"{api.endpoint}.login")
    return endpoints


def _security_api(appbuilder):
    from flask_appbuilder.security.api import SecurityApi

    return next((v for v in appbuilder.baseviews if isinstance(v, SecurityApi)), None)


def mark_failed_login() -> None:
    """Called by the security manager when a user name / password pair is refused."""
    g.login_failed = True


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _limit_value() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT") or DEFAULT_LIMIT


def _first_breach_this_minute() -> bool:
    """One security-log entry per blocked address and minute: a script hammering the login
    must not fill the log."""
    limiter = current_app.extensions.get("login_limiter")
    try:
        return limiter.storage.incr(f"login-blocked-logged/{get_remote_address()}", 60) == 1
    except Exception:  # noqa: BLE001 - storage down: log it rather than nothing
        return True


def _on_breach(request_limit) -> None:
    from app.security import events

    if not _first_breach_this_minute():
        return
    events.record(events.LOGIN_BLOCKED, username=_tried_username(),
                  detail={"via": "api" if request.path.startswith("/api/") else "form",
                          "limit": str(request_limit.limit)})


def _tried_username() -> str | None:
    if request.form.get("username"):
        return request.form["username"]
    data = request.get_json(silent=True) if request.is_json else None
    return data.get("username") if isinstance(data, dict) and isinstance(data.get("username"), str) else None


def init_login_limit(app, appbuilder) -> None:
    """Put the shared login limit on FAB's login view and on the security API."""
    limiter = appbuilder.sm.limiter
    if not limiter.enabled:
        app.logger.warning("RATELIMIT_ENABLED is off: logins are not rate limited")
        return
    endpoints = login_endpoints(appbuilder)
    app.extensions["login_limiter"] = limiter
    limit = limiter.shared_limit(
        _limit_value, scope=SCOPE, key_func=get_remote_address, methods=["POST"],
        deduct_when=_failed, exempt_when=lambda: request.endpoint not in endpoints,
        on_breach=_on_breach, override_defaults=False,
    )
    limit(appbuilder.sm.auth_view.blueprint)
    api = _security_api(appbuilder)
    if api is not None:
        limit(api.blueprint)


def reset_login_limit(app) -> None:
    """Forget every counter (tests; an administrator after a false alarm)."""
    limiter = app.extensions.get("login_limiter")
    if limiter is not None:
        limiter.reset()
