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
from app.owners.import_rules import COLUMNS, LABELS, REQUIRED_COLUMNS, cell_text, header_key

MAX_ROWS = 5000
MAX_SHEET_ROWS = 2 * MAX_ROWS + 10
HEADER_SEARCH_ROWS = 10


def parse_workbook(file_obj) -> list[dict]:
    """The data rows of the first sheet as {"row": Excel row number, column key: raw value}.
    Raises ImportRejected when the file is no .xlsx or its header row is unusable."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(file_obj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportRejected(_l("This is not an Excel .xlsx file. Save it as .xlsx and try again."), [])
    try:
        rows = enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)
        keys = None
        for number, values in rows:
            if number > HEADER_SEARCH_ROWS:
                break
            if sum(1 for v in values if cell_text(v) and header_key(v)) >= 3:
                keys, errors = _read_header(number, values)
                if errors:
                    raise ImportRejected(_l("The header row of the file is not usable."), errors)
                break
        if keys is None:
            headers = " | ".join(zh for _k, zh, _e, _m in COLUMNS[:6])
            raise ImportRejected(_l("No header row found: the first rows must name the columns, "
                                    "e.g. %(headers)s.", headers=headers), [])
        data: list[dict] = []
        for number, values in rows:
            if number > MAX_SHEET_ROWS:  # blank but formatted rows are read too: keep it bounded
                raise ImportRejected(_l("The sheet has more than %(n)d rows: delete the empty rows "
                                        "below the data and try again.", n=MAX_SHEET_ROWS), [])
            if all(cell_text(v) is None for v in values):
                continue
            if len(data) >= MAX_ROWS:
                raise ImportRejected(_l("A file may hold at most %(n)d rows.", n=MAX_ROWS), [])
            record = {"row": number}
            for col, value in enumerate(values):
                if col in keys:
                    record[keys[col]] = value
                elif cell_text(value) is not None:
                    record.setdefault("_stray", col + 1)
            data.append(record)
        return data
    finally:
        wb.close()


def _read_header(number: int, values) -> tuple[dict, list]:
    keys: dict[int, str] = {}
    errors = []
    for col, value in enumerate(values):
        if cell_text(value) is None:
            continue
        key = header_key(value)
        if key is None:
            errors.append((number, _("Unknown column “%(name)s”.", name=cell_text(value))))
        elif key in keys.values():
            errors.append((number, _("The column “%(name)s” appears twice.", name=cell_text(value))))
        else:
            keys[col] = key
    for key in REQUIRED_COLUMNS:
        if key not in keys.values():
            errors.append((number, _("The column “%(name)s” is missing.", name=LABELS[key])))
    return keys, errors
