"""Excel import of units and owners: the service (parse, validate, one transaction) and the page.

Tests that write use rooms 99xx of building 1, entrance 1 of the demo estate (each test its own
rooms), so they never touch what other tests count on.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.core.audit import AuditLog
from app.estate.models import Unit
from app.exceptions import ImportRejected, PermissionDenied
from app.extensions import db
from app.owners import importer
from app.owners.models import Occupancy, Owner
from tests.conftest import OTHER_ESTATE, csrf_token

HEADERS = [zh for _key, zh, _en, _more in importer.COLUMNS]
ENGLISH = [en for _key, _zh, en, _more in importer.COLUMNS]


def row(room, area=89.5, *, building="1", entrance="1", ptype="多层", status="已入住", name=None,
        phone=None, id_number=None, relation=None, move_in=None, important=None, notes=None):
    return [building, entrance, room, ptype, area, status, name, phone, None, id_number, relation,
            move_in, None, None, important, notes]


def xlsx(rows, headers=HEADERS, title=None) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for values in rows:
        ws.append(values)
    for line in ws.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=..." stays text, as a user typing it in Excel would get
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def supervisor(app):
    return app.appbuilder.sm.find_user(username="supervisor")


def unit(estate_id, code):
    return db.session.scalar(select(Unit).where(Unit.estate_id == estate_id, Unit.code == code))


def counts():
    return (db.session.scalar(select(func.count()).select_from(Unit)),
            db.session.scalar(select(func.count()).select_from(Owner)),
            db.session.scalar(select(func.count()).select_from(Occupancy)),
            db.session.scalar(select(func.count()).select_from(AuditLog)))


def run_import(app, estate, rows, **kwargs):
    parsed = importer.parse_workbook(xlsx(rows))
    with force_locale("en"):
        return importer.import_rows(parsed, [estate.id], db.session, estate_id=estate.id,
                                    actor=supervisor(app), **kwargs)


def rejected(app, estate, rows, **kwargs) -> dict[int, str]:
    with pytest.raises(ImportRejected) as exc:
        run_import(app, estate, rows, **kwargs)
    found: dict[int, str] = {}
    for number, message in exc.value.errors:
        found[number] = found.get(number, "") + " " + message
    return found


# --- the service ---------------------------------------------------------------------------
def test_good_file_imports_units_owners_and_occupancies(app, demo_estate):
    rows = [
        row("9901", 89.5, name="导入甲", phone="139 0000 9901", id_number="11010519491231002X",
            move_in="2023-05-01", important="是"),
        row("9902", 120, ptype="高层", status="出租", name="导入乙", phone="13900009902", relation="租户"),
        row("9903", "76.25", status="空置", notes="开发商保留"),
        # the same person (same ID number) holds a second unit: one owner, two occupancies
        row("9904", 60.1, name="导入甲", id_number="11010519491231002X"),
    ]
    result = run_import(app, demo_estate, rows)
    assert (result.units_created, result.owners_created, result.occupancies_created) == (4, 2, 3)
    assert result.skipped == []

    u1 = unit(demo_estate.id, "1-1-9901")
    assert u1.chargeable_area == Decimal("89.50") and u1.property_type == "multi_storey"
    assert u1.status == "occupied" and u1.floor == 99 and u1.building.number == "1"
    assert unit(demo_estate.id, "1-1-9902").property_type == "high_rise"
    assert unit(demo_estate.id, "1-1-9902").status == "let"
    u3 = unit(demo_estate.id, "1-1-9903")
    assert u3.chargeable_area == Decimal("76.25") and u3.notes == "开发商保留" and not u3.occupancies
    assert unit(demo_estate.id, "1-1-9904").chargeable_area == Decimal("60.10")

    owner = db.session.scalar(select(Owner).where(Owner.estate_id == demo_estate.id,
                                                  Owner.phone == "13900009901"))
    assert owner.name == "导入甲" and owner.important_client and owner.id_number == "11010519491231002X"
    assert sorted(o.unit.code for o in owner.occupancies) == ["1-1-9901", "1-1-9904"]
    occ = {o.unit.code: o for o in owner.occupancies}
    assert occ["1-1-9901"].relation == occ["1-1-9904"].relation == "owner"
    assert str(occ["1-1-9901"].move_in_date) == "2023-05-01" and occ["1-1-9904"].move_in_date is None
    tenant = unit(demo_estate.id, "1-1-9902").occupancies[0]
    assert tenant.relation == "tenant" and tenant.owner.name == "导入乙"

    # the audit trail names the importing user
    who = db.session.scalars(select(AuditLog.username).where(
        AuditLog.table_name == "unit", AuditLog.record_id == str(u1.id), AuditLog.action == "insert")).all()
    assert who and set(who) == {"supervisor"}


def test_one_bad_row_writes_nothing_and_each_bad_row_is_reported(app, demo_estate):
    before = counts()
    rows = [
        row("9911", name="好行业主", phone="13900009911"),      # row 2: good
        row("9912", 0),                                           # row 3: area 0
        row("9913", 1.005),                                       # row 4: 3 decimals
        row("9914", name="坏电话", phone="1390000abcd"),         # row 5: letters in the phone
        row("9915", 70),                                          # row 6: same room as row 7
        row("9915", 71),                                          # row 7
        row("9916", building="99"),                               # row 8: no building 99
        row("9917", building="1", entrance="9"),                  # row 9: no entrance 1-9
    ]
    errors = rejected(app, demo_estate, rows)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "greater than 0" in errors[3]
    assert "at most 2 decimal places" in errors[4]
    assert "Phone" in errors[5] and "7 to 15 digits" in errors[5]
    assert "1-1-9915" in errors[6] and "row 7" in errors[6] and "row 6" in errors[7]
    assert "Building 99 does not exist" in errors[8]
    assert "no entrance 9" in errors[9]
    assert counts() == before
    assert unit(demo_estate.id, "1-1-9911") is None


def test_good_rows_only_imports_just_the_good_rows(app, demo_estate):
    rows = [
        row("9921", name="只导好行", phone="13900009921"),  # row 2
        row("9922", 0),                                     # row 3
        row("9923", 66.6),                                  # row 4
        row("9924", building="99"),                         # row 5
    ]
    result = run_import(app, demo_estate, rows, good_rows_only=True)
    assert (result.units_created, result.owners_created, result.occupancies_created) == (2, 1, 1)
    assert sorted({n for n, _m in result.skipped}) == [3, 5]
    assert unit(demo_estate.id, "1-1-9921") is not None
    assert unit(demo_estate.id, "1-1-9923").chargeable_area == Decimal("66.60")
    assert unit(demo_estate.id, "1-1-9922") is None and unit(demo_estate.id, "1-1-9924") is None


def test_good_rows_only_with_no_good_row_is_refused(app, demo_estate):
    errors = rejected(app, demo_estate, [row("9929", 0)], good_rows_only=True)
    assert list(errors) == [2]


def test_existing_unit_keeps_its_data_unless_update_is_ticked(app, demo_estate):
    run_import(app, demo_estate, [row("9931", 50, name="原业主", phone="13900009931")])

    # the same file again changes nothing and creates nobody twice
    before = counts()
    again = run_import(app, demo_estate, [row("9931", 50, name="原业主", phone="13900009931")])
    assert (again.units_created, again.owners_created, again.occupancies_created) == (0, 0, 0)
    assert again.rows_unchanged == 1 and counts() == before

    # a different area is an error ...
    errors = rejected(app, demo_estate, [row("9931", 55)])
    assert "Chargeable area" in errors[2] and "Update existing units" in errors[2]
    assert unit(demo_estate.id, "1-1-9931").chargeable_area == Decimal("50.00")
    # ... a blank cell keeps the registered value (an owner-only row for an existing unit) ...
    blank = run_import(app, demo_estate, [row("9931", None, ptype=None, status=None, name="原业主")])
    assert blank.rows_unchanged == 1
    # ... and with "update existing" the file wins
    result = run_import(app, demo_estate, [row("9931", 55, status="出租")], update_existing=True)
    assert result.units_updated == 1
    u = unit(demo_estate.id, "1-1-9931")
    assert u.chargeable_area == Decimal("55.00") and u.status == "let"


def test_a_second_owner_for_an_occupied_unit_is_refused(app, demo_estate):
    rows = [row("501", None, building="3", entrance="2", ptype=None, status=None, name="新来的人")]
    with force_locale("en"):
        plans, errors = importer.validate_rows(importer.parse_workbook(xlsx(rows)), [demo_estate.id], db.session)
        assert not plans and "3-2-501 already has an owner" in errors[0][1]
        rows[0][10] = "家属"
        plans, errors = importer.validate_rows(importer.parse_workbook(xlsx(rows)), [demo_estate.id], db.session)
        assert errors == [] and plans[0].owner.relation == "family"
    db.session.rollback()


def test_a_new_unit_needs_type_area_and_status(app, demo_estate):
    errors = rejected(app, demo_estate, [row("9941", None, ptype=None, status="")])
    assert all(word in errors[2] for word in ("Property type", "Chargeable area", "Status"))


def test_values_are_checked_like_the_forms(app, demo_estate):
    errors = rejected(app, demo_estate, [
        row("9951", ptype="公寓"),                                  # row 2: unknown type
        row("9952", status="装修"),                                 # row 3: unknown status
        row("9953", name="证件错", id_number="110105194912310021"),  # row 4: bad checksum
        row("9954", name="关系错", relation="朋友"),                 # row 5: unknown relation
        row("9955", name="日期错", move_in="上个月"),                # row 6: no date
        row("9956", phone="13900009956"),                          # row 7: phone without a name
        row("9957", name="号码丢位", id_number=1.10105194912310e17),  # row 8: ID typed as a number
        row("9958", "约89平"),                                      # row 9: text in the area
    ])
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "多层" in errors[2] and "已入住" in errors[3] and "not valid" in errors[4]
    assert "业主" in errors[5] and "2023-05-01" in errors[6] and "owner's name" in errors[7]
    assert "as text" in errors[8] and "must be a number" in errors[9]


@pytest.fixture()
def english(app_ctx):
    with force_locale("en"):
        yield


def test_area_floats_from_excel_are_exact_decimals(english):
    assert importer._parse_row({"area": 89.5})[0]["area"] == Decimal("89.5")
    assert importer._parse_row({"area": 100})[0]["area"] == Decimal("100")
    assert importer._parse_row({"area": 0.1 + 0.2})[1]  # 0.30000000000000004 is refused, not rounded
    assert importer._parse_row({"area": 89.505})[1]


def test_codes_and_english_headers_are_accepted(app, demo_estate):
    parsed = importer.parse_workbook(xlsx(
        [row("9961", 45, ptype="shop", status="vacant"), row("9962", 46, ptype="High-rise", status="Occupied")],
        headers=ENGLISH, title="山水湖畔小区 房屋清单"))
    assert [r["row"] for r in parsed] == [3, 4]
    with force_locale("en"):
        result = importer.import_rows(parsed, [demo_estate.id], db.session, actor=supervisor(app))
    assert result.units_created == 2
    assert unit(demo_estate.id, "1-1-9961").property_type == "shop"
    assert unit(demo_estate.id, "1-1-9962").property_type == "high_rise"


def test_a_file_that_is_not_a_usable_sheet_is_refused(english):
    with pytest.raises(ImportRejected):
        importer.parse_workbook(io.BytesIO(b"name,phone\n"))
    with pytest.raises(ImportRejected) as exc:
        importer.parse_workbook(xlsx([row("9971")], headers=[*HEADERS[:15], "业主姓名"]))
    assert exc.value.errors and exc.value.errors[0][0] == 1
    with pytest.raises(ImportRejected):
        importer.parse_workbook(xlsx([row("9972")], headers=["A", "B", "C"]))


def test_the_estate_must_be_one_of_the_users(app, demo_estate, other_estate):
    parsed = importer.parse_workbook(xlsx([row("9981")]))
    with pytest.raises(PermissionDenied):
        importer.import_rows(parsed, [demo_estate.id], db.session, estate_id=other_estate.id,
                             actor=supervisor(app))
    # buildings are looked up in the chosen estate only: estate B has building 3 alone
    with force_locale("en"):
        _plans, errors = importer.validate_rows(parsed, [other_estate.id], db.session)
    assert "Building 1 does not exist" in errors[0][1]
    db.session.rollback()


# --- the page ------------------------------------------------------------------------------
def _estate_ids(app):
    with app.app_context():
        from app.estate.models import Estate

        return {e.name: e.id for e in db.session.query(Estate)}


@pytest.mark.parametrize("username", ["clerk", "manager", "accountant"])
def test_roles_without_data_import_cannot_use_the_page(login, username):
    client = login(username)
    assert client.get("/import/").status_code == 403
    assert client.get("/import/template.xlsx").status_code == 403
    # with a valid CSRF token, so that what refuses the upload is the missing permission
    token = csrf_token(client, "/resetmypassword/form")
    assert client.post("/import/upload", data={"csrf_token": token}).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client):
    resp = client.get("/import/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_the_page_offers_only_the_users_estates_and_the_template(app, login):
    client = login("supervisor")
    page = client.get("/import/?lang=en").get_data(as_text=True)
    assert "山水湖畔小区" in page and OTHER_ESTATE not in page
    assert 'enctype="multipart/form-data"' in page and "csrf_token" in page
    resp = client.get("/import/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    template = importer.parse_workbook(io.BytesIO(resp.data))
    assert len(template) == 1 and template[0]["room"] == "101" and template[0]["name"] == "张三"


def test_upload_through_the_form_imports(app, login):
    estate_id = _estate_ids(app)["山水湖畔小区"]
    client = login("supervisor")
    token = csrf_token(client, "/import/")
    data = {
        "csrf_token": token, "estate": str(estate_id),
        "file": (xlsx([row("9991", name="网页导入", phone="13900009991"), row("9992", 70.25)]), "units.xlsx"),
    }
    resp = client.post("/import/upload?lang=en", data=data, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page
    assert "The import is finished" in page
    assert re.search(r"Units created</th><td>2<", page) and re.search(r"Occupancies created</th><td>1<", page)
    with app.app_context():
        u = unit(estate_id, "1-1-9991")
        assert u is not None and u.occupancies[0].owner.name == "网页导入"
        assert unit(estate_id, "1-1-9992").chargeable_area == Decimal("70.25")


def test_upload_with_errors_shows_rows_and_writes_nothing(app, login):
    estate_id = _estate_ids(app)["山水湖畔小区"]
    client = login("supervisor")
    token = csrf_token(client, "/import/")
    data = {
        "csrf_token": token, "estate": str(estate_id),
        "file": (xlsx([row("9993"), row("9994", 0), row("9995", building="99")]), "units.xlsx"),
    }
    resp = client.post("/import/upload?lang=en", data=data, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.findall(r'class="row-number">(\d+)<', page) == ["3", "4"]
    assert "greater than 0" in page and "Building 99 does not exist" in page
    with app.app_context():
        assert unit(estate_id, "1-1-9993") is None


def test_upload_without_csrf_token_is_refused(app, login):
    estate_id = _estate_ids(app)["山水湖畔小区"]
    client = login("supervisor")
    data = {"estate": str(estate_id), "file": (xlsx([row("9996")]), "units.xlsx")}
    resp = client.post("/import/upload", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    with app.app_context():
        assert unit(estate_id, "1-1-9996") is None


def test_upload_into_another_estate_is_refused(app, login):
    estate_id = _estate_ids(app)[OTHER_ESTATE]
    client = login("supervisor")
    token = csrf_token(client, "/import/")
    data = {"csrf_token": token, "estate": str(estate_id), "file": (xlsx([row("9997")]), "units.xlsx")}
    resp = client.post("/import/upload", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400  # not a choice of the form
    with app.app_context():
        assert unit(estate_id, "1-1-9997") is None
