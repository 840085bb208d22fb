"""The arrears list agrees with the cash desk and the fee ledger for every demo unit; filters,
sorting, bad input, the .xlsx export."""
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from app.cashdesk.ledger import unit_ledger
from app.cashdesk.services import arrears_total
from app.collection import arrears
from app.estate.models import Unit
from app.exceptions import DomainError
from app.extensions import db
from tests.collection.conftest import NOW


def _by_unit(report) -> dict:
    out: dict = {}
    for row in [*report.rows, *report.developer_rows]:
        out[row.unit_id] = out.get(row.unit_id, D("0.00")) + row.total
    return out


def test_every_demo_unit_agrees_with_the_cash_desk_and_the_ledger(demo_estate):
    from app.core import clock

    today = clock.today()
    far = dt.date(2100, 1, 1)
    now_report = arrears.arrears_report([demo_estate.id], today)
    now_rows = {r.unit_id: r for r in now_report.rows}
    # the owners' rows and the developer's (unsold days) together are what the unit owes
    now_total = _by_unit(now_report)
    all_total = _by_unit(arrears.arrears_report([demo_estate.id], far))
    units = db.session.query(Unit.id).filter(Unit.estate_id == demo_estate.id).all()
    assert len(units) > 500 and 0.05 < len(now_rows) / len(units) < 0.3  # about 10% in arrears
    assert now_report.developer_rows  # the demo developer is behind on some unsold units
    for (unit_id,) in units:
        assert now_total.get(unit_id, D("0.00")) == arrears_total(unit_id, today), unit_id
        # everything billed is due by 2100: then the list is the ledger's figure
        expected = unit_ledger(unit_id).arrears
        assert all_total.get(unit_id, D("0.00")) == max(expected, D("0.00")), unit_id
    for row in [*now_rows.values(), *now_report.developer_rows]:
        assert sum(row.buckets.values()) == row.total
        assert sum(i.outstanding for i in row.items) == row.total


def test_bucket_totals_at_the_top_add_up(demo_estate):
    from app.core import clock

    report = arrears.arrears_report([demo_estate.id], clock.today())
    assert sum(report.buckets.values()) == report.total == sum(r.total for r in report.rows)
    assert report.total > 0


def test_row_for_a_unit(make_units, estate_ids):
    number, (unit,) = make_units(["钱多多"])
    f = arrears.parse_filters({"building": number}, estate_ids)
    (row,) = arrears.arrears_report(estate_ids, NOW.date(), f).rows
    assert row.unit_code == unit.code and row.owner_names == ["钱多多"]
    assert row.total == D("348.60")
    assert row.oldest_period == "2031-01" and row.oldest_due == dt.date(2031, 1, 31)
    assert row.days == 121
    # due 2031-01-31 (121 days), 03-03 (90 days), 03-31 (62 days)
    assert row.buckets["d180"] == D("116.20") and row.buckets["d90"] == D("232.40")
    assert row.late_fee > 0  # 物业服务费 has a daily late fee, 生活垃圾清运费 none
    assert {i.item: i.late_fee is None for i in row.items} == {"生活垃圾清运费": True, "物业服务费": False}
    assert row.step.stage == "none" and row.step.next_kind == "phone"


def test_filters_and_sorting(make_units, estate_ids, clerk):
    number, (a, b) = make_units(["甲", "乙"])
    from app.cashdesk.services import post_payment

    post_payment(b.id, "116.20", "cash", clerk, dt.datetime(2031, 2, 10, 9, 0))  # b: Jan paid
    base = {"building": number}

    def codes(extra=None, sort="room", as_of=NOW.date()):
        f = arrears.parse_filters({**base, **(extra or {})}, estate_ids)
        return [r.unit_code for r in arrears.arrears_report(estate_ids, as_of, f, sort).rows]

    assert codes() == [a.code, b.code]
    assert codes(sort="amount") == [a.code, b.code]  # 348.60 before 232.40
    assert codes({"min_amount": "300"}) == [a.code]
    assert codes({"min_days": "100"}) == [a.code]  # b's oldest (Feb) is 92 days overdue
    assert codes({"stage": "phone"}) == []
    assert codes({"stage": "none"}) == [a.code, b.code]
    garbage = db.session.execute(db.text("select id from fee_item where code='garbage' and estate_id=:e"),
                                 {"e": estate_ids[0]}).scalar()
    assert codes({"fee_item_id": str(garbage)}) == [a.code, b.code]
    assert codes(as_of=dt.date(2031, 1, 30)) == []  # nothing due yet


@pytest.mark.parametrize("raw, field", [
    ({"building": "no-such-building"}, "building"),
    ({"min_amount": "-1"}, "min_amount"),
    ({"min_amount": "abc"}, "min_amount"),
    ({"min_days": "-3"}, "min_days"),
    ({"min_days": "x"}, "min_days"),
    ({"stage": "lawsuit"}, "stage"),
    ({"zone_id": "999999"}, "zone_id"),
    ({"fee_item_id": "999999"}, "fee_item_id"),
])
def test_bad_filters_are_refused(raw, field, estate_ids):
    with pytest.raises(DomainError) as err:
        arrears.parse_filters(raw, estate_ids)
    assert err.value.field == field


def test_other_estate_building_is_unknown(other_estate, demo_estate):
    arrears.parse_filters({"building": "12"}, [demo_estate.id])  # the demo estate has building 12 ...
    with pytest.raises(DomainError):  # ... estate B's staff do not
        arrears.parse_filters({"building": "12"}, [other_estate.id])


def test_xlsx_export_escapes_formulas(make_units, estate_ids):
    import openpyxl

    from app.collection.export import export_arrears

    number, (unit,) = make_units(["=HYPERLINK(\"http://x\")"])
    f = arrears.parse_filters({"building": number}, estate_ids)
    data = export_arrears(arrears.arrears_report(estate_ids, NOW.date(), f))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.cell(2, 1).value == unit.code
    owner = ws.cell(2, 4)
    assert owner.data_type == "s" and owner.quotePrefix
    assert D(str(ws.cell(2, 5).value)) == D("348.60")
    assert ws.cell(3, 1).value in ("Total", "合计")


def test_arrears_page_and_export_for_clerk(login, app):
    client = login("clerk")
    resp = client.get("/arrears/?sort=age")
    assert resp.status_code == 200
    assert "arrears-list" in resp.get_data(as_text=True)
    resp = client.get("/arrears/?stage=lawsuit")
    assert resp.status_code == 200 and "alert-danger" in resp.get_data(as_text=True)
    resp = client.get("/arrears/arrears.xlsx")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"


@pytest.mark.parametrize("user", ["engineer", "security"])
def test_arrears_page_refused_to_engineering_and_security(login, user):
    client = login(user)
    for url in ("/arrears/", "/arrears/arrears.xlsx", "/collection/unit/1"):
        resp = client.get(url)
        assert resp.status_code in (302, 403), url
