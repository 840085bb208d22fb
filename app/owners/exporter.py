"""Excel export of the owner list, and the blank import template (.xlsx, openpyxl).

Every text cell is written as a plain string, never as a formula; a text that Excel or WPS
would take for a formula (starting with = + - @, tab or line break) also gets the quote prefix,
so editing the cell does not turn it into one either (CSV/formula injection).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.owners import rules
from app.owners.models import Occupancy, Owner

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(ws, row: int, column: int, value, number_format: str | None = None):
    """Write ``value`` so that a spreadsheet never evaluates it."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def _header(ws, titles, widths) -> None:
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for col, (title, width) in enumerate(zip(titles, widths), start=1):
        cell = safe_cell(ws, 1, col, str(title))
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _natural(code: str) -> list:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", code or "") if p]


def export_owners(estate_ids, mask_personal: bool) -> bytes:
    """The owners and occupants of ``estate_ids`` as an .xlsx file: one row per unit a person
    currently lives in or holds (a person without a current unit: one row, unit blank).
    ``mask_personal``: phone numbers as 138****5678."""
    import openpyxl

    owners = db.session.scalars(
        select(Owner)
        .where(Owner.estate_id.in_(list(estate_ids or [])))
        .options(selectinload(Owner.estate),
                 selectinload(Owner.occupancies).selectinload(Occupancy.unit))
    ).all()
    rows = []
    for o in owners:
        phone = rules.mask_phone(o.phone) if mask_personal else (o.phone or "")
        base = [o.estate.name if o.estate else "", o.name, phone]
        tail = [_("Yes") if o.important_client else ""]
        current = [occ for occ in o.occupancies if occ.move_out_date is None and occ.unit]
        for occ in current or [None]:
            code = occ.unit.code if occ else ""
            relation = str(rules.RELATIONS.get(occ.relation, occ.relation)) if occ else ""
            rows.append(((base[0], _natural(code) if code else [(2, 0, "")], o.name),
                         [*base, code, relation, occ.move_in_date if occ else None, *tail]))
    rows.sort(key=lambda r: r[0])

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _("Owners")[:31]
    _header(ws, [_("Estate"), _("Name"), _("Phone"), _("Unit"), _("Relation"), _("Move-in date"),
                 _("Important client")], [18, 14, 16, 12, 10, 13, 10])
    for r, (_key, values) in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            safe_cell(ws, r, c, value, "yyyy-mm-dd" if isinstance(value, dt.date) else None)
    if rows:
        ws.auto_filter.ref = ws.dimensions
    return _save(wb)


def import_template() -> bytes:
    """The import layout (app.owners.importer): the Chinese header row and one example row.
    Code, phone and ID columns are formatted as text so that Excel keeps every digit."""
    import openpyxl

    from app.owners.importer import COLUMNS

    example = {
        "building": "1", "entrance": "1", "room": "101", "property_type": "多层",
        "area": Decimal("89.50"), "status": "已入住", "name": "张三", "phone": "13812345678",
        "phone2": "", "id_number": "11010519491231002X", "relation": "业主",
        "move_in_date": dt.date(2023, 5, 1), "emergency_contact": "李四",
        "emergency_phone": "13912345678", "important_client": "否", "notes": "",
    }
    text_columns = {"building", "entrance", "room", "phone", "phone2", "id_number", "emergency_phone"}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "房屋及业主"
    _header(ws, [zh for _k, zh, _e, _m in COLUMNS], [8 if k in ("building", "entrance") else 13
                                                    for k, *_r in COLUMNS])
    for col, (key, *_rest) in enumerate(COLUMNS, start=1):
        fmt = "@" if key in text_columns else ("yyyy-mm-dd" if key == "move_in_date" else
                                              ("0.00" if key == "area" else None))
        value = example[key] or None
        safe_cell(ws, 2, col, float(value) if isinstance(value, Decimal) else value, fmt)
        for row in range(3, 502) if fmt else ():
            ws.cell(row=row, column=col).number_format = fmt
    return _save(wb)
