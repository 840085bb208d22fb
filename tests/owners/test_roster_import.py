"""The office's own rosters: one 房号 column in any writing, columns and totals rows the desk
does not keep, areas as people type them, two people or two numbers in one cell, padded room
numbers; and the owner export, which imports back with nothing changed and nothing refused.

Rooms 97xx of building 1, entrance 1 of the demo estate (see tests/owners/test_import.py).
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.estate.models import Unit
from app.exceptions import ImportRejected
from app.extensions import db
from app.owners import exporter, importer
from app.owners.models import Owner
from app.search.services import quick_search
from tests.conftest import csrf_token
from tests.owners.test_import import counts, supervisor, unit

TITLE = "山水湖畔小区 1栋业主花名册（2026年）"
HEADER = ["序号", "房号", "物业类型", "面积(㎡)", "房屋状态", "业主姓名", "联系电话", None, "备注", "楼层"]


def roster(rows, header=HEADER, merge_phone=True) -> io.BytesIO:
    """A roster as offices keep them: a merged title row, 联系电话 merged over two columns,
    text cells with CRLF, full-width digits and trailing spaces, and a 合计 row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    if merge_phone and "联系电话" in header:
        col = header.index("联系电话") + 1
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
    for values in rows:
        ws.append(values)
    for line in ws.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


MESSY = [
    [1, "1栋1单元9701", "多层", "89.50㎡", "已入住", " 赵敏、钱军 ", "１３９００００９７０１", "13900009702 ",
     "夫妻共有\r\n钥匙在物业", 97],
    [2, "01-01-09702", "高层", "1,268.50", "空置", None, None, None, None, 97],
    [3, "１－１－９７０３ ", "多层", 70, "已入住", "孙丽\r\n", "139-0000-9703、13900009713", None, None, 97],
    ["合计", None, None, "1,428.00", None, None, None, None, None, None],
]


def run(app, estate, data, **kwargs):
    with force_locale("en"):
        parsed = importer.parse_workbook(data)
        try:
            return parsed, importer.import_rows(parsed, [estate.id], db.session, estate_id=estate.id,
                                                actor=supervisor(app), **kwargs)
        except ImportRejected as err:
            err.args = (str(err), [(n, str(m)) for n, m in err.errors])  # readable when a test fails
            raise


def test_a_messy_office_roster_imports(app, demo_estate):
    parsed, result = run(app, demo_estate, roster(MESSY))
    assert result.skipped == []
    assert (result.units_created, result.owners_created, result.occupancies_created) == (3, 3, 3)
    # the columns the desk does not keep and the totals row are left aside, each with a notice
    notices = " ".join(m for _n, m in parsed.notices)
    assert "序号" in notices and "楼层" in notices and "totals row" in notices
    assert [n for n, m in parsed.notices if "totals" in m] == [6]

    u1 = unit(demo_estate.id, "1-1-9701")
    assert u1.chargeable_area == Decimal("89.50") and u1.status == "occupied"
    # two people in one cell are two owners, a number each (the two columns under 联系电话)
    owners = {o.owner.name: o for o in u1.occupancies}
    assert sorted(owners) == ["赵敏", "钱军"]
    assert owners["赵敏"].owner.phone == "13900009701" and owners["钱军"].owner.phone == "13900009702"
    assert {o.relation for o in owners.values()} == {"owner"}
    assert owners["赵敏"].owner.notes.replace("\r\n", "\n") == "夫妻共有\n钥匙在物业"
    # 01-01-09702 is room 9702 of 1-1, its area read through the thousands separator
    u2 = unit(demo_estate.id, "1-1-9702")
    assert u2.room_number == "9702" and u2.chargeable_area == Decimal("1268.50")
    # two numbers in one cell: phone and second phone, never glued together
    sun = unit(demo_estate.id, "1-1-9703").occupancies[0].owner
    assert (sun.name, sun.phone, sun.phone2) == ("孙丽", "13900009703", "13900009713")

    # the same roster again: nothing new, nothing refused
    before = counts()
    _parsed, again = run(app, demo_estate, roster(MESSY))
    assert (again.units_created, again.owners_created, again.occupancies_created) == (0, 0, 0)
    assert again.skipped == [] and counts() == before


