"""Every change to a register is recorded: who, when, which record, field, old -> new."""
from decimal import Decimal

from sqlalchemy import func

from app.core.audit import AuditLog, acting_as
from app.estate.models import Unit
from app.extensions import db
from app.owners.models import Owner
from app.owners.services import owner_history


def _rows(table, record_id):
    return (
        db.session.query(AuditLog)
        .filter_by(table_name=table, record_id=str(record_id))
        .order_by(AuditLog.id)
        .all()
    )


def test_insert_update_delete_are_recorded_with_actor(app_ctx, demo_estate):
    # an owner deleted by an earlier test may have had the same id: read only this test's rows
    before = db.session.query(func.max(AuditLog.id)).scalar() or 0
    with acting_as(name="tester"):
        owner = Owner(estate_id=demo_estate.id, name="审计测试", phone="13700000001")
        db.session.add(owner)
        db.session.commit()
        owner.phone = "13700000002"
        owner.important_client = True
        db.session.commit()
        oid = owner.id
        db.session.delete(owner)
        db.session.commit()
    rows = [r for r in _rows("owner", oid) if r.id > before]
    inserts = {r.field: r.new_value for r in rows if r.action == "insert"}
    assert inserts["name"] == "审计测试" and inserts["phone"] == "13700000001"
    updates = {(r.field, r.old_value, r.new_value) for r in rows if r.action == "update"}
    assert ("phone", "13700000001", "13700000002") in updates
    assert ("important_client", "0", "1") in updates
    deletes = {r.field: r.old_value for r in rows if r.action == "delete"}
    assert deletes["name"] == "审计测试"  # nothing is lost even when a row is deleted
    assert {r.username for r in rows} == {"tester"}
    assert all(r.estate_id == demo_estate.id for r in rows)


def test_unchanged_save_records_nothing(app_ctx, demo_estate):
    unit = db.session.query(Unit).filter_by(estate_id=demo_estate.id, code="3-2-502").one()
    before = len(_rows("unit", unit.id))
    unit.chargeable_area = Decimal(str(unit.chargeable_area))  # same value
    db.session.commit()
    assert len(_rows("unit", unit.id)) == before


def test_decimal_recorded_exactly(app_ctx, demo_estate):
    unit = db.session.query(Unit).filter_by(estate_id=demo_estate.id, code="3-2-602").one()
    old = unit.chargeable_area
    with acting_as(name="tester"):
        unit.chargeable_area = Decimal("101.05")
        db.session.commit()
    change = [r for r in _rows("unit", unit.id) if r.field == "chargeable_area"][-1]
    assert (change.old_value, change.new_value) == (format(old, "f"), "101.05")


def test_owner_page_shows_history(login, app):
    client = login("clerk")
    with app.app_context():
        owner = db.session.query(Owner).filter(Owner.phone.isnot(None)).order_by(Owner.id).first()
        with acting_as(name="clerk"):
            owner.notes = "业主要求周末联系"
            db.session.commit()
        oid = owner.id
        assert any(r.field == "notes" for r in owner_history(oid))
    page = client.get(f"/ownermodelview/show/{oid}").get_data(as_text=True)
    assert "业主要求周末联系" in page
    assert "record-history" in page


def test_web_edit_records_logged_in_user(login, app):
    from tests.conftest import csrf_token

    client = login("clerk")
    with app.app_context():
        owner = Owner(estate_id=db.session.query(Unit.estate_id).first()[0], name="网页编辑测试", phone="13700000003")
        db.session.add(owner)
        db.session.commit()
        oid, estate_id = owner.id, owner.estate_id
    token = csrf_token(client, f"/ownermodelview/edit/{oid}")
    resp = client.post(
        f"/ownermodelview/edit/{oid}",
        data={"csrf_token": token, "estate": estate_id, "name": "网页编辑测试", "phone": "13700000004",
              "language": "zh_CN"},
    )
    assert resp.status_code == 302
    with app.app_context():
        row = [r for r in _rows("owner", oid) if r.field == "phone"][-1]
        assert (row.username, row.old_value, row.new_value) == ("clerk", "13700000003", "13700000004")
