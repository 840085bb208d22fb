"""Estate scope: staff reach only the estates they work for; Admin reaches every estate.

"clerk" works for the demo estate, "clerk_b" for estate B (测试小区B: one unit 3-2-501, one
owner 乙小区业主; see tests/conftest.py). The same room code exists in both estates. Every
refusal is checked against a positive control (the same request finds the record for a user
who may see it), so an empty page cannot pass for a working scope.
"""
from __future__ import annotations

from urllib.parse import quote

import prison
import pytest

from tests.security.conftest import OTHER_OWNER, ROOM, path_of, uniq

B_ESTATE = "测试小区B"


def _name_filter(text: str) -> str:
    return f"/ownermodelview/list/?_flt_2_name={quote(text)}"  # 2 = "contains"


def _api_owner_filter(text: str) -> dict:
    return {"q": prison.dumps({"filters": [{"col": "name", "opr": "ct", "value": text}]})}


def _owners_named(app, name: str) -> list[tuple[int, int]]:
    from app.extensions import db
    from app.owners.models import Owner

    with app.app_context():
        return [(o.id, o.estate_id) for o in db.session.query(Owner).filter_by(name=name)]


# --- lists ---------------------------------------------------------------------------------
def test_clerk_owner_list_lacks_estate_b(browser):
    clerk = browser("clerk")
    assert OTHER_OWNER not in clerk.html("/ownermodelview/list/")
    assert OTHER_OWNER not in clerk.html(_name_filter("乙小区"))
    # positive controls: the same filter finds the owner for its own clerk and for Admin
    assert OTHER_OWNER in browser("clerk_b").html(_name_filter("乙小区"))
    assert OTHER_OWNER in browser("admin").html(_name_filter("乙小区"))


def test_clerk_b_owner_list_lacks_the_demo_estate(browser, sec_ids):
    html = browser("clerk_b").html(_name_filter(sec_ids.owner_name))
    assert sec_ids.owner_name not in html
    assert sec_ids.owner_name in browser("clerk").html(_name_filter(sec_ids.owner_name))


def test_structure_lists_are_scoped(browser):
    clerk = browser("clerk")
    assert B_ESTATE not in clerk.html("/estatemodelview/list/")
    assert B_ESTATE in browser("admin").html("/estatemodelview/list/")
    assert B_ESTATE in browser("clerk_b").html("/estatemodelview/list/")


# --- one record of estate B ----------------------------------------------------------------------
def test_clerk_cannot_open_or_edit_b_owner(app, browser, sec_ids):
    clerk = browser("clerk")
    pk = sec_ids.b_owner
    assert browser("clerk_b").get(f"/ownermodelview/show/{pk}").status_code == 200  # control
    assert clerk.get(f"/ownermodelview/show/{pk}").status_code == 404
    assert clerk.get(f"/ownermodelview/edit/{pk}").status_code == 404
    resp = clerk.post_form(f"/ownermodelview/edit/{pk}",
                           {"estate": str(sec_ids.demo), "name": "被改名", "language": "zh_CN"})
    assert resp.status_code == 404
    assert _owners_named(app, OTHER_OWNER) == [(pk, sec_ids.other)]


def test_clerk_cannot_open_b_unit(browser, sec_ids):
    clerk = browser("clerk")
    assert browser("clerk_b").get(f"/unitmodelview/show/{sec_ids.b_unit}").status_code == 200
    assert clerk.get(f"/unitmodelview/show/{sec_ids.b_unit}").status_code == 404
    assert clerk.get(f"/unitmodelview/edit/{sec_ids.b_unit}").status_code == 404
    assert clerk.api("GET", f"/api/v1/unit/{sec_ids.b_unit}").status_code == 404


def test_clerk_cannot_read_b_owner_through_the_api(app, browser, sec_ids):
    clerk = browser("clerk")
    pk = sec_ids.b_owner
    assert browser("clerk_b").api("GET", f"/api/v1/owner/{pk}").status_code == 200  # control
    assert clerk.api("GET", f"/api/v1/owner/{pk}").status_code == 404
    listed = clerk.client.get("/api/v1/owner/", query_string=_api_owner_filter("乙小区")).get_json()
    assert listed["count"] == 0 and pk not in listed["ids"]
    every = clerk.client.get("/api/v1/owner/", query_string={"q": "(page_size:100)"}).get_json()
    assert pk not in every["ids"]
    assert {r["estate_id"] for r in every["result"]} == {sec_ids.demo}
    assert clerk.api("PUT", f"/api/v1/owner/{pk}", {"name": "被改名"}).status_code == 404
    assert _owners_named(app, OTHER_OWNER) == [(pk, sec_ids.other)]


