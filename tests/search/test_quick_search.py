"""The top-bar search: room as staff say it, phone (full or last 4 digits), name."""
import pytest

from app.estate.models import Unit
from app.extensions import db
from app.owners.models import Occupancy, Owner
from app.search.services import quick_search


@pytest.fixture()
def resident(app_ctx, demo_estate):
    """The owner living in 3-2-501 of the demo estate."""
    unit = db.session.query(Unit).filter_by(estate_id=demo_estate.id, code="3-2-501").one()
    occ = db.session.query(Occupancy).filter_by(unit_id=unit.id, relation="owner").first()
    return occ.owner


@pytest.mark.parametrize("text", ["3-2-501", "3栋2单元501", "3幢2单元501室", "３-２-５０１"])
def test_room_written_any_usual_way_finds_the_unit(app_ctx, demo_estate, text):
    result = quick_search([demo_estate.id], text)
    assert [u.code for u in result.units] == ["3-2-501"]


def test_full_phone_and_last_four_digits_find_the_owner(app_ctx, demo_estate, resident):
    assert resident in quick_search([demo_estate.id], resident.phone).owners
    assert resident in quick_search([demo_estate.id], resident.phone[-4:]).owners


def test_name_finds_the_owner(app_ctx, demo_estate, resident):
    assert resident in quick_search([demo_estate.id], resident.name).owners


def test_other_estates_are_not_searched(app_ctx, other_estate, resident):
    assert resident not in quick_search([other_estate.id], resident.phone).owners
    units = quick_search([other_estate.id], "3-2-501").units
    assert [u.estate_id for u in units] == [other_estate.id]


def test_single_hit_opens_the_record(login, resident):
    client = login("clerk")
    # a phone number of exactly one owner opens the caller card (tests/timeline/test_caller_card.py)
    resp = client.get(f"/search/?q={resident.phone}")
    assert resp.status_code == 302 and f"/search/caller/{resident.id}" in resp.headers["Location"]
    resp = client.get(f"/search/?q={resident.name}")
    hits = quick_search([resident.estate_id], resident.name).owners
    if len(hits) == 1:
        assert resp.status_code == 302 and f"/ownermodelview/show/{resident.id}" in resp.headers["Location"]


def test_no_hit_says_so_and_several_hits_are_listed(login, app):
    client = login("clerk")
    page = client.get("/search/?q=不存在的人").get_data(as_text=True)
    assert "不存在的人" in page and "search-owners" not in page
    page = client.get("/search/?q=王").get_data(as_text=True)  # a common surname among the demo owners
    assert "search-owners" in page


def test_markup_in_query_is_escaped(login):
    page = login("clerk").get("/search/?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_entrance_lists_its_units_in_room_order(app_ctx, demo_estate):
    codes = [u.code for u in quick_search([demo_estate.id], "3-2").units]
    assert codes[0] == "3-2-101" and "3-2-501" in codes and all(c.startswith("3-2-") for c in codes)
    tower = quick_search([demo_estate.id], "7栋1单元")
    codes = [u.code for u in tower.units]
    assert len(codes) == 36 and not tower.more  # 18 floors × 2 doors, all shown
    assert codes.index("7-1-201") < codes.index("7-1-1001")  # natural order, not text order
