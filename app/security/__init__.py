"""Security: permissions, roles, the security manager, and the hardening issue #7 asked for
(login rate limit, password policy, sessions, security headers, the security log)."""


def init_security(app, appbuilder) -> None:
    """Called once by create_app after the views are registered."""
    from app.security import events, headers, limiter, sessions
    from app.security.passwords import fab_password_validator

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", fab_password_validator)
    limiter.init_login_limit(app, appbuilder)
    sessions.init_app(app)
    headers.init_app(app)
    events.init_app(app)
