"""The arrears list as .xlsx (openpyxl), with the owner export's formula-injection escaping."""
from __future__ import annotations

from flask_babel import gettext as _

from app.collection import rules
from app.owners.exporter import XLSX_MIMETYPE, _header, _save, safe_cell

__all__ = ["XLSX_MIMETYPE", "export_arrears"]
MONEY = "#,##0.00"


def export_arrears(report) -> bytes:
    """One row per unit (as listed), the bucket totals in the last row. Amounts are numbers
    with two decimals (Decimal written as such, never float)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _("Arrears")[:31]
    titles = [_("Unit"), _("Building"), _("Zone"), _("Owner"), _("Overdue (yuan)"), _("Late fee (yuan)"),
              _("Oldest period"), _("Days overdue"), *[str(b[2]) for b in rules.BUCKETS], _("Stage"),
              _("Next step"), _("Due on"), _("Last action")]
    _header(ws, titles, [12, 8, 8, 16, 13, 12, 11, 10, *[12] * len(rules.BUCKETS), 14, 14, 12, 14])
    r = 1
    for r, row in enumerate(report.rows, start=2):
        step = row.step
        values = [row.unit_code, row.building, row.zone, "、".join(row.owner_names), row.total, row.late_fee,
                  row.oldest_period, row.days, *[row.buckets[k] for k in rules.BUCKET_KEYS],
                  str(rules.STAGES.get(row.stage, row.stage)),
                  str(rules.KINDS.get(step.next_kind, _("Manager's decision") if step.next_kind == "decision" else "")),
                  step.due, row.last_action]
        for c, value in enumerate(values, start=1):
            fmt = MONEY if c in (5, 6) or 9 <= c < 9 + len(rules.BUCKETS) else ("yyyy-mm-dd" if c == len(values) - 1 else None)
            safe_cell(ws, r, c, value, fmt)
    total_row = r + 1
    safe_cell(ws, total_row, 1, _("Total"))
    safe_cell(ws, total_row, 5, report.total, MONEY)
    safe_cell(ws, total_row, 6, report.late_fee, MONEY)
    for i, key in enumerate(rules.BUCKET_KEYS):
        safe_cell(ws, total_row, 9 + i, report.buckets[key], MONEY)
    if report.rows:
        ws.auto_filter.ref = f"A1:{ws.cell(row=total_row - 1, column=len(titles)).coordinate}"
    if report.developer_rows:
        _developer_sheet(wb, report)
    return _save(wb)


def _developer_sheet(wb, report) -> None:
    """The developer's debt for unsold units on a sheet of its own: not the owners' arrears."""
    ws = wb.create_sheet(_("Developer")[:31])
    _header(ws, [_("Unit"), _("Payer"), _("Overdue (yuan)"), _("Late fee (yuan)"), _("Oldest period"),
                 _("Days overdue")], [12, 24, 13, 12, 11, 10])
    r = 1
    for r, row in enumerate(report.developer_rows, start=2):
        for c, value in enumerate([row.unit_code, "、".join(row.owner_names), row.total, row.late_fee,
                                   row.oldest_period, row.days], start=1):
            safe_cell(ws, r, c, value, MONEY if c in (3, 4) else None)
    safe_cell(ws, r + 1, 1, _("Total"))
    safe_cell(ws, r + 1, 3, report.developer_total, MONEY)
    safe_cell(ws, r + 1, 4, report.developer_late_fee, MONEY)