def test_a_padded_room_number_is_the_same_room_never_a_second_one(app, demo_estate):
    run(app, demo_estate, roster([[1, "1-1-9711", "多层", 60, "空置", None, None, None, None, None]]))
    before = counts()
    for code in ("1-1-09711", "01栋01单元09711室", "１－１－０９７１１"):
        _parsed, result = run(app, demo_estate, roster([[1, code, "多层", 60, "空置", None, None, None, None, None]]))
        assert result.units_created == 0 and result.rows_unchanged == 1, code
    assert counts() == before
    # with the columns apart too
    parsed = importer.parse_workbook(roster([["1", "01", "09711", 60]], header=["楼栋", "单元", "房号", "面积"]))
    with force_locale("en"):
        plans, errors = importer.validate_rows(parsed, [demo_estate.id], db.session)
    assert errors == [] and plans[0].unit is not None and plans[0].unit.code == "1-1-9711"
    # and the unit form's checks, which every save path runs, say the same
    from app.estate.services import check_unit
    from app.exceptions import DomainError

    twin = Unit(entrance=plans[0].unit.entrance, room_number="09711", estate_id=demo_estate.id,
                property_type="multi_storey", chargeable_area=Decimal("60"), status="vacant")
    with force_locale("en"), db.session.no_autoflush:
        with pytest.raises(DomainError) as err:
            check_unit(twin)
        assert "already has a room with this number" in str(err.value)
    db.session.rollback()


@pytest.mark.parametrize("text", ["03-02-0501", "3栋2单元0501室", "０３－０２－０５０１"])
def test_the_quick_search_reads_padded_room_numbers(app_ctx, demo_estate, text):
    assert [u.code for u in quick_search([demo_estate.id], text).units] == ["3-2-501"]


def test_a_room_without_its_entrance_needs_a_building_of_one_entrance(app_ctx, demo_estate):
    # the demo's buildings have several entrances: 3幢501室 cannot say which 501 it is
    parsed = importer.parse_workbook(roster([[1, "3幢501室", None, None, None, None, None, None, None, None]]))
    with force_locale("en"):
        plans, errors = importer.validate_rows(parsed, [demo_estate.id], db.session)
    assert not plans and "several entrances" in errors[0][1] and "3-1-501" in errors[0][1]
    # ... while the quick search lists every 501 of building 3
    assert "3-2-501" in [u.code for u in quick_search([demo_estate.id], "3幢501室").units]


def test_people_and_numbers_that_cannot_be_told_apart_refuse_the_row(app, demo_estate):
    rows = [
        # row 3: two owners, one ID number: whose is it?
        [1, "1-1-9721", "多层", 60, "已入住", "周一、吴二", "13900009721", None, "11010519491231002X", None],
        # row 4: three numbers for one person
        [2, "1-1-9722", "多层", 60, "已入住", "郑三", "13900009722、13900009723", "13900009724", None, None],
        # row 5: a number that is two glued together
        [3, "1-1-9723", "多层", 60, "已入住", "王四", "1390000972413900009725", None, None, None],
    ]
    header = ["序号", "房号", "物业类型", "面积", "房屋状态", "业主姓名", "手机", "备用电话", "证件号码", "楼层"]
    before = counts()
    with pytest.raises(ImportRejected) as exc:
        run(app, demo_estate, roster(rows, header=header))
    found = {n: m for n, m in exc.value.errors}
    assert sorted(found) == [3, 4, 5]
    assert "周一、吴二" in found[3] and "row of their own" in found[3]
    assert "more than two numbers" in found[4]
    assert "7 to 15 digits" in found[5]
    assert counts() == before


def test_two_owners_sharing_one_number_both_get_it(app, demo_estate):
    rows = [[1, "1-1-9731", "多层", 60, "已入住", "冯五，陈六", "13900009731", None, None, None]]
    _parsed, result = run(app, demo_estate, roster(rows, merge_phone=False))
    assert result.owners_created == 2
    people = {o.owner.name: o.owner.phone for o in unit(demo_estate.id, "1-1-9731").occupancies}
    assert people == {"冯五": "13900009731", "陈六": "13900009731"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """An app of its own on a freshly seeded demo estate: the round trips below read the whole
    estate, and the suite's shared demo estate holds what other tests left in it."""
    from app import create_app
    from app.bootstrap import first_start
    from tests.conftest import PASSWORD

    instance = tmp_path_factory.mktemp("roundtrip")
    other = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'demo.db'}", INSTANCE_PATH=str(instance),
                       TESTING=True, SECRET_KEY="roundtrip-secret-key-of-the-estate-desk-suite",
                       DEMO_PASSWORD=PASSWORD, DEMO_FEE_MONTHS=2)
    with other.app_context():
        first_start(seed_demo=True, demo_password=PASSWORD)
    return other


