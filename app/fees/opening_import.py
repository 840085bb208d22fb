"""Opening balances (期初欠费) from Excel: what each unit owed when the desk took over its books.

One row per unit, fee item and month: 房号 (3-2-501 in any common writing, or 楼栋 / 单元 /
房号 columns), 收费项目 (the fee item's name or code), 所属期间 (2025-12, 2025年12月 ...),
欠费金额 (yuan, at most 2 decimals), 备注. Each row becomes a charge of source "opening",
due at the end of its month, described as 期初欠费 with the note. Read with the owner import's
reader rules: the header among the top rows, columns the desk does not need ignored with a
notice, a totals row (合计) skipped.

Money is never a float: a number cell comes from openpyxl as a float and is read through its
repr (89.1 stays 89.1, 0.1 + 0.2 is refused), so more than 2 decimals is refused, never
rounded. A (unit, item, month) is billed once: the charge's billing_key says so, and the same
file imported twice reports those rows as already imported instead of billing them again.
Nothing is written while any row is bad, unless "import good rows only"; one transaction,
audited under the importing user.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.audit import acting_as
from app.core.money import parse_money
from app.estate import rules as estate_rules
from app.estate.models import Unit
from app.exceptions import DomainError, ImportRejected
from app.extensions import db
from app.fees import rules
from app.fees.models import Charge, FeeItem
from app.owners.import_reader import HEADER_SEARCH_ROWS, MAX_ROWS, MAX_SHEET_ROWS, SheetRows
from app.owners.import_rules import cell_text, is_total_row

SOURCE = "opening"
COLUMNS = (  # key, Chinese header, English header, other accepted headers
    ("building", "楼栋", "Building", ("楼号", "栋")),
    ("entrance", "单元", "Entrance", ("单元号",)),
    ("room", "房号", "Room", ("房间号", "房屋编号")),
    ("item", "收费项目", "Fee item", ("项目", "费用项目", "费用名称")),
    ("period", "所属期间", "Period", ("期间", "月份", "所属月份", "账期")),
    ("amount", "欠费金额", "Amount", ("金额", "期初欠费", "欠费", "应收金额")),
    ("notes", "备注", "Notes", ()),
)
LABELS = {"building": _l("Building"), "entrance": _l("Entrance"), "room": _l("Room"), "item": _l("Fee item"),
          "period": _l("Period"), "amount": _l("Amount"), "notes": _l("Notes")}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def _norm(text) -> str:
    text = re.sub(r"[（(][^)）]*[)）]$", "", str(text).strip())
    return re.sub(r"[\s*＊:：_\-]", "", text).lower()


@dataclass
class OpeningResult:
    charges_created: int = 0
    total: Decimal = Decimal("0.00")
    rows_unchanged: int = 0  # imported before: not billed twice
    skipped: list[tuple[int, str]] = field(default_factory=list)


def header_keys(columns) -> dict[str, str]:
    return {_norm(h): k for k, zh, en, more in columns for h in (k, zh, en, *more)}


def read_workbook(file_obj, columns=COLUMNS, required=("room", "amount")) -> SheetRows:
    """The data rows of the first sheet as {"row": n, key: raw value}, with notices. The header
    is the first of the top rows naming every ``required`` column (meter readings use it too)."""
    known = header_keys(columns)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(file_obj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportRejected(_l("This is not an Excel .xlsx file. Save it as .xlsx and try again."), [])
    try:
        rows = enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)
        keys: dict[int, str] | None = None
        data = SheetRows()
        for number, values in rows:
            if number > HEADER_SEARCH_ROWS:
                break
            found = {known.get(_norm(v)) for v in values if cell_text(v)} - {None}
            if set(required) <= found:
                keys = {}
                for col, v in enumerate(values):
                    key = known.get(_norm(v)) if cell_text(v) else None
                    if key and key not in keys.values():
                        keys[col] = key
                    elif cell_text(v):
                        data.notices.append((number, _("The column “%(name)s” is not kept by the desk: ignored.",
                                                       name=cell_text(v))))
                break
        if keys is None:
            raise ImportRejected(_l("No header row found: the first rows must name the columns, "
                                    "e.g. %(headers)s.", headers=" | ".join(zh for _k, zh, _e, _m in columns)), [])
        for number, values in rows:
            if number > MAX_SHEET_ROWS:
                raise ImportRejected(_l("The sheet has more than %(n)d rows: delete the empty rows "
                                        "below the data and try again.", n=MAX_SHEET_ROWS), [])
            if all(cell_text(v) is None for v in values):
                continue
            if is_total_row(values):
                data.notices.append((number, _("A totals row (合计): skipped.")))
                continue
            if len(data) >= MAX_ROWS:
                raise ImportRejected(_l("A file may hold at most %(n)d rows.", n=MAX_ROWS), [])
            data.append({"row": number, **{k: values[c] for c, k in keys.items() if c < len(values)}})
        return data
    finally:
        wb.close()


def parse_amount(value) -> Decimal:
    """Yuan as typed or as Excel stored it: a float through its repr, never rounded."""
    if isinstance(value, bool):
        raise DomainError(_l("Enter the amount in yuan with at most 2 decimals, e.g. 1005.50."))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise DomainError(_l("Enter the amount in yuan with at most 2 decimals, e.g. 1005.50."))
        value = repr(value)
    elif isinstance(value, int):
        value = str(value)
    text = (cell_text(value) or "").translate(_FULLWIDTH).replace("元", "").strip()
    return parse_money(text)


@dataclass
class _Plan:
    row: int
    unit: Unit
    item: FeeItem
    period: str
    amount: Decimal
    notes: str | None

    @property
    def key(self) -> str:
        return f"{SOURCE}:{self.unit.id}:{self.item.id}:{self.period}"


def _room(raw: dict) -> tuple[str, str | None, str]:
    if cell_text(raw.get("building")) is None and cell_text(raw.get("entrance")) is None:
        parts = estate_rules.parse_room_code(cell_text(raw.get("room")) or "")
        if parts is None:
            raise DomainError(_l("Write the room as 3-2-501 (or fill the building and entrance columns)."))
        return parts
    parts = [estate_rules.normalize_number(cell_text(raw.get(k)) or "") for k in ("building", "entrance", "room")]
    parts = [re.sub(r"(栋|幢|号楼|单元|室)$", "", p) for p in parts]
    if not all(parts):
        raise DomainError(_l("Write the room as 3-2-501 (or fill the building and entrance columns)."))
    return parts[0], parts[1], parts[2]


def validate(rows: list[dict], estate_id: int) -> tuple[list[_Plan], list[tuple[int, str]]]:
    units = {}
    for u in db.session.scalars(select(Unit).where(Unit.estate_id == estate_id)):
        units[u.code] = u
    by_building: dict[tuple[str, str], list[Unit]] = {}
    for u in units.values():
        b, _e, r = u.code.split("-", 2)
        by_building.setdefault((b, r), []).append(u)
    items = list(db.session.scalars(select(FeeItem).where(FeeItem.estate_id == estate_id)))
    item_of = {}
    for i in items:
        item_of.setdefault(i.name, i)
        item_of.setdefault(i.code.lower(), i)
    plans, errors, seen = [], [], {}
    for raw in rows:
        n, problems, plan = raw["row"], [], {}

        def check(key, fn):
            try:
                plan[key] = fn()
            except DomainError as err:
                problems.append(_("%(column)s: %(problem)s", column=LABELS[key], problem=str(err)))

        def find_unit():
            b, e, r = _room(raw)
            found = [units[f"{b}-{e}-{r}"]] if e is not None and f"{b}-{e}-{r}" in units else (
                by_building.get((b, r), []) if e is None else [])
            if len(found) != 1:
                raise DomainError(_l("Room %(code)s does not exist in this estate.",
                                     code=estate_rules.room_code(b, e or "?", r)))
            return found[0]

        def find_item():
            text = cell_text(raw.get("item"))
            item = item_of.get(text) or item_of.get((text or "").lower())
            if item is None:
                raise DomainError(_l("Unknown fee item “%(value)s”: use one of %(items)s.", value=text or "",
                                     items="、".join(i.name for i in items)))
            return item

        def period():
            value = raw.get("period")
            if isinstance(value, (dt.date, dt.datetime)):
                value = f"{value.year:04d}-{value.month:02d}"
            return rules.canonical_period(cell_text(value) or "")

        check("room", find_unit)
        check("item", find_item)
        check("period", period)
        check("amount", lambda: parse_amount(raw.get("amount")))
        plan["notes"] = (cell_text(raw.get("notes")) or "")[:200] or None
        if not problems:
            p = _Plan(n, plan["room"], plan["item"], plan["period"], plan["amount"], plan["notes"])
            if p.key in seen:
                problems.append(_("The same room, fee item and month is also in row %(row)d.", row=seen[p.key]))
            else:
                seen[p.key] = n
                plans.append(p)
        errors += [(n, m) for m in problems]
    return plans, errors


def import_opening_balances(rows: list[dict], estate_id: int, actor, now: dt.datetime, *,
                            good_rows_only: bool = False) -> OpeningResult:
    """Validate, then write the charges in ONE transaction (committed here) as ``actor``."""
    try:
        if not rows:
            raise ImportRejected(_l("The file has no data rows."), [])
        plans, errors = validate(rows, estate_id)
        if errors and not good_rows_only:
            raise ImportRejected(_l("Nothing was imported: %(n)d row(s) of the file have errors.",
                                    n=len({r for r, _m in errors})), errors)
        if not plans:
            raise ImportRejected(_l("Nothing was imported: no row is without errors."), errors)
        result = OpeningResult(skipped=errors)
        done = set(db.session.scalars(select(Charge.billing_key).where(
            Charge.estate_id == estate_id, Charge.source == SOURCE)))
        with acting_as(actor):
            for p in plans:
                if p.key in done:
                    result.rows_unchanged += 1
                    continue
                start, end = rules.parse_period(p.period)
                db.session.add(Charge(
                    unit_id=p.unit.id, estate_id=estate_id, fee_item_id=p.item.id, period=p.period,
                    period_start=start, period_end=end, due_date=end, amount=p.amount, paid=Decimal("0.00"),
                    source=SOURCE, billing_key=p.key, created_at=now,
                    description="期初欠费" + (f"（{p.notes}）" if p.notes else "")))
                result.charges_created += 1
                result.total += p.amount
            db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise
