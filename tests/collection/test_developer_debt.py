"""The developer's debt for a unit's unsold days is listed apart, is never in an owner's
reminder, is never paid by the owner's money unless the cashier ticks it, and a reminder is
never addressed to nobody."""
from decimal import Decimal as D

import pytest

from app.cashdesk.services import post_payment, prepaid_balance
from app.collection import arrears, services
from app.exceptions import DomainError
from app.extensions import db
from app.fees.models import Charge
from app.owners.models import Occupancy
from tests.collection.conftest import NOW
from tests.reports.pdfutil import page_texts, squash


def _developers_january(unit):
    """The unit's January charges (116.20) become the developer's: the days before it was sold."""
    db.session.query(Charge).filter(Charge.unit_id == unit.id, Charge.period == "2031-01").update(
        {"billed_to": "developer"})
    db.session.commit()


def _unsold(unit):
    for occ in db.session.query(Occupancy).filter_by(unit_id=unit.id).all():
        db.session.delete(occ)
    db.session.commit()


def test_the_list_shows_the_developers_debt_apart(make_units, estate_ids):
    _n, (sold, unsold) = make_units(["买房业主", "未售"])
    _developers_january(sold)
    _developers_january(unsold)
    db.session.query(Charge).filter(Charge.unit_id == unsold.id).update({"billed_to": "developer"})
    _unsold(unsold)
    report = arrears.arrears_report(estate_ids, NOW.date(), arrears.ArrearsFilter(unit_ids=[sold.id, unsold.id]))
    owners = {r.unit_id: r for r in report.rows}
    developer = {r.unit_id: r for r in report.developer_rows}
    assert set(owners) == {sold.id} and owners[sold.id].total == D("232.40")  # February and March
    assert developer[sold.id].total == D("116.20") and developer[unsold.id].total == D("348.60")
    assert developer[sold.id].owner_names == [db.session.get(type(sold), sold.id).estate.developer_name]
    assert report.total == D("232.40") and report.developer_total == D("464.80")


def test_an_owners_reminder_never_asks_for_the_developers_days(make_units, estate_ids, clerk):
    _n, (unit,) = make_units(["不背开发商的债"])
    _developers_january(unit)
    pdf, (reminder,) = services.print_reminders(estate_ids, arrears.ArrearsFilter(unit_ids=[unit.id]), clerk, NOW)
    text = squash(page_texts(pdf)[0])
    assert reminder.amount == D("232.40")
    assert "2031-01" not in text and squash("232.40") in text and squash("348.60") not in text


def test_no_reminder_is_addressed_to_nobody(make_units, estate_ids, clerk):
    _n, (developers, nobodys) = make_units(["开发商的", "无人"])
    db.session.query(Charge).filter(Charge.unit_id == developers.id).update({"billed_to": "developer"})
    _unsold(developers)
    _unsold(nobodys)  # owner charges on a unit with no owner ever on record
    for unit in (developers, nobodys):
        with pytest.raises(DomainError):
            services.print_reminders(estate_ids, arrears.ArrearsFilter(unit_ids=[unit.id]), clerk, NOW)
    assert db.session.query(services.PaymentReminder).filter(
        services.PaymentReminder.unit_id.in_([developers.id, nobodys.id])).count() == 0


def test_the_owners_money_does_not_pay_the_developers_days(make_units, clerk):
    _n, (unit,) = make_units(["只付自己的"])
    _developers_january(unit)
    january = db.session.query(Charge).filter_by(unit_id=unit.id, period="2031-01").all()
    before = prepaid_balance(unit.id)
    receipt = post_payment(unit.id, "1000.00", "cash", clerk, NOW)
    paid = {line.charge_id for line in receipt.lines}
    assert not paid & {c.id for c in january}
    db.session.expire_all()
    assert all(c.paid == 0 for c in db.session.query(Charge).filter_by(unit_id=unit.id, period="2031-01"))
    assert prepaid_balance(unit.id) > before  # what was left over is the owner's prepaid money
    # ticked by the cashier (the developer settles), they are paid
    ids = [c.id for c in january]
    receipt = post_payment(unit.id, "116.20", "bank_transfer", clerk, NOW, payer_name="南京山水湖畔置业有限公司",
                           charge_ids=ids)
    assert {line.charge_id for line in receipt.lines} >= set(ids)


def test_the_cash_desk_marks_the_developers_charges_and_the_arrears_page_lists_them_apart(
        make_units, login, monkeypatch):
    from app.core import clock

    monkeypatch.setattr(clock, "today", lambda: NOW.date())
    monkeypatch.setattr(clock, "now", lambda: NOW)
    number, (unit,) = make_units(["页面开发商"])
    _developers_january(unit)
    client = login("clerk")
    page = client.get(f"/cashdesk/unit/{unit.id}").get_data(as_text=True)
    assert page.count("仅在勾选时收取") == 2  # January's two charges are marked as the developer's
    page = client.get(f"/arrears/?building={number}").get_data(as_text=True)
    assert "开发商欠费" in page and "南京山水湖畔置业有限公司" in page and "116.20" in page
