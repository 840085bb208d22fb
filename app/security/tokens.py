"""Ending sessions and API tokens: a password change ends every other session of the user,
and an API logout revokes the tokens of that login.

- **Password mark**: a keyed hash of the user's stored password hash (HMAC with SECRET_KEY,
  never the hash itself). A browser session keeps the mark of its login; every JWT carries it
  (claim ``pwd``). FAB loads the user on every request anyway, so comparing the marks costs no
  query: a changed password (by the user or by the admin) no longer matches, and the session
  or token is over, in every gunicorn worker at once (the mark lives in the database row).
  The user's own session, where they changed it, takes the new mark and stays logged in.
- **Grants**: the access and refresh tokens of one API login share a grant id (claim
  ``grant``); POST /api/v1/security/logout revokes the grant (a ``revoked_grant`` row, in the
  database, which every worker reads), so both tokens stop working. Tokens issued before this
  release carry neither claim and are refused: log in again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app, g, has_request_context, session
from sqlalchemy import select

PWD_CLAIM = "pwd"
GRANT_CLAIM = "grant"
SESSION_MARK = "_pwd"


def password_mark(user) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    stored = (getattr(user, "password", None) or "").encode()
    return hmac.new(key, b"session:" + stored, hashlib.sha256).hexdigest()[:32]


def marks_match(user, mark) -> bool:
    return isinstance(mark, str) and hmac.compare_digest(mark, password_mark(user))


def remember_login(user) -> None:
    """At a browser login: the session keeps the mark of the password it logged in with."""
    session[SESSION_MARK] = password_mark(user)


def password_changed(user) -> None:
    """After a password change: the session where it happened, if it is this user's, goes on
    with the new mark; every other session and token of the user is over."""
    from flask_login import current_user

    if has_request_context() and getattr(current_user, "id", None) == user.id and SESSION_MARK in session:
        session[SESSION_MARK] = password_mark(user)


def _grant() -> str:
    """The grant of the token being issued: a refresh keeps the refresh token's grant; a login
    makes one, shared by the access and refresh tokens it issues in this request."""
    from flask_jwt_extended import get_jwt

    try:
        current = get_jwt()
    except RuntimeError:  # no token verified in this request: a login
        current = {}
    if current.get(GRANT_CLAIM):
        return current[GRANT_CLAIM]
    if "jwt_grant" not in g:
        g.jwt_grant = secrets.token_urlsafe(18)
    return g.jwt_grant


def init_jwt(jwt_manager, sm) -> None:
    @jwt_manager.additional_claims_loader
    def _claims(identity):
        user = sm.get_user_by_id(int(identity))
        return {PWD_CLAIM: password_mark(user) if user else "", GRANT_CLAIM: _grant()}

    @jwt_manager.token_in_blocklist_loader
    def _revoked(_header, payload) -> bool:
        from app.extensions import db
        from app.security.models import RevokedGrant

        grant = payload.get(GRANT_CLAIM)
        if not grant:
            return True
        return db.session.scalar(select(RevokedGrant.grant_id).where(RevokedGrant.grant_id == grant)) is not None


def token_user_ok(user, payload) -> bool:
    """For the JWT user loader: the token was issued under the user's current password."""
    return marks_match(user, payload.get(PWD_CLAIM))


def revoke_grant(payload, now: dt.datetime) -> None:
    from app.extensions import db
    from app.security.models import RevokedGrant

    grant = payload.get(GRANT_CLAIM)
    if grant and db.session.get(RevokedGrant, grant) is None:
        expires = dt.datetime.fromtimestamp(int(payload.get("exp", 0)), dt.timezone.utc).replace(tzinfo=None)
        refresh = current_app.config.get("JWT_REFRESH_TOKEN_EXPIRES", dt.timedelta(days=30))
        db.session.add(RevokedGrant(grant_id=grant, user_id=int(payload["sub"]), revoked_at=now,
                                    keep_until=max(expires, now + (refresh or dt.timedelta(days=30)))))
        db.session.commit()
