"""Form fields that keep what staff type: exact decimals and office date-times.

FAB builds a form field from a column's type. A ``Money``/``FixedDecimal`` column (a scaled
integer underneath) reached it as an integer: 1.30 was refused and 0.50 saved back as 0; a
datetime got a date-only English picker that rewrote a typed time. StaffModelView puts these
fields on every such column once (``form_fields_for``), so every register gets them.

Typed text is read as an office keyboard gives it: full-width digits and punctuation of a
Chinese input method, spaces around or inside, thousands commas. A value is never rounded:
more decimals than the column keeps is refused with a message.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import DateTime, Float, Numeric
from wtforms import Field
from wtforms.validators import Optional, StopValidation
from wtforms.widgets import html_params

from app.core.money import FixedDecimal

_NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d*)?$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def typed(text: str | None) -> str:
    """Text as typed, in half-width form without surrounding spaces (full-width digits, the
    ideographic space, ： and － of a Chinese input method become their ASCII forms)."""
    return unicodedata.normalize("NFKC", text or "").strip()


class _Required:
    """A value must be given. (WTForms' DataRequired refuses the number 0, InputRequired lets a
    value of blanks through.)"""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(gettext("This field is required."))


class _TextInput:
    """<input class="form-control"> with the field's text and extra attributes."""

    def __init__(self, **attrs):
        self.attrs = attrs

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs["class"] = "form-control"
        params = {**self.attrs, **kwargs}
        if field.flags.required:
            params.setdefault("required", True)
        # html_params escapes every name and value it writes
        return Markup(f"<input {html_params(name=field.name, value=field._value(), **params)}>")  # nosec B704


class ExactDecimalField(Field):
    """A decimal with ``places`` decimals: shown with its scale (1.20, 0.000300), read from typed
    text, refused — never rounded — with more decimals, below ``minimum`` or above ``maximum``."""

    def __init__(self, label=None, validators=None, places: int = 2, minimum: Decimal | None = Decimal(0),
                 maximum: Decimal | None = None, **kwargs):
        kwargs.setdefault("widget", _TextInput(type="text", inputmode="decimal", autocomplete="off"))
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.quantum = Decimal(1).scaleb(-places)
        self.minimum = minimum
        self.maximum = maximum

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{Decimal(self.data).quantize(self.quantum)}"

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = typed(valuelist[0]).replace(" ", "").replace("¥", "")
        self.data = None
        if not text:
            return
        if _THOUSANDS_RE.match(text):
            text = text.replace(",", "")
        if not _NUMBER_RE.match(text):
            raise ValueError(gettext("Enter a number with at most %(n)d decimals, e.g. %(example)s.",
                                     n=self.places, example=self._example()))
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            raise ValueError(gettext("Enter a number, e.g. 1005.50."))
        if value.as_tuple().exponent < -self.places:
            raise ValueError(gettext("At most %(n)d decimals.", n=self.places))
        if self.minimum is not None and value < self.minimum:
            raise ValueError(gettext("The value cannot be negative.") if self.minimum == 0
                             else gettext("The value must be at least %(n)s.", n=self.minimum))
        if self.maximum is not None and value > self.maximum:
            raise ValueError(gettext("The value is too large (at most %(n)s).", n=self.maximum))
        self.data = value.quantize(self.quantum)

    def _example(self) -> str:
        return "1.20" if self.places <= 2 else f"{Decimal('1.2'):.{self.places}f}"


DATETIME_EXAMPLE = "2026-12-09 08:00"
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
                    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d", "%Y/%m/%d")
_CHINESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?\s*(?:(\d{1,2})[:时点](\d{1,2})分?)?$")


def parse_local_datetime(text: str) -> dt.datetime | None:
    """A date and time typed on the office clock: 2026-12-09 08:00, 2026/12/9 8:00, the browser's
    2026-12-09T08:00, 2026年12月9日 8:00, full-width digits; a date alone is its midnight."""
    text = re.sub(r"\s+", " ", typed(text))
    if not text:
        return None
    m = _CHINESE_DATE.match(text)  # a date that does not exist falls through to the message
    if m:
        y, mo, d, h, mi = (int(g) if g else 0 for g in m.groups())
        try:
            return dt.datetime(y, mo, d, h, mi)
        except ValueError:  # 2026年13月40日: Python's own message is English
            pass
    for fmt in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(gettext("Enter a date and time, e.g. %(example)s.", example=DATETIME_EXAMPLE))


class _DateTimeInput:
    """A text box for the date and time as the office writes it (2026-12-09 08:00), with a
    calendar button. The button opens the browser's own date-time picker (app/static/estate.js),
    which writes its choice back into the box. The box itself is text, not the browser's
    date-time control: that control's layout and messages follow the browser's language
    (mm/dd/yyyy and English on an English browser), the box is the same everywhere."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        params = html_params(name=field.name, value=field._value(), type="text", autocomplete="off",
                             placeholder=DATETIME_EXAMPLE, required=bool(field.flags.required), **kwargs,
                             **{"class": "form-control", "data-datetime": ""})
        title = escape(gettext("Pick a date and time"))
        # the parameters are escaped by html_params, the title by escape; the rest is fixed markup
        return Markup(  # nosec B704
            f'<div class="input-group estate-datetime"><input {params}>'
            f'<span class="input-group-btn"><button type="button" class="btn btn-default" data-pick-datetime '
            f'title="{title}" aria-label="{title}"><i class="fa fa-calendar"></i></button></span>'
            '<input type="datetime-local" step="60" class="estate-datetime-picker" tabindex="-1" aria-hidden="true">'
            "</div>")



class LocalDateTimeField(Field):
    """A date and a time on the office clock, to the minute, typed (in the usual office
    spellings) or picked from a calendar."""

    widget = _DateTimeInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return self.data.strftime("%Y-%m-%d %H:%M")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        self.data = parse_local_datetime(valuelist[0])


def keep_seconds(form, item) -> None:
    """A stored time keeps its seconds when the minute the form showed comes back unchanged
    (the form shows minutes; a receipt's or a log's seconds are not the typist's to lose)."""
    for name, field in form._fields.items():
        stored = getattr(item, name, None)
        if isinstance(field, LocalDateTimeField) and isinstance(stored, dt.datetime) and field.data is not None \
                and stored.replace(second=0, microsecond=0) == field.data:
            field.data = stored


def field_for(column, label, description, validators, default=None):
    """The form field of an exact-decimal or date-time column, or None for FAB's own."""
    kind = column.type
    required = not column.nullable and not column.primary_key
    checks = list(validators or []) + ([_Required()] if required else [Optional()])
    kwargs = dict(label=label, description=description, validators=checks, default=default)
    if isinstance(kind, FixedDecimal):
        return ExactDecimalField(places=kind.places, maximum=_max_of(kind), **kwargs)
    if isinstance(kind, Numeric) and not isinstance(kind, Float) and kind.scale is not None:
        return ExactDecimalField(places=kind.scale, maximum=_max_of(kind), **kwargs)
    if isinstance(kind, DateTime):
        return LocalDateTimeField(**kwargs)
    return None


def _max_of(kind) -> Decimal:
    """The largest value the column holds: 10 integer digits at most (ten billion yuan), fewer
    where a NUMERIC's precision says so."""
    if isinstance(kind, FixedDecimal):
        return Decimal("9999999999") + (1 - Decimal(1).scaleb(-kind.places))
    digits = (kind.precision or 12) - kind.scale
    return Decimal(10) ** digits - Decimal(1).scaleb(-kind.scale)


