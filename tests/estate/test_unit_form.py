"""Bad input on the unit and owner forms: a clear message next to the field, nothing written."""
import re

import pytest

from app.estate.models import Entrance, Unit
from app.extensions import db
from app.owners.models import Owner
from tests.conftest import csrf_token


def _entrance_id(app, code="3-2"):
    with app.app_context():
        b, e = code.split("-")
        from app.estate.models import Building

        return (
            db.session.query(Entrance.id)
            .join(Building, Entrance.building_id == Building.id)
            .filter(Building.number == b, Entrance.number == e, Building.estate.has(name="山水湖畔小区"))
            .scalar()
        )


def _unit_count(app):
    with app.app_context():
        return db.session.query(Unit).count()


def _errors(html: str) -> str:
    return " ".join(re.findall(r'(?s)<span class="help-block">\s*(.*?)\s*</span>', html))


def _post_unit(client, app, **fields):
    data = {
        "entrance": _entrance_id(app), "room_number": "9901", "property_type": "multi_storey",
        "chargeable_area": "88.00", "status": "vacant",
    }
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/unitmodelview/add")
    return client.post("/unitmodelview/add", data=data)


@pytest.mark.parametrize(
    "fields",
    [
        {"chargeable_area": "0"},
        {"chargeable_area": "-12.5"},
        {"chargeable_area": "88.005"},
        {"room_number": "501"},  # 3-2-501 exists: duplicate room in one entrance
    ],
)
def test_bad_unit_input_refused_and_nothing_written(login, app, fields):
    client = login("supervisor")
    before = _unit_count(app)
    resp = _post_unit(client, app, **fields)
    assert resp.status_code == 200  # the form comes back, not a redirect
    html = resp.get_data(as_text=True)
    assert _errors(html).strip(), "the message must stand next to the field"
    assert _unit_count(app) == before


def test_good_unit_saved_with_derived_code_and_floor(login, app):
    client = login("supervisor")
    resp = _post_unit(client, app, room_number="2203", chargeable_area="91.25")
    assert resp.status_code == 302
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code="3-2-2203").one()
        assert unit.floor == 22 and str(unit.chargeable_area) == "91.25"


def test_unknown_entrance_refused(login, app):
    client = login("supervisor")
    before = _unit_count(app)
    resp = _post_unit(client, app, entrance="999999", room_number="9902")
    assert resp.status_code == 200
    assert _unit_count(app) == before


def test_phone_with_letters_refused_on_owner_form(login, app, ):
    client = login("clerk")
    with app.app_context():
        estate_id = db.session.query(Unit.estate_id).first()[0]
        before = db.session.query(Owner).count()
    token = csrf_token(client, "/ownermodelview/add")
    resp = client.post(
        "/ownermodelview/add",
        data={"csrf_token": token, "estate": estate_id, "name": "坏电话", "phone": "1381234abcd", "language": "zh_CN"},
    )
    assert resp.status_code == 200
    assert _errors(resp.get_data(as_text=True)).strip()
    with app.app_context():
        assert db.session.query(Owner).count() == before
