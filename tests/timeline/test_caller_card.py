"""The caller card: a phone number in the quick search opens who is calling."""
import datetime as dt
from decimal import Decimal as D

import pytest

from app.core.audit import acting_as
from app.extensions import db
from tests.visits.helpers import make_unit, released


@pytest.fixture()
def caller(app_ctx, demo_estate):
    """An owner with a unique phone, one unit, an overdue charge and an open visit follow-up."""
    from app.fees.models import Charge, FeeItem
    from app.visits.services import record_visit

    unit, owner = make_unit(demo_estate, "来电业主", phone="13700007777", important=True)
    item = db.session.query(FeeItem).filter_by(estate_id=demo_estate.id, code="property").one()
    with acting_as(name="test-caller"):
        db.session.add(Charge(unit=unit, fee_item=item, period="2024-01", period_start=dt.date(2024, 1, 1),
                              period_end=dt.date(2024, 1, 31), due_date=dt.date(2024, 1, 31), amount=D("123.45"),
                              paid=D("0"), source="manual", created_at=dt.datetime(2024, 1, 1, 8, 0)))
        db.session.commit()
    clerk = app_ctx.appbuilder.sm.find_user(username="clerk")
    record_visit(estate_ids=[demo_estate.id], actor=clerk, now=dt.datetime(2024, 2, 1, 10, 0), unit_id=unit.id,
                 kind="important", visit_date=dt.date(2024, 2, 1), follow_up="更换楼道灯泡", follow_up_needed=True)
    return released(unit, owner)


def test_phone_of_one_owner_opens_the_caller_card(login, caller):
    unit, owner = caller
    client = login("clerk")
    resp = client.get("/search/?q=13700007777")
    assert resp.status_code == 302 and f"/search/caller/{owner.id}" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "来电业主" in page and unit.code in page and "13700007777" in page  # the clerk reads phones
    assert "123.45" in page  # overdue
    assert "更换楼道灯泡" in page  # the open follow-up
    assert "unit-timeline" in page and "timeline-charge" in page and "timeline-visit" in page


def test_several_owners_with_the_number_are_listed(login, app, demo_estate):
    released(*make_unit(demo_estate, "同号甲", phone="13700008888"))
    released(*make_unit(demo_estate, "同号乙", phone="13700008888"))
    page = login("clerk").get("/search/?q=13700008888").get_data(as_text=True)
    assert "同号甲" in page and "同号乙" in page and page.count("/search/caller/") == 2


def test_caller_card_for_the_accountant(login, caller):
    unit, owner = caller
    page = login("accountant").get(f"/search/caller/{owner.id}").get_data(as_text=True)
    assert "137****7777" in page and "13700007777" not in page  # accountant: phone masked
    assert "123.45" in page and "更换楼道灯泡" not in page and "timeline-visit" not in page


def test_caller_card_for_engineering(login, caller):
    unit, owner = caller
    page = login("engineer").get(f"/search/caller/{owner.id}").get_data(as_text=True)
    assert "来电业主" in page and "13700007777" in page  # engineering may call owners back
    assert "123.45" not in page and "timeline-charge" not in page and "更换楼道灯泡" not in page


def test_caller_card_of_another_estate_is_not_found(login, caller):
    _unit, owner = caller
    assert login("clerk_b").get(f"/search/caller/{owner.id}").status_code == 404


# --- open work orders and complaints ----------------------------------------------------------
NOW = dt.datetime(2033, 3, 3, 9, 0)
_TWO: dict = {}  # made once for the module
NUMBER = r"(?:BX|TS)\d{4}-\d{5}"


def _open_items(page: str) -> str:
    """The "open items" list of the card (the timeline below lists closed items too)."""
    import re

    m = re.search(r'<ul class="caller-open-items">(.*?)</ul>', page, re.S)
    return m.group(1) if m else ""


