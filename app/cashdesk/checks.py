"""Checks shared by the cash-desk registers that the accountant signs: bank deposits
(app.cashdesk.deposits) and reconciliations (app.cashdesk.reconciliation).

Both take an explicit actor, so the permission and the estate scope are checked here against
that actor, not the logged-in user; and both read dates and free text typed on a page, an API
call or the command line, so the same cleaning applies on every save path.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError, NotFound

MIN_NOTE = 4  # characters of a difference note, a reversal reason or an explanation


# --- permission and scope of the explicit actor -------------------------------------------
def can(actor, action: str, resource: str) -> bool:
    return actor is not None and current_app.appbuilder.sm.user_can(actor, action, resource)


def check_scope(actor, estate_id: int) -> None:
    if estate_id not in current_app.appbuilder.sm.estate_ids_for(actor):
        raise NotFound(_l("This record does not exist, or it belongs to an estate you do not work for."))


# --- typed input --------------------------------------------------------------------------
def as_date(value, field_name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise DomainError(_l("Enter a date as YYYY-MM-DD."), field=field_name) from None


def clean_text(text, limit: int, field_name: str) -> str | None:
    text = (text or "").strip()
    if len(text) > limit:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=limit), field=field_name)
    return text or None
