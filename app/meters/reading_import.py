"""Meter readings (抄表) from Excel: the sheet the meter readers bring back, one row per meter
and month — 表号 (the meter's code) or 房号 with 表类型 (水 / 电 / 燃气 / 油) for a household
meter, 所属期间, 读数, 抄表日期 (blank: the month's last day, or today for the current month),
备注. Each row is recorded through the readings register's own checks (app.meters.services
check_reading: never below the last reading, no later period, the household charge billed),
in file order per meter, so a file may bring several months of one meter.

Read like the other imports (app.fees.opening_import.read_workbook): header among the top rows,
unneeded columns and a 合计 row left aside with a notice. A number cell is read through its repr
(never rounded). The same reading again (same meter, month and value) is reported as imported
before, not recorded twice; a different value for a recorded month is an error (correct the
reading in the register). Nothing is written while a row is bad, unless "good rows only"; one
transaction, audited under the importing user.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.audit import acting_as
from app.estate import rules as estate_rules
from app.estate.models import Unit
from app.exceptions import DomainError, ImportRejected
from app.extensions import db
from app.fees import rules as fee_rules
from app.fees.opening_import import _room, read_workbook
from app.meters import rules
from app.meters.models import Meter, MeterReading
from app.meters.services import check_reading
from app.owners.import_rules import cell_text

COLUMNS = (
    ("meter", "表号", "Meter", ("水表号", "电表号", "表编号", "Meter code")),
    ("building", "楼栋", "Building", ("楼号", "栋")),
    ("entrance", "单元", "Entrance", ("单元号",)),
    ("room", "房号", "Room", ("房间号", "房屋编号")),
    ("kind", "表类型", "Meter kind", ("类型", "表别")),
    ("period", "所属期间", "Period", ("期间", "月份", "抄表月份")),
    ("value", "读数", "Reading", ("本月读数", "本期读数", "表读数")),
    ("read_on", "抄表日期", "Read on", ("日期",)),
    ("notes", "备注", "Notes", ()),
)
LABELS = {"meter": _l("Meter"), "room": _l("Room"), "kind": _l("Meter kind"), "period": _l("Period"),
          "value": _l("Reading"), "read_on": _l("Read on")}
_KIND_WORDS = {"水": "water", "水表": "water", "电": "electricity", "电表": "electricity", "燃气": "gas",
               "气": "gas", "燃气表": "gas", "油": "oil", "油表": "oil"}


@dataclass
class ReadingResult:
    readings_created: int = 0
    rows_unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def read_readings(file_obj):
    return read_workbook(file_obj, COLUMNS, required=("period", "value"))


def _value(raw):
    if isinstance(raw, float):
        raw = repr(raw)
    return rules.parse_reading(cell_text(raw) or "")


def _read_on(raw, period: str, today: dt.date) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = cell_text(raw)
    if text:
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise DomainError(_l("Not a date: enter it as 2023-05-01."))
    return min(fee_rules.parse_period(period)[1], today)


def import_readings(rows: list[dict], estate_id: int, actor, now: dt.datetime, *,
                    good_rows_only: bool = False) -> ReadingResult:
    """Check and record every row in ONE transaction (committed here) as ``actor``."""
    try:
        if not rows:
            raise ImportRejected(_l("The file has no data rows."), [])
        meters = list(db.session.scalars(select(Meter).where(Meter.estate_id == estate_id)))
        by_code = {m.code.strip().upper(): m for m in meters}
        units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.estate_id == estate_id))}
        result, errors = ReadingResult(), []
        with acting_as(actor):
            for raw in rows:
                n = raw["row"]
                try:
                    meter = _meter(raw, by_code, meters, units)
                    period = fee_rules.canonical_period(
                        f"{raw['period'].year:04d}-{raw['period'].month:02d}"
                        if isinstance(raw.get("period"), (dt.date, dt.datetime)) else cell_text(raw.get("period")) or "")
                    value = _value(raw.get("value"))
                    read_on = _read_on(raw.get("read_on"), period, now.date())
                    same = db.session.scalar(select(MeterReading).where(
                        MeterReading.meter_id == meter.id, MeterReading.period == period))
                    if same is not None and same.value == value:
                        result.rows_unchanged += 1
                        continue
                    with db.session.begin_nested():
                        reading = MeterReading(meter_id=meter.id, meter=meter, period=period, value=value,
                                               read_on=read_on, notes=cell_text(raw.get("notes")),
                                               read_by_id=getattr(actor, "id", None), estate_id=estate_id)
                        check_reading(reading, now)
                        db.session.add(reading)
                        db.session.flush()
                    result.readings_created += 1
                except DomainError as err:
                    errors.append((n, str(err)))
        if errors and not good_rows_only:
            raise ImportRejected(_l("Nothing was imported: %(n)d row(s) of the file have errors.",
                                    n=len({r for r, _m in errors})), errors)
        if errors and not result.readings_created and not result.rows_unchanged:
            raise ImportRejected(_l("Nothing was imported: no row is without errors."), errors)
        result.skipped = errors
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def _meter(raw: dict, by_code: dict, meters: list, units: dict) -> Meter:
    code = cell_text(raw.get("meter"))
    if code:
        meter = by_code.get(code.upper())
        if meter is None:
            raise DomainError(_("%(column)s: %(problem)s", column=LABELS["meter"],
                                problem=_("No meter %(code)s in this estate.", code=code)))
        return meter
    b, e, r = _room(raw)
    kind_text = cell_text(raw.get("kind")) or ""
    kind = _KIND_WORDS.get(kind_text, kind_text.lower())
    found = [m for m in meters if m.scope == "household" and m.unit_id in units
             and (units[m.unit_id].code == estate_rules.room_code(b, e, r) if e is not None
                  else units[m.unit_id].code.split("-")[0::2] == [b, r])
             and (not kind_text or m.kind == kind) and m.active]
    if len(found) != 1:
        raise DomainError(_("%(column)s: %(problem)s", column=LABELS["meter"], problem=_(
            "Room %(code)s has %(n)d meters of this kind in use: give the meter's code (表号).",
            code=estate_rules.room_code(b, e or "?", r), n=len(found))))
    return found[0]
