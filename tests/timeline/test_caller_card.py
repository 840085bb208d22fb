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
