"""Helpers of StaffRestApi (app/core/api.py): primary keys and foreign keys sent by a client,
and the mapping of service errors to HTTP answers. No SQL, driver name or traceback ever
reaches a response body: every message here is ours and translated.
"""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import get_domain, gettext
from marshmallow import ValidationError, fields
from sqlalchemy import inspect as sa_inspect

from app.core.models import estate_of
from app.core.money import FixedDecimal
from app.exceptions import DomainError
from app.extensions import db

# the largest id a BIGINT (and SQLite's INTEGER) holds; beyond it the driver overflows
MAX_ID = 2**63 - 1


def as_pk(raw) -> int | None:
    """A record id from a URL or a body: a positive integer in range, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        value = int(raw)
    else:
        return None
    return value if 0 < value <= MAX_ID else None


def _not_found(field: str) -> DomainError:
    return DomainError(
        gettext("No such record: it does not exist or belongs to an estate you do not work for."), field=field)


def related_row(model, raw, field: str, estate_ids):
    """The row of ``model`` a client names by id in ``field``, if it exists and (for a row of
    an estate) belongs to one of ``estate_ids``; else a DomainError on the field. A dict or
    any other shape is refused: the API never creates a related row from a body."""
    pk = as_pk(raw)
    if pk is None:
        raise DomainError(gettext("Give the id (a whole number) of an existing record."), field=field)
    row = db.session.get(model, pk)
    if row is None:
        raise _not_found(field)
    if hasattr(model, "estate_id") or model.__name__ == "Estate":
        estate_id = estate_of(row)
        if estate_id is not None and estate_id not in estate_ids:
            raise _not_found(field)
    return row


def check_relations(datamodel, data, columns, estate_ids) -> None:
    """Every relation column of ``columns`` present in the JSON ``data`` names existing rows
    the user may reach (one id, or a list of ids for a to-many relation)."""
    if not isinstance(data, dict):
        return
    for col in columns or []:
        if col not in data or data[col] is None or not datamodel.is_relation(col):
            continue
        model = datamodel.get_related_model(col)
        value = data[col]
        if datamodel.is_relation_many_to_many(col) or datamodel.is_relation_one_to_many(col):
            if not isinstance(value, list):
                raise DomainError(gettext("Give a list of ids of existing records."), field=col)
            for raw in value:
                related_row(model, raw, col, estate_ids)
        else:
            related_row(model, value, col, estate_ids)


# --- exact decimals in bodies ---------------------------------------------------------------
_DECIMAL_RE = re.compile(r"^[+-]?\d{1,15}(\.\d+)?$")


class ExactDecimal(fields.Decimal):
    """A Money / FixedDecimal column in a body: plain ASCII digits with at most ``places``
    decimals, as text or a JSON number. Refused, never rounded: NaN, Infinity, exponents,
    full-width digits (Python's Decimal would take ``１００`` as 100), too many decimals."""

    def __init__(self, places: int, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValidationError(gettext("Enter a number, e.g. 1005.50."))
        text = repr(value) if isinstance(value, float) else str(value).strip()
        if not text.isascii() or not _DECIMAL_RE.match(text):
            raise ValidationError(gettext("Enter a number in plain digits with at most %(n)d decimals, e.g. "
                                          "1005.50.", n=self.places))
        number = Decimal(text)
        if number.as_tuple().exponent < -self.places:
            raise ValidationError(gettext("At most %(n)d decimals.", n=self.places))
        return number


def exact_decimals(schema, model) -> None:
    """Put ExactDecimal on every exact-decimal column of a FAB model schema (in place)."""
    if schema is None:
        return
    columns = sa_inspect(model).columns
    for name, field in list(schema.load_fields.items()):
        column = columns.get(name)
        if column is None or not isinstance(column.type, FixedDecimal):
            continue
        exact = ExactDecimal(column.type.places, required=field.required, allow_none=field.allow_none)
        exact._bind_to_schema(name, schema)
        schema.fields[name] = schema.load_fields[name] = exact
        if name in schema.dump_fields:
            schema.dump_fields[name] = exact


class PlainFieldInfo:
    """``_info``: FAB translates ``label_columns.get(name, "")`` and ``description_columns.get(
    name, "")``, and ``gettext("")`` is the catalog's header (``Project-Id-Version…``): a
    field without a description showed it. Only a text that is there is translated."""

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        ret = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        domain = get_domain()  # the texts were declared where they are set (_l, FAB's labels)
        for key, texts in (("label", self.label_columns), ("description", self.description_columns)):
            text = texts.get(field.name)
            ret[key] = domain.gettext(str(text)) if text else ""
        return ret
