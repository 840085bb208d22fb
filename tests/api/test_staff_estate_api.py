"""The staff-estate API carries the staff member's department, with the choices of the Staff
estates form: one of the service desk's departments, or empty (stored as NULL); anything else is
a 422 on the field, in the user's language, and nothing is written."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.api.conftest import count_rows

URL = "/api/v1/staff_estate/"


@pytest.fixture(scope="module")
def new_user(app):
    """A staff member without any estate yet (so that each test may assign one)."""
    from tests.conftest import PASSWORD

    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username="api_dept_test") or sm.add_user(
            "api_dept_test", "部门", "测试", "api_dept_test@demo.invalid", sm.find_role("Engineer"),
            password=PASSWORD)
        return user.id


@pytest.fixture()
def rows(app, new_user):
    """Delete the test user's staff-estate rows before and after."""
    from app.core.audit import acting_as
    from app.security.models import StaffEstate

    def clear():
        with app.app_context(), acting_as(name="test-staff-estate"):
            for row in db.session.scalars(select(StaffEstate).where(StaffEstate.user_id == new_user)):
                db.session.delete(row)
            db.session.commit()

    clear()
    yield
    clear()


def _stored(app, pk):
    from app.security.models import StaffEstate

    with app.app_context():
        return db.session.get(StaffEstate, pk).department


def test_the_list_shows_each_staff_members_department(api, app):
    resp = api("admin").get(URL + "?q=(page_size:100)")
    assert resp.status_code == 200
    engineer_id = _user_id(app, "engineer")
    rows = [r for r in resp.json["result"] if r["user_id"] == engineer_id]
    assert rows and {r["department"] for r in rows} == {"engineering"}
    assert "department" in api("admin").get(f"{URL}{rows[0]['id']}").json["result"]


def _user_id(app, username):
    with app.app_context():
        return app.appbuilder.sm.find_user(username=username).id


@pytest.mark.parametrize("sent, stored", [("engineering", "engineering"), ("", None), (None, None),
                                          ("  ", None), (" security ", "security"), ("<missing>", None)])
def test_add_with_a_department_or_none(api, app, rows, new_user, ids_demo, sent, stored):
    body = {"user": new_user, "estate": ids_demo}
    if sent != "<missing>":
        body["department"] = sent
    resp = api("admin").post(URL, json=body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert _stored(app, resp.json["id"]) == stored


def test_edit_changes_and_clears_the_department(api, app, rows, new_user, ids_demo):
    from app.core.audit import AuditLog

    pk = api("admin").post(URL, json={"user": new_user, "estate": ids_demo, "department": "engineering"}).json["id"]
    assert api("admin").put(f"{URL}{pk}", json={"department": "cleaning"}).status_code == 200
    assert _stored(app, pk) == "cleaning"
    assert api("admin").put(f"{URL}{pk}", json={"department": ""}).status_code == 200
    assert _stored(app, pk) is None  # empty is NULL, as on the form
    with app.app_context():  # the change log has both changes
        changes = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "staff_estate",
                                                            AuditLog.record_id == str(pk))).all()
    assert {(c.old_value, c.new_value) for c in changes if c.field == "department"} >= {
        ("engineering", "cleaning"), ("cleaning", None)}


@pytest.mark.parametrize("bad", ["plumbing", "Engineering", "工程部"])
def test_an_unknown_department_is_refused_and_nothing_written(api, app, rows, new_user, ids_demo, bad):
    from app.security.models import StaffEstate

    before = count_rows(app, StaffEstate)
    resp = api("admin").post(URL, json={"user": new_user, "estate": ids_demo, "department": bad})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert list(resp.json["message"]) == ["department"]
    assert count_rows(app, StaffEstate) == before

    pk = api("admin").post(URL, json={"user": new_user, "estate": ids_demo, "department": "security"}).json["id"]
    before = count_rows(app, StaffEstate)
    resp = api("admin").put(f"{URL}{pk}", json={"department": bad})
    assert resp.status_code == 422 and list(resp.json["message"]) == ["department"]
    assert count_rows(app, StaffEstate) == before and _stored(app, pk) == "security"


def test_the_refusal_is_in_the_users_language(api, app, rows, new_user, ids_demo):
    from flask_babel import force_locale

    from app.security.api import clean_department

    body = {"user": new_user, "estate": ids_demo, "department": "plumbing"}
    english = api("admin").post(URL + "?lang=en", json=body).json["message"]["department"][0]
    assert "engineering" in english and "empty" in english  # says what is accepted
    chinese = api("admin").post(URL, json=body).json["message"]["department"][0]
    with app.test_request_context("/"), force_locale("zh_CN"):
        with pytest.raises(Exception) as refused:
            clean_department("plumbing")
        assert chinese == str(refused.value)  # the catalog's text in the default language


def test_only_the_administrator_assigns_estates(api, new_user, ids_demo):
    resp = api("supervisor").post(URL, json={"user": new_user, "estate": ids_demo, "department": "engineering"})
    assert resp.status_code in (401, 403)
