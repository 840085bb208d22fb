"""Security headers on every response: pages, JSON, PDFs, error pages and static files.

Content-Security-Policy: scripts only from our own origin and inline blocks carrying this
request's nonce. FAB 5.3's templates already put ``nonce="{{ baselib.get_nonce() }}"`` on their
script tags, filled from a ``csp_nonce()`` template function when one exists (the Flask-Talisman
convention): we provide it. Our own templates use no inline scripts or event handlers (the
confirmations and the select-all box live in static/estate.js).

The one compromise: ``style-src`` allows 'unsafe-inline'. FAB's templates and widgets (select2,
the date picker, Bootstrap's JS) write ``style="..."`` attributes, which a nonce cannot cover;
inline styles cannot run code, so scripts stay strict. ``img-src``/``font-src`` allow ``data:``
for the icons Bootstrap and select2 embed in their CSS.
"""
from __future__ import annotations

import secrets

from flask import g, request

CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This request's nonce (made on first use)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(16)
    return nonce


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
    # a Jinja global, not a context processor: FAB's widgets import baselib.html without
    # context, and only globals reach such imports
    app.jinja_env.globals["csp_nonce"] = csp_nonce