def test_supervisor_cannot_delete_b_owner(app, browser, sec_ids):
    """The supervisor may delete owners, but only those of the estates they work for."""
    supervisor = browser("supervisor")
    pk = sec_ids.b_owner
    assert supervisor.post_form(f"/ownermodelview/delete/{pk}").status_code == 404
    assert supervisor.api("DELETE", f"/api/v1/owner/{pk}").status_code == 404
    assert _owners_named(app, OTHER_OWNER) == [(pk, sec_ids.other)]


def test_api_lists_only_the_clerks_estate(login, demo_estate, other_estate):
    # one user per test with these fixtures: they keep an app context (and so flask.g) pushed
    client = login("clerk")
    assert client.get("/api/v1/estate/").get_json()["ids"] == [demo_estate.id]
    owners = client.get("/api/v1/owner/", query_string={"q": "(page_size:100)"}).get_json()
    assert {r["estate_id"] for r in owners["result"]} == {demo_estate.id}
    assert other_estate.id not in {r["estate_id"] for r in owners["result"]}


def test_api_lists_only_clerk_b_estate(login, other_estate, sec_ids):
    client = login("clerk_b")
    assert client.get("/api/v1/estate/").get_json()["ids"] == [other_estate.id]
    units = client.get("/api/v1/unit/", query_string={"q": "(page_size:100)"}).get_json()
    assert units["ids"] == [sec_ids.b_unit]
    owners = client.get("/api/v1/owner/").get_json()
    assert owners["ids"] == [sec_ids.b_owner]


# --- quick search: the same room in two estates ---------------------------------------------
def test_quick_search_opens_the_room_of_ones_own_estate(browser, sec_ids):
    resp = browser("clerk_b").get(f"/search/?q={ROOM}")
    assert resp.status_code == 302 and path_of(resp) == f"/unitmodelview/show/{sec_ids.b_unit}"
    resp = browser("clerk").get(f"/search/?q={ROOM}")
    assert resp.status_code == 302 and path_of(resp) == f"/unitmodelview/show/{sec_ids.demo_unit}"
    page = browser("clerk_b").html(f"/unitmodelview/show/{sec_ids.b_unit}")
    assert OTHER_OWNER in page and B_ESTATE in page


def test_quick_search_does_not_find_other_estates_people(browser, sec_ids):
    html = browser("clerk").html(f"/search/?q={quote(OTHER_OWNER)}")
    assert "search-owners" not in html  # the "nothing found" page: no table of people
    assert f"/ownermodelview/show/{sec_ids.b_owner}" not in html
    resp = browser("clerk_b").get(f"/search/?q={quote(OTHER_OWNER)}")
    assert resp.status_code == 302 and path_of(resp) == f"/ownermodelview/show/{sec_ids.b_owner}"


# --- writing into estate B ----------------------------------------------------------------------
def test_clerk_cannot_create_an_owner_in_estate_b(app, browser, sec_ids):
    clerk = browser("clerk")
    form = clerk.html("/ownermodelview/add")
    select = form[form.index('name="estate"'):]
    select = select[: select.index("</select>")]
    assert f'value="{sec_ids.demo}"' in select
    assert f'value="{sec_ids.other}"' not in select and B_ESTATE not in select
    name = uniq("越权业主-")
    resp = clerk.post_form("/ownermodelview/add", {"estate": str(sec_ids.other), "name": name, "language": "zh_CN"})
    assert resp.status_code == 200  # the form again, with its error
    assert _owners_named(app, name) == []
    resp = clerk.api("POST", "/api/v1/owner/", {"estate": sec_ids.other, "name": name})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert "estate" in resp.get_json()["message"]
    assert _owners_named(app, name) == []


def _estate_of_row(app, model, pk):
    from app.extensions import db

    with app.app_context():
        row = db.session.get(model, pk)
        return row.estate_id, getattr(row, "name", None)


def test_clerk_cannot_move_an_owner_into_estate_b_with_the_form(app, browser, sec_ids, throwaway):
    model, pk = throwaway.make("Owner")
    _, name = _estate_of_row(app, model, pk)
    resp = browser("clerk").post_form(f"/ownermodelview/edit/{pk}",
                                      {"estate": str(sec_ids.other), "name": name, "language": "zh_CN"})
    assert resp.status_code == 200  # refused: the form again
    assert _estate_of_row(app, model, pk)[0] == sec_ids.demo


