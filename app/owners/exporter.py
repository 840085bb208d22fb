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
from app.estate.models import Entrance
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


_RELATION_ORDER = {"owner": 0, "family": 1, "tenant": 2}


def _word(key: str, code: str | None) -> str | None:
    """The Chinese word the import reads for a code (多层, 已入住, 业主 ...)."""
    from app.owners.import_rules import choice_word

    return choice_word(key, code)


def export_owners(estate_ids, mask_personal: bool, id_numbers: bool = False) -> bytes:
    """The units and their current occupants of ``estate_ids`` as an .xlsx file in the import
    layout (app.owners.importer), so that the file imports back into its estate with nothing
    changed and nothing refused: one row per unit and current occupant (the owner first), one
    row with the unit's cells only for a unit nobody lives in, and at the end a row without room
    cells for each person who holds no unit now (moved out, or registered before their unit).
    ``mask_personal``: phone numbers as 138****5678 (the import reads them as "keep");
    ``id_numbers``: the ID-number column filled (else left blank, which the import keeps)."""
    import openpyxl

    from app.estate.models import Unit
    from app.owners.importer import COLUMNS

    units = db.session.scalars(
        select(Unit).where(Unit.estate_id.in_(list(estate_ids or [])))
        .options(selectinload(Unit.estate), selectinload(Unit.entrance).selectinload(Entrance.building),
                 selectinload(Unit.occupancies).selectinload(Occupancy.owner))
        .order_by(Unit.estate_id, Unit.sort_key)
    ).all()
    units = sorted(units, key=lambda u: (u.estate.name if u.estate else "", u.sort_key))

    def phone(number):
        return rules.mask_phone(number) if mask_personal else number

    rows = []
    for u in units:
        cells = {"estate": u.estate.name if u.estate else None, "building": u.entrance.building.number,
                 "entrance": u.entrance.number, "room": u.room_number,
                 "property_type": _word("property_type", u.property_type),
                 "area": float(u.chargeable_area) if u.chargeable_area is not None else None,
                 "status": _word("status", u.status)}
        current = sorted(u.current_occupants, key=lambda o: (_RELATION_ORDER.get(o.relation, 9), o.owner.name))
        if not current:
            rows.append({**cells, "notes": u.notes})
        for occ in current:
            o = occ.owner
            rows.append({**cells, "name": o.name, "phone": phone(o.phone), "phone2": phone(o.phone2),
                         "id_number": o.id_number if id_numbers else None,
                         "relation": _word("relation", occ.relation), "move_in_date": occ.move_in_date,
                         "emergency_contact": o.emergency_contact,
                         "emergency_phone": phone(o.emergency_phone),
                         "important_client": "是" if o.important_client else "否", "notes": o.notes})

    # people who hold no unit now (moved out, or registered before their unit): at the end,
    # without room cells; the import matches them back to themselves
    housed = {occ.owner_id for u in units for occ in u.current_occupants}
    for o in db.session.scalars(select(Owner).where(Owner.estate_id.in_(list(estate_ids or [])))
                                .options(selectinload(Owner.estate)).order_by(Owner.estate_id, Owner.name, Owner.id)):
        if o.id not in housed:
            rows.append({"estate": o.estate.name if o.estate else None, "name": o.name, "phone": phone(o.phone),
                         "phone2": phone(o.phone2), "id_number": o.id_number if id_numbers else None,
                         "emergency_contact": o.emergency_contact, "emergency_phone": phone(o.emergency_phone),
                         "important_client": "是" if o.important_client else "否", "notes": o.notes})

    layout = [COLUMNS[-1], *COLUMNS[:-1]]  # 小区 first: the list may hold several estates
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "房屋及业主"
    _header(ws, [zh for _k, zh, _e, _m in layout], [_WIDTHS.get(k, 13) for k, *_r in layout])
    for r, values in enumerate(rows, start=2):
        for c, (key, *_rest) in enumerate(layout, start=1):
            value = values.get(key)
            if value in ("", None):
                continue
            safe_cell(ws, r, c, value, _FORMATS.get(key))
    if rows:
        ws.auto_filter.ref = ws.dimensions
    return _save(wb)


_WIDTHS = {"estate": 16, "building": 8, "entrance": 8, "room": 9, "name": 14, "id_number": 21,
           "notes": 20}
_FORMATS = {"building": "@", "entrance": "@", "room": "@", "phone": "@", "phone2": "@", "id_number": "@",
            "emergency_phone": "@", "move_in_date": "yyyy-mm-dd", "area": "0.00"}


def import_template() -> bytes:
    """The import layout (app.owners.importer): the Chinese header row and one example row.
    Code, phone and ID columns are formatted as text so that Excel keeps every digit."""
    import openpyxl

    from app.owners.importer import COLUMNS

    COLUMNS = [c for c in COLUMNS if c[0] != "estate"]  # a template fills one estate
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