@pytest.fixture()
def two_unit_caller(app_ctx, demo_estate, other_estate):
    """An owner holding two units. Unit 1: a work order just taken in, one completed (the stub
    and the callback still to come), one closed, and a closed complaint. Unit 2: a complaint just
    taken in and one handled (callback still to come). Estate B: an owner with the same phone
    number and an open work order; and a bad link (made without the services) from our owner
    to estate B's unit."""
    if _TWO:
        db.session.commit()
        return _TWO
    from sqlalchemy import select

    from app.estate.models import Unit
    from app.owners.models import Occupancy, Owner
    from app.servicedesk import complaints, services

    sm = app_ctx.appbuilder.sm
    clerk, engineer, clerk_b = (sm.find_user(username=n) for n in ("clerk", "engineer", "clerk_b"))
    ids = [demo_estate.id]
    unit1, owner = make_unit(demo_estate, "两套房业主", phone="13700006666")
    unit2, _other = make_unit(demo_estate, "二号房原业主")
    with acting_as(name="test-caller"):
        db.session.add(Occupancy(unit=unit2, owner=owner, relation="owner", move_in_date=dt.date(2024, 5, 1)))
        db.session.commit()

    def wo(unit, text, actor=clerk, estate_ids=ids):
        return services.create_work_order(dict(unit_id=unit.id, caller="两套房业主", phone="13700006666",
                                               channel="phone", category="electricity", urgency="normal",
                                               description=text), actor, NOW, estate_ids)

    def step(order, *actions):
        for action in actions:
            who = engineer if action in ("start", "complete") else clerk
            services.transition_work_order(order.id, action, who, NOW, estate_ids=ids, department="engineering",
                                           departments=services.departments_of(who), note="已处理")

    def complaint(unit, text):
        return complaints.create_complaint(dict(unit_id=unit.id, caller="两套房业主", phone="13700006666",
                                                channel="phone", category="noise", description=text), clerk, NOW, ids)

    open_wo = wo(unit1, "卧室插座没电")
    completed_wo = wo(unit1, "卫生间吊顶渗水")
    step(completed_wo, "dispatch", "start", "complete")
    closed_wo = wo(unit1, "阳台推拉门卡住")
    step(closed_wo, "dispatch", "start", "complete", "return_stub")
    services.record_callback(actor=clerk, now=NOW, estate_ids=ids, work_order_id=closed_wo.id, satisfied=True)
    step(closed_wo, "close")
    closed_c = complaint(unit1, "电梯停运多日")
    complaints.transition_complaint(closed_c.id, "dispatch", clerk, NOW, estate_ids=ids, department="engineering")
    complaints.transition_complaint(closed_c.id, "handle", clerk, NOW, estate_ids=ids, note="已修复")
    services.record_callback(actor=clerk, now=NOW, estate_ids=ids, complaint_id=closed_c.id, satisfied=True)
    complaints.transition_complaint(closed_c.id, "close", clerk, NOW, estate_ids=ids)
    open_c = complaint(unit2, "楼上深夜噪音")
    handled_c = complaint(unit2, "绿化带堆放杂物")
    complaints.transition_complaint(handled_c.id, "dispatch", clerk, NOW, estate_ids=ids, department="landscaping")
    complaints.transition_complaint(handled_c.id, "handle", clerk, NOW, estate_ids=ids, note="已清理")

    unit_b = db.session.scalars(select(Unit).where(Unit.estate_id == other_estate.id)).first()
    with acting_as(name="test-caller"):
        owner_b = Owner(estate_id=other_estate.id, name="乙小区同号业主", phone="13700006666")
        db.session.add_all([owner_b, Occupancy(unit=unit_b, owner=owner_b, relation="owner"),
                            Occupancy(unit=unit_b, owner=owner, relation="tenant")])  # the bad link
        db.session.commit()
    b_wo = wo(unit_b, "乙小区水管爆裂", actor=clerk_b, estate_ids=[other_estate.id])

    for c in (closed_c, open_c, handled_c):
        assert (c.state == "closed") == (c is closed_c)
    assert closed_wo.state == "closed" and completed_wo.state == "completed" and open_wo.state == "received"
    _TWO.update(owner_id=owner.id, units=(unit1.code, unit2.code), unit_ids=(unit1.id, unit2.id),
                open={open_wo.number, completed_wo.number, open_c.number, handled_c.number},
                closed={closed_wo.number, closed_c.number}, rooms={open_c.number: unit2.code},
                b_text="乙小区水管爆裂", b_number=b_wo.number)
    db.session.commit()
    return _TWO


def test_open_items_are_exactly_the_ones_not_closed(login, two_unit_caller):
    import re

    c = two_unit_caller
    items = _open_items(login("clerk").get(f"/search/caller/{c['owner_id']}").get_data(as_text=True))
    assert set(re.findall(NUMBER, items)) == c["open"]  # a closed one is not listed, an open complaint is
    assert "阳台推拉门卡住" not in items and "电梯停运多日" not in items
    assert "楼上深夜噪音" in items and "卫生间吊顶渗水" in items


def test_a_caller_with_two_units_sees_both(login, two_unit_caller):
    import re

    c = two_unit_caller
    page = login("clerk").get(f"/search/caller/{c['owner_id']}").get_data(as_text=True)
    table = re.search(r'<table class="table table-condensed caller-units">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r'href="/unitmodelview/show/(\d+)"', table)
    assert sorted(map(int, rows)) == sorted(c["unit_ids"])  # both units, each once
    items = _open_items(page)
    for number, room in c["rooms"].items():  # each open item says which unit it is about
        line = next(li for li in items.split("<li>") if number in li)
        assert room in line


def test_another_estates_items_never_show(login, two_unit_caller):
    c = two_unit_caller
    client = login("clerk")
    resp = client.get("/search/?q=13700006666")  # estate B's owner with the same number is not offered
    assert resp.status_code == 302 and f"/search/caller/{c['owner_id']}" in resp.headers["Location"]
    page = client.get(f"/search/caller/{c['owner_id']}").get_data(as_text=True)
    assert c["b_text"] not in page and "乙小区" not in page  # neither its work order nor its unit


def test_engineering_sees_only_its_departments_open_work_orders(login, two_unit_caller):
    import re

    c = two_unit_caller
    items = _open_items(login("engineer").get(f"/search/caller/{c['owner_id']}").get_data(as_text=True))
    shown = set(re.findall(NUMBER, items))
    assert shown and shown <= c["open"]
    assert not any(n.startswith("TS") for n in shown)  # no complaints for engineering
    assert "卧室插座没电" not in items  # not sent to engineering yet
