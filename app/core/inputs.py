"""Ids and text typed on a page or sent to the API, checked before the database sees them.

Why here and not in the database: SQLite stores whatever it gets (a 10,000-character reference
in a VARCHAR(100), a NUL byte in a name) while PostgreSQL refuses the same values with a driver
error (a 500); and a lenient integer field turns ``8.5`` into unit 8. Checked here, both
databases answer alike: a DomainError naming the field, with a translated message.

- ``as_id`` / ``as_ids``: a record id is a plain positive integer of at most 64 bits, given as
  an int or as ASCII digits (spaces around allowed). Never coerced: ``8.5``, ``8.0``, ``1e3``,
  ``²``, ``８``, ``-1``, ``10**25``, ``True`` are refused.
- ``clean_text``: spaces around are dropped; at most ``limit`` characters (the column's
  length, see ``column_limit``); no control characters (NUL, ESC, DEL, C1 ...) and no lone
  surrogates; tab, CR and LF only in multi-line text.
- ``IdField`` / ``TextField``: the same checks as marshmallow fields for API schemas (a refusal
  becomes the API's usual 422 on the field).
"""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from app.exceptions import DomainError

# the largest id a BIGINT (and SQLite's INTEGER) holds; beyond it the driver overflows
MAX_ID = 2**63 - 1
_MULTILINE_OK = {"\t", "\r", "\n"}


def as_id(raw, field: str) -> int:
    """A record id, or a DomainError on ``field``."""
    value = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        # isdecimal() alone would take "８" and isdigit() "²": ASCII digits only
        if text.isascii() and text.isdigit() and len(text) <= 19:
            value = int(text)
    if value is None or not 0 < value <= MAX_ID:
        raise DomainError(_l("Give the id of a record as a whole number in plain digits, e.g. 8."), field=field)
    return value


def as_ids(raw, field: str) -> list[int]:
    """A list of record ids (duplicates dropped, order kept), or a DomainError on ``field``."""
    if isinstance(raw, (str, bytes, dict)) or not hasattr(raw, "__iter__"):
        raise DomainError(_l("Give a list of ids of existing records."), field=field)
    out: list[int] = []
    for item in raw:
        value = as_id(item, field)
        if value not in out:
            out.append(value)
    return out


def bad_character(text: str, multiline: bool) -> bool:
    for ch in text:
        if multiline and ch in _MULTILINE_OK:
            continue
        # Cc: C0/C1 controls and DEL (NUL, ESC, \x85 ...); Cs: lone surrogates PostgreSQL
        # cannot encode; line and paragraph separators would break a one-line field too
        if unicodedata.category(ch) in ("Cc", "Cs") or (not multiline and ch in "\u2028\u2029"):
            return True
    return False


def clean_text(raw, field: str, limit: int, *, multiline: bool = False, required: bool = False) -> str | None:
    """Typed text with spaces around dropped (None when empty), or a DomainError on ``field``."""
    if raw is None:
        text = ""
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        raise DomainError(_l("Enter text."), field=field)
    if not text:
        if required:
            raise DomainError(_l("This field is required."), field=field)
        return None
    if bad_character(text, multiline):
        raise DomainError(_l("The text contains a control character (such as a NUL byte or a line break where "
                             "none is allowed): retype it."), field=field)
    if len(text) > limit:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=limit), field=field)
    return text


def column_limit(column) -> int:
    """The length of a String column (``Receipt.reference`` -> 100): limits follow the schema."""
    return column.property.columns[0].type.length


# --- the same checks as marshmallow fields, for API schemas ------------------------------------
class IdField(fields.Integer):
    """A record id in a body: ``as_id``'s rules (marshmallow's Integer turns 8.5 into 8)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return as_id(value, attr or "id")
        except DomainError as err:
            raise ValidationError(str(err)) from None


class IdListField(fields.List):
    """A list of record ids in a body: ``as_ids``'s rules."""

    def __init__(self, **kwargs):
        super().__init__(IdField(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return as_ids(value, attr or "ids")
        except DomainError as err:
            raise ValidationError(str(err)) from None


class TextField(fields.String):
    """Text in a body: ``clean_text``'s rules with the column's ``limit``."""

    def __init__(self, limit: int, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.limit, self.multiline = limit, multiline
        self.metadata.setdefault("maxLength", limit)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return clean_text(value, attr or "text", self.limit, multiline=self.multiline,
                              required=self.required)
        except DomainError as err:
            raise ValidationError(str(err)) from None