@pytest.fixture()
def fresh_demo(pristine):
    from app.estate.models import Estate

    with pristine.app_context():
        yield pristine, db.session.scalar(select(Estate).order_by(Estate.id).limit(1))
        db.session.remove()


def test_export_then_import_changes_nothing_and_refuses_nothing(fresh_demo):
    """The round trip on the demo estate: the full list (phones and ID numbers) and the masked
    one (phones as 138****5678, no ID numbers) both import back as they are."""
    app, demo_estate = fresh_demo
    for mask, ids in ((False, True), (True, False)):
        data = exporter.export_owners([demo_estate.id], mask_personal=mask, id_numbers=ids)
        units = db.session.scalar(select(db.func.count()).select_from(Unit).where(Unit.estate_id == demo_estate.id))
        before = counts()
        parsed = importer.parse_workbook(io.BytesIO(data))
        with force_locale("en"):
            plans, errors = importer.validate_rows(parsed, [demo_estate.id], db.session)
        assert [(n, str(m)) for n, m in errors] == []
        parsed, result = run(app, demo_estate, io.BytesIO(data))
        assert parsed.notices == []
        assert result.skipped == []
        assert (result.units_created, result.units_updated, result.owners_created, result.owners_updated,
                result.occupancies_created, result.occupancies_updated) == (0, 0, 0, 0, 0, 0)
        assert result.rows_imported == 0 and result.rows_unchanged == len(parsed)
        assert counts() == before  # not even an audit row
        # every unit of the estate is in the list
        assert len({(r["building"], r["entrance"], r["room"]) for r in parsed}) == units


def test_a_masked_number_that_is_not_the_registered_one_is_refused(app, demo_estate):
    owner = db.session.scalar(select(Owner).where(Owner.estate_id == demo_estate.id, Owner.phone.is_not(None))
                              .order_by(Owner.id).limit(1))
    room = next(o.unit for o in owner.occupancies if o.move_out_date is None)
    code = room.code
    parsed = importer.parse_workbook(roster([[1, code, None, None, None, owner.name, "139****0000", None, None, None]],
                                            merge_phone=False))
    with force_locale("en"):
        plans, errors = importer.validate_rows(parsed, [demo_estate.id], db.session)
    assert not plans and "masked" in errors[0][1]


def test_the_upload_page_lists_what_was_left_aside(app, login):
    from tests.owners.test_import import _estate_ids

    estate_id = _estate_ids(app)["山水湖畔小区"]
    client = login("supervisor")
    data = {"csrf_token": csrf_token(client, "/import/"), "estate": str(estate_id),
            "file": (roster([[1, "1-1-9741", "多层", "66.00㎡", "空置", None, None, None, None, 97],
                             ["合计", None, None, "66.00", None, None, None, None, None, None]]), "花名册.xlsx")}
    resp = client.post("/import/upload?lang=en", data=data, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page
    assert "Left aside while reading the file" in page
    assert re.findall(r'class="notice-row">(\d+)<', page) == ["2", "2", "4"]
    with app.app_context():
        assert unit(estate_id, "1-1-9741").chargeable_area == Decimal("66.00")


def test_a_person_without_a_unit_goes_out_and_back_unchanged(fresh_demo):
    from app.core.audit import acting_as

    app, demo_estate = fresh_demo

    with acting_as(name="test"):
        db.session.add(Owner(estate_id=demo_estate.id, name="已迁出的人", phone="13900009751"))
        db.session.commit()
    for mask in (False, True):
        data = exporter.export_owners([demo_estate.id], mask_personal=mask)
        rows = [r for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
                if "已迁出的人" in r]
        assert len(rows) == 1 and rows[0][1:4] == (None, None, None)  # no room cells
        before = counts()
        _parsed, result = run(app, demo_estate, io.BytesIO(data))
        assert result.skipped == [] and result.owners_created == 0 and counts() == before
    # a new person-only row registers the person, without a unit
    _parsed, result = run(app, demo_estate, roster([[1, None, None, None, None, "新登记无房", "13900009752",
                                                     None, None, None]]))
    assert result.owners_created == 1 and result.occupancies_created == 0
