"""Staff sessions: idle timeout and the session cookie.

- The cookie is HttpOnly, SameSite=Lax, and Secure when SESSION_COOKIE_SECURE is on (set it when
  the office serves over HTTPS; off by default so that http://localhost works). See config.py.
- After SESSION_IDLE_MINUTES (30) without a request, the next request logs the user out and
  goes to the login page with a message (an API call from the browser gets 401).
- A changed password (by the user or by the admin) ends every other session of the user at its
  next request, in every worker: the session keeps a keyed mark of the password it logged in
  with (app/security/tokens.py); the session where the user changed their own goes on.
- A user set inactive is out at the next request: FAB's user loader returns no inactive user,
  so Flask-Login treats the browser as anonymous (tests/security/test_auth_sessions.py).
- Logout (FAB's /logout/) ends the session: Flask-Login forgets the user, and the session's id
  goes on a revocation list (in the limiter's storage: Redis when REDIS_URL is set) for as long
  as the idle timeout, so a copy of the old cookie replayed later is logged out too. While
  Redis does not answer (``storage.check()``, asked at most every 30 s) the list is skipped;
  once it answers again the list is used again.
"""
from __future__ import annotations

import secrets
import time

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in, user_logged_out

LAST_SEEN = "_last_seen"
SESSION_ID = "_sid"


def idle_seconds() -> int:
    return int(current_app.config.get("SESSION_IDLE_MINUTES", 30)) * 60


def _now() -> int:
    return int(time.time())


def _expired_response():
    minutes = idle_seconds() // 60
    message = _("You were logged out after %(minutes)d minutes without activity. Please log in again.",
                minutes=minutes)
    if request.path.startswith("/api/"):
        return jsonify(message=message), 401
    flash(message, "warning")
    sm = current_app.appbuilder.sm
    next_url = request.full_path if request.method == "GET" else None
    return redirect(url_for(f"{sm.auth_view.endpoint}.login", next=next_url))


class StorageHealth:
    """Whether the limiter's storage (Redis) answers, asked with its public ``check()`` at most
    once every RECHECK_SECONDS per worker, so that a dead Redis does not cost every request a
    connection attempt; a failed read or write counts as "down" until the next check."""

    RECHECK_SECONDS = 30

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._ok = False
        self._checked_at: float | None = None

    def usable(self, storage) -> bool:
        now = self._clock()
        if self._checked_at is None or now - self._checked_at >= self.RECHECK_SECONDS:
            try:
                self._ok = bool(storage.check())
            except Exception:  # noqa: BLE001 - a storage that cannot even be asked is down
                self._ok = False
            self._checked_at = now
        return self._ok

    def failed(self) -> None:
        self._ok = False
        self._checked_at = self._clock()


def _storage():
    """The limiter's storage when it answers, else None (logouts then rely on Flask-Login and
    the idle timeout alone; Flask-Limiter itself counts logins in memory meanwhile)."""
    limiter = current_app.extensions.get("login_limiter")
    if limiter is None or not getattr(limiter, "initialized", False):
        return None
    health = current_app.extensions.setdefault("session_storage_health", StorageHealth())
    return limiter.storage if health.usable(limiter.storage) else None


def _storage_failed() -> None:
    current_app.extensions["session_storage_health"].failed()


def _revoke(sid: str) -> None:
    storage = _storage()
    if storage is None:
        return
    try:
        storage.incr(f"revoked-session/{sid}", idle_seconds() + 60)
    except Exception:  # noqa: BLE001 - Redis down: the logout itself must still work
        _storage_failed()
        current_app.logger.warning("could not record the logged-out session (rate-limit storage down)")


def _revoked(sid) -> bool:
    if not sid:
        return False
    storage = _storage()
    if storage is None:
        return False
    try:
        return bool(storage.get(f"revoked-session/{sid}"))
    except Exception:  # noqa: BLE001 - Redis down: idle timeout and logout still apply
        _storage_failed()
        return False


def check_idle():
    """before_request: end a session idle for too long, else note this request's time."""
    if request.endpoint == "static" or request.endpoint == "appbuilder.static":
        return None
    if "_user_id" not in session or not current_user.is_authenticated:
        return None
    if _revoked(session.get(SESSION_ID)):  # a copy of a cookie that was logged out
        g.session_expired = True  # not a logout of its own in the security log
        logout_user()
        session.clear()
        return redirect(url_for(f"{current_app.appbuilder.sm.auth_view.endpoint}.login"))
    from app.security import tokens

    if not tokens.marks_match(current_user, session.get(tokens.SESSION_MARK)):
        # the password was changed since this session logged in (here only by someone else)
        g.session_expired = True
        logout_user()
        session.clear()
        flash(_("Your password was changed. Please log in with the new password."), "warning")
        if request.path.startswith("/api/"):
            return jsonify(message=_("Your password was changed. Please log in with the new password.")), 401
        return redirect(url_for(f"{current_app.appbuilder.sm.auth_view.endpoint}.login"))
    now = _now()
    last = session.get(LAST_SEEN)
    if isinstance(last, (int, float)) and now - last > idle_seconds():
        from app.security import events

        user = current_user._get_current_object()
        g.session_expired = True
        logout_user()
        session.pop(LAST_SEEN, None)
        events.record(events.SESSION_EXPIRED, user=user, detail={"idle_minutes": (now - int(last)) // 60})
        return _expired_response()
    if last != now:
        session[LAST_SEEN] = now
    return None


def init_app(app) -> None:
    app.before_request(check_idle)

    @user_logged_in.connect_via(app)
    def _logged_in(_sender, user=None, **_kw):
        from app.security import tokens

        session[LAST_SEEN] = _now()
        session[SESSION_ID] = secrets.token_urlsafe(16)
        if user is not None:
            tokens.remember_login(user)

    @user_logged_out.connect_via(app)
    def _logged_out(_sender, **_kw):
        session.pop(LAST_SEEN, None)
        sid = session.pop(SESSION_ID, None)
        if sid:
            _revoke(sid)
