"""Reading the import workbook (openpyxl): the first sheet, its header row and its data rows.

Finds the header row among the top rows, maps each column to its key (the names are in
app.owners.import_rules) and returns the raw cell values row by row; size limits keep a sheet
of formatted blank rows from being read without end. Values are not checked here.
"""
from __future__ import annotations

import zipfile

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.exceptions import ImportRejected
from app.owners.import_rules import (COLUMNS, LABELS, REQUIRED_COLUMNS, cell_text, header_key,
                                     is_main_header, is_total_row)

MAX_ROWS = 5000
MAX_SHEET_ROWS = 2 * MAX_ROWS + 10
HEADER_SEARCH_ROWS = 10


class SheetRows(list):
    """The data rows, and ``notices``: what was read but left aside (columns the desk does not
    keep, totals rows), as (Excel row number, translated message) for the result page."""

    def __init__(self, rows=(), notices=None):
        super().__init__(rows)
        self.notices: list[tuple[int, str]] = list(notices or [])


def parse_workbook(file_obj) -> SheetRows:
    """The data rows of the first sheet as {"row": Excel row number, column key: raw value}.
    Raises ImportRejected when the file is no .xlsx or its header row is unusable.

    Rosters are kept for people, not for this desk: a column it does not use (序号, 楼层 ...) is
    left aside with a notice, and so is a totals row (合计); a title row above the header and a
    header merged over two phone columns (联系电话 over 手机 and a second number) are read."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(file_obj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportRejected(_l("This is not an Excel .xlsx file. Save it as .xlsx and try again."), [])
    try:
        rows = enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)
        keys = None
        notices: list[tuple[int, str]] = []
        for number, values in rows:
            if number > HEADER_SEARCH_ROWS:
                break
            found = {header_key(v) for v in values if cell_text(v) and header_key(v)}
            # a roster of one 房号 column may name only the room and the owner
            if len(found) >= 3 or ("room" in found and len(found) >= 2):
                keys, errors = _read_header(number, values, notices)
                ignored = {col for col, v in enumerate(values) if cell_text(v) is not None and col not in keys}
                if errors:
                    raise ImportRejected(_l("The header row of the file is not usable."), errors)
                break
        if keys is None:
            headers = " | ".join(zh for _k, zh, _e, _m in COLUMNS[:6])
            raise ImportRejected(_l("No header row found: the first rows must name the columns, "
                                    "e.g. %(headers)s.", headers=headers), [])
        data = SheetRows(notices=notices)
        for number, values in rows:
            if number > MAX_SHEET_ROWS:  # blank but formatted rows are read too: keep it bounded
                raise ImportRejected(_l("The sheet has more than %(n)d rows: delete the empty rows "
                                        "below the data and try again.", n=MAX_SHEET_ROWS), [])
            if all(cell_text(v) is None for v in values):
                continue
            if is_total_row(values):
                data.notices.append((number, _("A totals row (合计): skipped.")))
                continue
            if len(data) >= MAX_ROWS:
                raise ImportRejected(_l("A file may hold at most %(n)d rows.", n=MAX_ROWS), [])
            record = {"row": number}
            for col, value in enumerate(values):
                if col in keys:
                    record[keys[col]] = value
                elif col in ignored:
                    continue
                elif cell_text(value) is not None:
                    record.setdefault("_stray", col + 1)
            data.append(record)
        return data
    finally:
        wb.close()


def _read_header(number: int, values, notices: list) -> tuple[dict, list]:
    keys: dict[int, str] = {}
    main: dict[str, bool] = {}  # key -> read from a column of its own name
    errors = []
    values = list(values)
    for col, value in enumerate(values):
        if cell_text(value) is None:
            # a header merged over two columns: 联系电话 over two numbers is phone and second phone
            if keys.get(col - 1) == "phone" and "phone2" not in keys.values():
                keys[col] = "phone2"
            continue
        key = header_key(value)
        if key is None:
            notices.append((number, _("The column “%(name)s” is not kept by the desk: ignored.",
                                      name=cell_text(value))))
        elif key in keys.values():
            other = next(c for c, k in keys.items() if k == key)
            if is_main_header(value) and not main[key]:
                # 收费面积 beside 建筑面积: the chargeable area is the one billed
                notices.append((number, _("The column “%(name)s” is not kept by the desk: ignored.",
                                          name=cell_text(values[other]))))
                del keys[other]
                keys[col], main[key] = key, True
            elif main[key] and not is_main_header(value):
                notices.append((number, _("The column “%(name)s” is not kept by the desk: ignored.",
                                          name=cell_text(value))))
            else:
                errors.append((number, _("The column “%(name)s” appears twice.", name=cell_text(value))))
        else:
            keys[col], main[key] = key, is_main_header(value)
    for key in REQUIRED_COLUMNS:
        if key not in keys.values():
            errors.append((number, _("The column “%(name)s” is missing.", name=LABELS[key])))
    return keys, errors
