"""Responses shared by the views: a printed document (PDF)."""
from __future__ import annotations

from flask import make_response


def pdf_response(data: bytes, filename: str, *, inline: bool = True, no_store: bool = True):
    """A PDF shown in the browser (``inline``) or downloaded. ``no_store``: not kept in the
    browser's or a proxy's cache (every staff document holds personal data); public posters
    may be cached."""
    resp = make_response(data)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    if no_store:
        resp.headers["Cache-Control"] = "no-store"
    return resp