@pytest.mark.parametrize("user, resource, model_name", [
    ("clerk", "owner", "Owner"),
    ("supervisor", "zone", "Zone"),
])
def test_staff_cannot_move_a_record_into_another_estate_through_the_api(
        app, browser, sec_ids, throwaway, user, resource, model_name):
    """PUT {"estate": <B>} on a record of one's own estate must be refused (422), not save
    the record into an estate the user does not work for."""
    model, pk = throwaway.make(model_name)
    resp = browser(user).api("PUT", f"/api/v1/{resource}/{pk}", {"estate": sec_ids.other})
    moved_to = _estate_of_row(app, model, pk)[0]
    assert resp.status_code == 422 and moved_to == sec_ids.demo, (
        f"{user} PUT /api/v1/{resource}/{pk} estate={sec_ids.other}: {resp.status_code}, "
        f"record now in estate {moved_to}")


def test_occupancy_cannot_join_units_and_people_across_estates(app, browser, sec_ids):
    from app.extensions import db
    from app.owners.models import Occupancy

    def count():
        with app.app_context():
            return db.session.query(Occupancy).filter_by(owner_id=sec_ids.b_owner).count()

    before = count()
    supervisor = browser("supervisor")
    resp = supervisor.api("POST", "/api/v1/occupancy/",
                          {"unit": sec_ids.demo_unit, "owner": sec_ids.b_owner, "relation": "tenant"})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    resp = supervisor.post_form("/occupancymodelview/add",
                                {"unit": str(sec_ids.demo_unit), "owner": str(sec_ids.b_owner), "relation": "tenant"})
    assert resp.status_code == 200
    assert count() == before


# --- what the API offers for relation fields ------------------------------------------------------
def test_api_relation_choices_are_scoped(app, browser, sec_ids):
    """/_info lists the values a client may pick for each relation field of every REST API of
    our registers: only rows of the user's estates (else a clerk of estate B reads the name
    of every owner of the demo estate from /api/v1/occupancy/_info)."""
    from app.core.api import StaffRestApi
    from app.extensions import db

    clerk_b = browser("clerk_b")
    leaks, walked = [], 0
    for api in app.appbuilder.baseviews:
        if not isinstance(api, StaffRestApi):
            continue
        datamodel = api.datamodel
        resp = clerk_b.api("GET", f"{api.route_base}/_info")
        if resp.status_code == 403:  # a register clerk_b may not read
            continue
        assert resp.status_code == 200, f"{api.route_base}/_info -> {resp.status_code}"
        info = resp.get_json()
        for col in info.get("add_columns", []) + info.get("edit_columns", []):
            name = col["name"]
            if not datamodel.is_relation(name):
                continue
            related = datamodel.get_related_model(name)
            if not hasattr(related, "estate_id"):
                continue
            with app.app_context():
                scope_col = related.id if related.__name__ == "Estate" else related.estate_id
                own = {i for (i,) in db.session.query(related.id).filter(scope_col == sec_ids.other)}
            walked += 1
            foreign = [v for v in col.get("values") or [] if v["id"] not in own]
            if foreign:
                leaks.append(f"{api.route_base}/_info {name}: {col.get('count')} choices, "
                             f"{len(foreign)}+ of other estates, e.g. {foreign[:3]}")
    assert walked, "no relation field walked"
    assert not leaks, "relation choices from other estates:\n" + "\n".join(sorted(set(leaks)))


# --- Admin ---------------------------------------------------------------------------------------
def test_admin_sees_both_estates(browser, sec_ids):
    admin = browser("admin")
    ids = admin.client.get("/api/v1/estate/").get_json()["ids"]
    assert {sec_ids.demo, sec_ids.other} <= set(ids)
    assert admin.get(f"/ownermodelview/show/{sec_ids.b_owner}").status_code == 200
    assert admin.api("GET", f"/api/v1/owner/{sec_ids.b_owner}").status_code == 200
    assert admin.api("GET", f"/api/v1/owner/{sec_ids.owner}").status_code == 200
    html = admin.html(f"/search/?q={ROOM}")  # the room exists twice: a list, not a redirect
    assert f"/unitmodelview/show/{sec_ids.b_unit}" in html
    assert f"/unitmodelview/show/{sec_ids.demo_unit}" in html
    assert B_ESTATE in html and "山水湖畔小区" in html
