"""期初欠费 from Excel: money read exactly (never through float rounding), one charge per
unit, item and month, the same file twice not billed twice, row-by-row errors with the
all-or-nothing / good-rows-only choice, and the page.

Rooms 1-1-96xx, created here (a unit of its own keeps the demo's arrears figures apart)."""
import datetime as dt
import io
import re
from decimal import Decimal as D

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.core import clock
from app.core.audit import AuditLog
from app.estate.models import Entrance, Unit
from app.estate.services import check_unit
from app.exceptions import ImportRejected
from app.extensions import db
from app.fees import opening_import
from app.fees.models import Charge
from tests.conftest import csrf_token

HEADER = ["序号", "房号", "收费项目", "所属期间", "欠费金额（元）", "备注"]


def sheet(rows, header=HEADER) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["山水湖畔小区 期初欠费明细"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for values in rows:
        ws.append(values)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def room(demo_estate, number) -> Unit:
    code = f"1-1-{number}"
    unit = db.session.scalar(select(Unit).where(Unit.estate_id == demo_estate.id, Unit.code == code))
    if unit is None:
        entrance = db.session.scalar(select(Entrance).where(Entrance.estate_id == demo_estate.id,
                                                            Entrance.number == "1").order_by(Entrance.id))
        unit = Unit(entrance=entrance, room_number=number, estate_id=demo_estate.id, property_type="multi_storey",
                    chargeable_area=D("80"), status="occupied")
        with db.session.no_autoflush:
            check_unit(unit)
        db.session.add(unit)
        db.session.commit()
    return unit


def charges(unit):
    return db.session.scalars(select(Charge).where(Charge.unit_id == unit.id, Charge.source == "opening")
                              .order_by(Charge.period)).all()


def run(app, demo_estate, data, **kw):
    with force_locale("en"):
        rows = opening_import.read_workbook(data)
        return rows, opening_import.import_opening_balances(
            rows, demo_estate.id, app.appbuilder.sm.find_user(username="supervisor"), clock.now(), **kw)


def test_opening_balances_become_charges_once(app, demo_estate):
    u = room(demo_estate, "9601")
    data = [
        [1, "1栋1单元9601", "物业服务费", "2025-11", 1268.5, "前物业移交"],
        [2, "01-01-09601", "物业服务费", "２０２５年１２月", "1,268.50 ", None],
        [3, " 1-1-9601\r\n", "水费", 202512, 0.1, None],
        ["合计", None, None, None, 2537.1, None],
    ]
    data[2][3] = "2025/12"
    rows, result = run(app, demo_estate, sheet(data))
    assert result.skipped == [] and result.charges_created == 3 and result.total == D("2537.10")
    assert "序号" in " ".join(m for _n, m in rows.notices) and any("totals" in m for _n, m in rows.notices)
    got = [(c.fee_item.name, c.period, c.amount, c.paid, c.due_date) for c in charges(u)]
    assert got == [("物业服务费", "2025-11", D("1268.50"), D("0.00"), dt.date(2025, 11, 30)),
                   ("物业服务费", "2025-12", D("1268.50"), D("0.00"), dt.date(2025, 12, 31)),
                   ("水费", "2025-12", D("0.10"), D("0.00"), dt.date(2025, 12, 31))]
    assert "期初欠费" in charges(u)[0].description and "前物业移交" in charges(u)[0].description
    # audited under the importing user
    who = db.session.scalars(select(AuditLog.username).where(
        AuditLog.table_name == "charge", AuditLog.record_id == str(charges(u)[0].id))).all()
    assert set(who) == {"supervisor"}
    # the same file again bills nothing twice
    before = db.session.scalar(select(func.count()).select_from(Charge))
    _rows, again = run(app, demo_estate, sheet(data))
    assert (again.charges_created, again.rows_unchanged) == (0, 3)
    assert db.session.scalar(select(func.count()).select_from(Charge)) == before


def test_bad_rows_are_reported_and_nothing_is_written(app, demo_estate):
    u = room(demo_estate, "9602")
    data = [
        [1, "1-1-9602", "物业服务费", "2025-10", 100, None],          # row 3: good
        [2, "1-1-9602", "物业服务费", "2025-09", 12.3456, None],      # row 4: a number cell, 4 decimals
        [3, "1-1-9602", "物业服务费", "2025-08", "12.345", None],     # row 5: 3 decimals
        [4, "1-1-9602", "停车费", "2025-08", 10, None],               # row 6: no such item
        [5, "99-1-101", "物业服务费", "2025-08", 10, None],           # row 7: no such room
        [6, "1-1-9602", "物业服务费", "2025-13", 10, None],           # row 8: month 13
        [7, "1-1-9602", "物业服务费", "2025-07", -5, None],           # row 9: negative
        [8, "1-1-9602", "物业服务费", "2025-10", 100, None],          # row 10: same as row 3
    ]
    with pytest.raises(ImportRejected) as exc:
        run(app, demo_estate, sheet(data))
    with force_locale("en"):
        found = {}
        for n, m in exc.value.errors:
            found[n] = found.get(n, "") + str(m)
    assert sorted(found) == [4, 5, 6, 7, 8, 9, 10]
    assert "2 decimals" in found[4] and "2 decimals" in found[5] and "停车费" in found[6]
    assert "99-1-101" in found[7] and "row 3" in found[10]
    assert charges(u) == []
    # good rows only: row 3 alone is charged
    _rows, result = run(app, demo_estate, sheet(data), good_rows_only=True)
    assert result.charges_created == 1 and sorted({n for n, _m in result.skipped}) == [4, 5, 6, 7, 8, 9, 10]
    assert [(c.period, c.amount) for c in charges(u)] == [("2025-10", D("100.00"))]


def test_the_page_imports_opening_balances(app, login, demo_estate):
    u = room(demo_estate, "9603")
    estate_id, unit_id = demo_estate.id, u.id
    db.session.rollback()
    client = login("supervisor")
    page = client.get("/import/?lang=en").get_data(as_text=True)
    assert 'action="/import/opening"' in page
    token = csrf_token(client, "/import/")
    data = {"opening-csrf_token": token, "opening-estate": str(estate_id),
            "opening-file": (sheet([[1, "1-1-9603", "物业服务费", "2025-12", "88.80", None]]), "期初欠费.xlsx")}
    resp = client.post("/import/opening?lang=en", data=data, content_type="multipart/form-data")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200, body
    # the first count of the result: charges made (whatever language the page is in)
    assert re.search(r'import-counts">\s*<tr><th>[^<]+</th><td>1<', body), body
    got = db.session.scalars(select(Charge.amount).where(Charge.unit_id == unit_id,
                                                         Charge.source == "opening")).all()
    assert got == [D("88.80")]
