"""Record pages leave out fields that only some records use (show_when_set): an ordinary receipt
has no reversal rows, a reversal has them; a free repair has no price-list rows."""
import datetime as dt

from app.cashdesk import services as cash
from app.estate.models import Unit
from app.extensions import db
from tests.conftest import do_login, logout


def test_reversal_fields_only_on_a_reversal(app, client):
    with app.app_context():
        sm = app.appbuilder.sm
        clerk, accountant = sm.find_user(username="clerk"), sm.find_user(username="accountant")
        unit = db.session.query(Unit).filter(Unit.estate_id == 1).order_by(Unit.id.desc()).first()
        when = dt.datetime(2030, 2, 3, 10, 0)
        receipt = cash.post_payment(unit.id, "33.00", "cash", clerk, when)
        request = cash.request_void(receipt.id, "金额输错，应为 30 元", clerk, when)
        reversal = cash.approve_void(request.id, accountant, when + dt.timedelta(minutes=5))
        paid_id, reversal_id = receipt.id, reversal.id
    do_login(client, "clerk")
    paid = client.get(f"/receiptmodelview/show/{paid_id}").get_data(as_text=True)
    assert "被冲正收据" not in paid and "批准人" not in paid
    reversed_ = client.get(f"/receiptmodelview/show/{reversal_id}").get_data(as_text=True)
    assert "被冲正收据" in reversed_ and "批准人" in reversed_ and "金额输错" in reversed_


def test_a_free_repair_has_no_price_list_rows(app, client):
    from app.servicedesk import services as desk

    with app.app_context():
        clerk = app.appbuilder.sm.find_user(username="clerk")
        wo = desk.create_work_order(dict(unit_code="3-2-501", caller="页面字段", phone="13611240003", channel="phone",
                                         category="water", description="水龙头滴水"), clerk,
                                    dt.datetime(2030, 2, 3, 9, 0), [1])
        wo_id = wo.id
    do_login(client, "clerk")
    page = client.get(f"/workordermodelview/show/{wo_id}").get_data(as_text=True)
    assert "水龙头滴水" in page and "服务项目（价目表）" not in page and "返修跟进主管" not in page


def _edit_link(html: str):
    import re

    return re.search(r'href="(/\w+/edit/\d+)"[^>]*>\s*(?:<i[^>]*></i>\s*)?修改', html)


def test_the_record_page_offers_edit_to_those_who_may(app, client):
    from app.fees.models import FeeSchedule
    from app.fees.services import new_version

    with app.app_context():
        published = db.session.query(FeeSchedule).filter_by(estate_id=1, status="published").first()
        draft = new_version(published.id, app.appbuilder.sm.find_user(username="supervisor"))
        published_id, draft_id = published.id, draft.id
        unit_id = db.session.query(Unit.id).filter(Unit.estate_id == 1).order_by(Unit.id).first()[0]
        receipt_id = db.session.query(cash.Receipt.id).order_by(cash.Receipt.id).first()[0]
    do_login(client, "supervisor")
    found = _edit_link(client.get(f"/feeschedulemodelview/show/{draft_id}").get_data(as_text=True))
    assert found and found.group(1) == f"/feeschedulemodelview/edit/{draft_id}"
    assert client.get(found.group(1)).status_code == 200  # and the link works
    assert not _edit_link(client.get(f"/feeschedulemodelview/show/{published_id}").get_data(as_text=True))
    logout(client)
    do_login(client, "engineer")  # reads units, may not change them
    assert not _edit_link(client.get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True))
    logout(client)
    do_login(client, "admin")  # a receipt has no edit page, not even for the administrator
    assert not _edit_link(client.get(f"/receiptmodelview/show/{receipt_id}").get_data(as_text=True))
    assert _edit_link(client.get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True))
