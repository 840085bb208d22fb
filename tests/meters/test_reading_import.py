"""抄表 from Excel: the readers' sheet recorded through the register's checks (and billed),
row-by-row errors, all-or-nothing or good rows only, the same sheet twice recorded once.
Meters of our own, periods of 2031 (see conftest)."""
import io
from decimal import Decimal as D

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.exceptions import ImportRejected
from app.extensions import db
from app.fees.models import Charge
from app.meters import reading_import
from app.meters.models import MeterReading
from tests.meters.conftest import NOW


def sheet(rows) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2031年抄表记录"])
    ws.append(["序号", "表号", "房号", "表类型", "所属期间", "读数", "抄表日期", "备注"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def run(data, estate, users, **kw):
    with force_locale("en"):
        rows = reading_import.read_readings(data)
        return reading_import.import_readings(rows, estate.id, users["engineer"], NOW, **kw)


def readings(meter):
    return db.session.scalars(select(MeterReading).where(MeterReading.meter_id == meter.id)
                              .order_by(MeterReading.period)).all()


def test_a_readers_sheet_is_recorded_and_billed_once(app_ctx, demo_estate, users, water_meter):
    a, b = water_meter(), water_meter()
    room_b = b.unit.code
    data = [
        [1, a.code, None, None, "2031-03", 100, "2031-03-31", "起始"],
        [2, f" {a.code.lower()} ", None, None, "２０３１年４月", 112.5, None, None],
        [3, None, room_b.replace("-", "栋", 1).replace("-", "单元", 1), "水", "2031-04", "50.00", None, None],
        ["合计", None, None, None, None, 262.5, None, None],
    ]
    result = run(sheet(data), demo_estate, users)
    assert (result.readings_created, result.skipped) == (3, [])
    got = [(r.period, r.value, r.consumption) for r in readings(a)]
    assert got == [("2031-03", D("100.00"), D("0.00")), ("2031-04", D("112.50"), D("12.50"))]
    charge = db.session.get(Charge, readings(a)[1].charge_id)
    assert charge.quantity == D("12.50") and charge.amount > 0 and charge.source == "meter"
    assert [r.value for r in readings(b)] == [D("50.00")]
    before = db.session.scalar(select(func.count()).select_from(MeterReading))
    again = run(sheet(data), demo_estate, users)
    assert (again.readings_created, again.rows_unchanged) == (0, 3)
    assert db.session.scalar(select(func.count()).select_from(MeterReading)) == before


def test_bad_rows_write_nothing_unless_good_rows_only(app_ctx, demo_estate, users, water_meter):
    a = water_meter()
    data = [
        [1, a.code, None, None, "2031-01", 200, None, None],       # row 3: good
        [2, a.code, None, None, "2031-02", 150, None, None],       # row 4: below the last reading
        [3, "NO-SUCH-METER", None, None, "2031-02", 10, None, None],  # row 5: unknown meter
        [4, a.code, None, None, "2031-13", 300, None, None],       # row 6: month 13
        [5, a.code, None, None, "2031-03", 300.125, None, None],   # row 7: 3 decimals
    ]
    with pytest.raises(ImportRejected) as exc:
        run(sheet(data), demo_estate, users)
    assert sorted({n for n, _m in exc.value.errors}) == [4, 5, 6, 7]
    assert readings(a) == []
    result = run(sheet(data), demo_estate, users, good_rows_only=True)
    assert result.readings_created == 1 and sorted({n for n, _m in result.skipped}) == [4, 5, 6, 7]
    assert [(r.period, r.value) for r in readings(a)] == [("2031-01", D("200.00"))]
