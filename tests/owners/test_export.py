"""Owner list export (.xlsx): estate scope, phone masking, formula injection, permissions."""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.owners import exporter, importer
from app.owners.models import Owner
from tests.conftest import OTHER_ESTATE, logout
from tests.owners.test_import import row, xlsx

DANGEROUS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)"]


def sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def rows_of(data: bytes) -> list[tuple]:
    return list(sheet(data).iter_rows(min_row=2, values_only=True))


def a_demo_owner(estate_id) -> Owner:
    return db.session.scalar(select(Owner).where(Owner.estate_id == estate_id, Owner.phone.is_not(None))
                             .order_by(Owner.id).limit(1))


def records(data: bytes) -> list[dict]:
    """The sheet's rows by their header (the import layout's Chinese names)."""
    header, *rows = list(sheet(data).iter_rows(values_only=True))
    return [dict(zip(header, r)) for r in rows]


LAYOUT = ("小区", "楼栋", "单元", "房号", "物业类型", "收费面积", "房屋状态", "业主姓名", "手机", "备用电话",
          "证件号码", "关系", "入住日期", "紧急联系人", "紧急联系电话", "重要客户", "备注")


def test_export_has_the_owners_of_the_estates_given(app_ctx, demo_estate, other_estate):
    with force_locale("en"):
        demo = records(exporter.export_owners([demo_estate.id], mask_personal=False))
        other = records(exporter.export_owners([other_estate.id], mask_personal=False))
        header = next(sheet(exporter.export_owners([], mask_personal=False)).iter_rows(values_only=True))
    # the import layout, whatever the page's language, with the estate in front
    assert header == LAYOUT
    assert {r["小区"] for r in demo} == {demo_estate.name}
    assert "乙小区业主" not in {r["业主姓名"] for r in demo}
    [theirs] = [r for r in other if r["业主姓名"]]
    assert (theirs["小区"], theirs["楼栋"], theirs["单元"], theirs["房号"], theirs["手机"], theirs["关系"]) == (
        OTHER_ESTATE, "3", "2", "501", "13900009999", "业主")
    known = a_demo_owner(demo_estate.id)
    assert (known.name, known.phone) in {(r["业主姓名"], r["手机"]) for r in demo}
    # room 3-2-501 of the demo estate is in the list, with its current occupants and its unit data
    mine = [r for r in demo if (r["楼栋"], r["单元"], r["房号"]) == ("3", "2", "501")]
    assert mine and all(r["收费面积"] and r["物业类型"] and r["房屋状态"] for r in mine)


def test_export_masks_phones_when_asked(app_ctx, demo_estate):
    with force_locale("en"):
        data = exporter.export_owners([demo_estate.id], mask_personal=True)
    phones = [r["手机"] for r in records(data) if r["手机"]]
    assert phones and all(re.fullmatch(r"\d{3}\*+\d{4}", p) for p in phones)
    assert not any(r["证件号码"] for r in records(data))  # ID numbers only for who may read them
    known = a_demo_owner(demo_estate.id)
    assert known.phone.encode() not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_formula_like_names_come_out_as_inert_text(app_ctx, demo_estate):
    # flushed, exported, rolled back: names sorting before every real name would otherwise
    # stay in the session database for the tests that follow
    from app.estate.models import Unit
    from app.owners.models import Occupancy

    room = db.session.scalar(select(Unit).where(Unit.estate_id == demo_estate.id).order_by(Unit.id).limit(1))
    for name in DANGEROUS:
        db.session.add(Occupancy(unit=room, owner=Owner(estate_id=demo_estate.id, name=name),
                                 relation="family", estate_id=demo_estate.id))
    db.session.flush()
    try:
        with force_locale("en"):
            data = exporter.export_owners([demo_estate.id], mask_personal=False)
    finally:
        db.session.rollback()
    ws = sheet(data)
    column = LAYOUT.index("业主姓名") + 1
    cells = {c.value: c for line in ws.iter_rows(min_row=2, max_col=column, min_col=column) for c in line}
    for name in DANGEROUS:
        cell = cells[name]
        assert cell.data_type == "s", name  # a string, not a formula
        assert cell.quotePrefix, name  # and stays text when edited in Excel
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    assert "cmd|" in xml  # the name itself is kept, as text


def test_import_keeps_a_formula_like_name_as_text(app_ctx, demo_estate):
    rows = [row("9801", entrance="2", name=DANGEROUS[0])]
    with force_locale("en"):
        plans, errors = importer.validate_rows(importer.parse_workbook(xlsx(rows)), [demo_estate.id], db.session)
    db.session.rollback()
    assert errors == [] and plans[0].owner.values["name"] == DANGEROUS[0]


def test_template_has_the_documented_header_row(app_ctx):
    ws = sheet(exporter.import_template())
    header, example = list(ws.iter_rows(max_row=2, values_only=True))
    assert list(header) == [zh for k, zh, _e, _m in importer.COLUMNS if k != "estate"]
    assert example[:3] == ("1", "1", "101")


# --- the download --------------------------------------------------------------------------
def test_manager_downloads_the_list_with_full_phones(app, login):
    client = login("manager")
    resp = client.get("/import/owners.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == exporter.XLSX_MIMETYPE
    assert "attachment" in resp.headers["Content-Disposition"]
    assert "no-store" in resp.headers["Cache-Control"]
    rows = records(resp.data)
    assert {r["小区"] for r in rows} == {"山水湖畔小区"}
    with app.app_context():
        from app.demo import ESTATE_NAME
        from app.estate.models import Estate

        known = a_demo_owner(db.session.query(Estate).filter_by(name=ESTATE_NAME).one().id)
        assert (known.name, known.phone) in {(r["业主姓名"], r["手机"]) for r in rows}


def test_the_import_page_links_to_the_export_for_the_supervisor(login):
    client = login("supervisor")
    assert "/import/owners.xlsx" in client.get("/import/").get_data(as_text=True)
    assert client.get("/import/owners.xlsx").status_code == 200


@pytest.mark.parametrize("username", ["clerk", "accountant", "engineer", "clerk_b"])
def test_roles_without_export_get_403(login, username):
    assert login(username).get("/import/owners.xlsx").status_code == 403


def test_anonymous_export_goes_to_login(client):
    resp = client.get("/import/owners.xlsx")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_owner_list_offers_export_only_to_roles_that_may_export(login, client):
    manager = login("manager")
    assert "/import/owners.xlsx" in manager.get("/ownermodelview/list/").get_data(as_text=True)
    logout(client)
    clerk = login("clerk")
    assert "/import/owners.xlsx" not in clerk.get("/ownermodelview/list/").get_data(as_text=True)


def test_search_panel_stays_open_while_filtering(login):
    html = login("clerk").get("/ownermodelview/list/?_flt_0_name=王").get_data(as_text=True)
    assert 'class="panel-collapse collapse in"' in html or "collapse in" in html
