"""Late fees (滞纳金): one figure on every page, booked when a payment is taken, waived only with
the Manager's approval, switchable per estate, stated on the public fee schedule."""
import datetime as dt
import json
import re
from decimal import Decimal as D

import pytest

from app.collection import arrears, services
from app.core import clock
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from tests.collection.conftest import NOW
from tests.conftest import logout

ZERO = D("0.00")


def _print(estate_ids, units, actor, now=NOW, **kw):
    f = arrears.ArrearsFilter(unit_ids=[u.id for u in units])
    return services.print_reminders(estate_ids, f, actor, now, **kw)


def _owed(unit_id, day):
    from app.latefees.services import late_fees_owed

    return late_fees_owed([unit_id], day).of_unit(unit_id)


def _token(html):
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "a CSRF token on the page"
    return m.group(1)


def _money(text):
    return D(text.replace(",", "").replace("¥", "").strip())


# --- one figure everywhere ------------------------------------------------------------------
def test_every_page_uses_the_same_late_fee_for_every_demo_unit(app_ctx, demo_estate):
    """The arrears list, the unit page's row, the cash desk, the statement and the reminder
    letter agree for all demo units (the cash desk used to add late fees on charges already
    paid: 81 of 540 units differed)."""
    from app.cashdesk.services import late_fees
    from app.estate.models import Unit
    from reports.reminder import snapshot_of
    from reports.statement import build_statement

    today = clock.today()
    units = db.session.query(Unit).filter_by(estate_id=demo_estate.id).order_by(Unit.id).all()
    assert len(units) >= 500
    report = arrears.arrears_report([demo_estate.id], today)
    listed = {r.unit_id: r for r in report.rows}
    developers = {r.unit_id: r for r in report.developer_rows}  # unsold days, listed apart
    with_fee = 0
    for unit in units:
        row = listed.get(unit.id)
        from_list = (row.late_fee if row else ZERO) + (developers[unit.id].late_fee if unit.id in developers else ZERO)
        desk = sum(late_fees(unit.id, today).values(), ZERO)
        page_row = arrears.unit_arrears(unit, today)  # what the unit page and the case file show
        on_page = page_row.late_fee if page_row else ZERO
        statement = build_statement(unit.id, printed_on=today).late_fee
        letter = ZERO
        if row:
            snap = json.loads(snapshot_of(row, number="T", stage="first", round_no=1, deadline=today,
                                          issued_on=today))
            letter = D(snap["late_fee"])
            assert D(snap["total"]) == row.total + letter
        if unit.id in developers:  # the developer's late fees are never in the owner's letter
            letter += developers[unit.id].late_fee
        assert from_list == desk == on_page == statement == letter, unit.code
        with_fee += from_list > 0
    assert with_fee >= 10, "the demo has units owing late fees"


def test_rendered_pages_show_the_same_late_fee(app, login, demo_estate):
    """The unit page and the cash desk page print the figure of the one function."""
    from app.estate.models import Unit
    from app.latefees.services import late_fees_owed

    ids = [u.id for u in db.session.query(Unit).filter_by(estate_id=demo_estate.id)]
    owed = late_fees_owed(ids, clock.today())
    sample = sorted(owed.by_unit)[:5]
    expected = {u: owed.of_unit(u) for u in sample}
    db.session.commit()  # end the test's read: the pages take the SQLite write lock
    assert sample
    client = login("clerk")
    for unit_id, fee in expected.items():
        page = client.get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True)
        desk = client.get(f"/cashdesk/unit/{unit_id}").get_data(as_text=True)
        for html in (page, desk):
            m = re.search(r'data-figure="late-fee">([^<]+)<', html)
            assert m and _money(m.group(1)) == fee


def test_arrears_list_costs_the_same_statements_for_one_unit_or_all(app_ctx, demo_estate, count_sql):
    from app.estate.models import Unit
    from app.latefees.services import late_fees_owed

    ids = [u.id for u in db.session.query(Unit).filter_by(estate_id=demo_estate.id)]
    count_sql.clear()
    late_fees_owed(ids[:1], clock.today())
    one = len(count_sql)
    count_sql.clear()
    late_fees_owed(ids, clock.today())
    assert len(count_sql) == one == 1


def test_a_charge_paid_in_full_owes_no_late_fee(make_units, estate_ids, clerk):
    """Paying the principal and its late fee ends it; nothing accrues after."""
    from app.cashdesk.services import post_payment

    _n, (unit,) = make_units(["全清"])
    day = NOW.date()
    total = D("348.60") + _owed(unit.id, day)
    post_payment(unit.id, str(total), "cash", clerk, NOW)
    for later in (day, day + dt.timedelta(days=30), day + dt.timedelta(days=400)):
        assert _owed(unit.id, later) == ZERO


# --- booked when collected ------------------------------------------------------------------
def test_paying_what_the_reminder_asks_leaves_nothing_open(make_units, estate_ids, clerk):
    """The letter asks for X including late fee L; paying exactly X settles everything, the
    receipt shows a 滞纳金 line of L, and nothing lands on next month's property fee."""
    from app.cashdesk.models import PrepaidEntry
    from app.cashdesk.services import post_payment, prepaid_balance
    from app.core.audit import acting_as
    from app.fees.models import Charge, FeeItem
    from reports.receipt import build_receipt

    _n, (unit,) = make_units(["滞纳金业主"])
    prop = db.session.query(FeeItem).filter_by(estate_id=unit.estate_id, code="property").one()
    with acting_as(name="test-late-fees"):
        june = Charge(unit_id=unit.id, fee_item_id=prop.id, period="2031-06", period_start=dt.date(2031, 6, 1),
                      period_end=dt.date(2031, 6, 30), due_date=dt.date(2031, 7, 1), amount=D("106.20"),
                      paid=ZERO, source="manual", created_at=NOW)
        db.session.add(june)
        db.session.commit()
    _pdf, (reminder,) = _print(estate_ids, [unit], clerk)
    x, late = reminder.total, reminder.late_fee
    assert late > 0 and x == D("348.60") + late

    receipt = post_payment(unit.id, str(x), "cash", clerk, NOW + dt.timedelta(hours=2))
    db.session.expire_all()
    assert db.session.get(Charge, june.id).paid == ZERO  # next month's fee untouched
    open_ = db.session.query(Charge).filter(Charge.unit_id == unit.id, Charge.voided_at.is_(None),
                                           Charge.paid < Charge.amount, Charge.id != june.id).all()
    assert open_ == []
    assert _owed(unit.id, NOW.date()) == ZERO
    assert prepaid_balance(unit.id) == ZERO
    assert db.session.query(PrepaidEntry).filter_by(unit_id=unit.id).count() == 0
    doc = build_receipt(receipt.id)
    items = {i.text: i.amount for i in doc.items}
    assert items["滞纳金"] == late and doc.settled == x == doc.amount
    booked = db.session.query(Charge).filter_by(unit_id=unit.id, source="late_fee").all()
    assert sum(c.amount for c in booked) == late and all(c.paid == c.amount for c in booked)


def test_a_short_payment_leaves_the_booked_late_fee_owed(make_units, estate_ids, clerk):
    """Paying only the principal does not make the late fee go away: it was booked as 滞纳金
    charges (each settled right after its month), so that much of the newest month stays open."""
    from app.cashdesk.services import arrears_total, post_payment
    from app.fees.models import Charge

    _n, (unit,) = make_units(["只交本金"])
    late = _owed(unit.id, NOW.date())
    post_payment(unit.id, "348.60", "cash", clerk, NOW)
    booked = db.session.query(Charge).filter_by(unit_id=unit.id, source="late_fee").all()
    assert sum(c.amount for c in booked) == late > 0
    assert arrears_total(unit.id) == late
    still_open = db.session.query(Charge).filter(Charge.unit_id == unit.id, Charge.paid < Charge.amount).all()
    assert {c.period for c in still_open} == {"2031-03"}  # the oldest months are settled in full


def test_picked_charges_take_their_own_late_fee_only(make_units, estate_ids, clerk):
    from app.cashdesk.services import post_payment
    from app.fees.models import Charge

    _n, (unit,) = make_units(["挑选"])
    jan = db.session.query(Charge).filter_by(unit_id=unit.id, period="2031-01").all()
    fees_before = _owed(unit.id, NOW.date())
    from app.latefees.services import late_fees_owed

    jan_fee = sum(late_fees_owed([unit.id], NOW.date()).by_charge.get(c.id, ZERO) for c in jan)
    assert jan_fee > 0
    post_payment(unit.id, str(sum(c.amount for c in jan) + jan_fee), "cash", clerk, NOW,
                 charge_ids=[c.id for c in jan])
    assert _owed(unit.id, NOW.date()) == fees_before - jan_fee
    booked = db.session.query(Charge).filter_by(unit_id=unit.id, source="late_fee").all()
    assert sum(c.amount for c in booked) == jan_fee and all(c.paid == c.amount for c in booked)


# --- waivers --------------------------------------------------------------------------------
def test_waiver_lowers_the_fee_only_once_the_manager_approves(make_units, estate_ids, clerk, manager):
    from app.core.audit import AuditLog
    from app.latefees import waivers
    from app.latefees.models import LateFeeEntry

    _n, (unit,) = make_units(["减免业主"])
    day = NOW.date()
    owed = _owed(unit.id, day)
    part = (owed / 2).quantize(D("0.01"))
    w = waivers.request_waiver(unit.id, f" {part} ", "业主因住院\r\n晚交，申请减免", clerk, NOW)
    assert w.status == "pending" and w.reason == "业主因住院\n晚交，申请减免"
    assert _owed(unit.id, day) == owed  # not before approval
    with pytest.raises(PermissionDenied):
        waivers.approve_waiver(w.id, clerk, NOW)
    db.session.rollback()
    waivers.approve_waiver(w.id, manager, NOW, "同意")
    assert _owed(unit.id, day) == owed - part
    entries = db.session.query(LateFeeEntry).filter_by(waiver_id=w.id).all()
    assert sum(e.amount for e in entries) == part
    # audited: who asked and who approved
    logged = db.session.query(AuditLog).filter_by(table_name="late_fee_waiver", record_id=str(w.id)).all()
    assert len(logged) >= 2
    # the rest can be waived, but not more than is owed
    with pytest.raises(DomainError):
        waivers.request_waiver(unit.id, str(owed - part + D("0.01")), "全部减免", clerk, NOW)
    db.session.rollback()
    w2 = waivers.request_waiver(unit.id, str(owed - part), "全部减免", clerk, NOW)
    waivers.reject_waiver(w2.id, manager, NOW, "不同意")
    assert _owed(unit.id, day) == owed - part
    with pytest.raises(DomainError):
        waivers.approve_waiver(w2.id, manager, NOW)  # decided already
    db.session.rollback()


@pytest.mark.parametrize("amount, reason", [
    ("", "理由充分"), ("-1", "理由充分"), ("０.５０", "理由充分"), ("1.005", "理由充分"), ("abc", "理由充分"),
    ("0.50", ""), ("0.50", "  \x00 "), ("0.50", "长" * 301), ("99999999999", "理由充分"),
])
def test_bad_waiver_requests_are_refused_and_change_nothing(make_units, estate_ids, clerk, amount, reason):
    from app.latefees import waivers
    from app.latefees.models import LateFeeWaiver

    _n, (unit,) = make_units(["坏输入"])
    with pytest.raises(DomainError) as err:
        waivers.request_waiver(unit.id, amount, reason, clerk, NOW)
    assert str(err.value)
    db.session.rollback()
    assert db.session.query(LateFeeWaiver).filter_by(unit_id=unit.id).count() == 0


@pytest.mark.parametrize("unit_id", [0, -1, 10**12, "12"])
def test_waiver_of_a_unit_that_does_not_exist(app_ctx, clerk, unit_id):
    from app.latefees import waivers

    with pytest.raises(DomainError):
        waivers.request_waiver(unit_id, "1.00", "理由充分", clerk, NOW)


def test_a_second_waiver_waits_for_the_first(make_units, estate_ids, clerk):
    from app.latefees import waivers

    _n, (unit,) = make_units(["重复"])
    waivers.request_waiver(unit.id, "0.10", "理由充分", clerk, NOW)
    with pytest.raises(DomainError):
        waivers.request_waiver(unit.id, "0.10", "理由充分", clerk, NOW)
    db.session.rollback()


def test_waiver_pages_clerk_asks_manager_decides(app, login, make_units, estate_ids):
    from app.latefees.models import LateFeeWaiver

    from app.core.audit import acting_as
    from app.fees.models import Charge, FeeItem

    _n, (unit,) = make_units(["页面减免"])
    unit_id = unit.id
    # the pages work on the office's today: a property fee overdue by 60 days from it
    prop = db.session.query(FeeItem).filter_by(estate_id=unit.estate_id, code="property").one()
    due = clock.today() - dt.timedelta(days=60)
    with acting_as(name="test-late-fees"):
        db.session.add(Charge(unit_id=unit_id, fee_item_id=prop.id, period=f"{due:%Y-%m}",
                              period_start=due.replace(day=1), period_end=due, due_date=due, amount=D("1000.00"),
                              paid=ZERO, source="manual", created_at=NOW))
    db.session.commit()
    client = login("clerk")
    page = client.get(f"/latefees/unit/{unit_id}/waive").get_data(as_text=True)
    assert 'data-figure="late-fee"' in page
    token = _token(page)
    resp = client.post(f"/latefees/unit/{unit_id}/waive", data={"amount": "0.50", "reason": "老人晚交", "csrf_token": token})
    assert resp.status_code == 302
    db.session.commit()  # the requests ran in the test's app context: end what they left open
    wid = db.session.query(LateFeeWaiver).filter_by(unit_id=unit_id).one().id
    db.session.commit()
    # the clerk cannot decide
    resp = client.post(f"/latefees/waiver/{wid}/approve", data={"csrf_token": token})
    assert resp.status_code in (302, 403)
    db.session.commit()
    assert db.session.get(LateFeeWaiver, wid).status == "pending"
    db.session.commit()
    logout(client)
    client = login("manager")
    show = client.get(f"/latefeewaivermodelview/show/{wid}").get_data(as_text=True)
    assert "Approve" in show or "批准" in show
    token = _token(show)
    resp = client.post(f"/latefees/waiver/{wid}/approve", data={"csrf_token": token})
    assert resp.status_code == 302
    db.session.commit()
    assert db.session.get(LateFeeWaiver, wid).status == "approved"
    db.session.commit()


# --- the estate switch ----------------------------------------------------------------------
@pytest.fixture()
def late_fees_off(app_ctx, demo_estate):
    demo_estate.late_fees_enabled = False
    db.session.commit()
    yield demo_estate
    demo_estate.late_fees_enabled = True
    db.session.commit()


def test_switched_off_nothing_is_owed_booked_or_published(late_fees_off, make_units, estate_ids, clerk, client):
    from app.cashdesk.services import post_payment
    from app.fees.models import Charge

    _n, (unit,) = make_units(["不收滞纳金"])
    assert _owed(unit.id, NOW.date()) == ZERO
    row = arrears.unit_arrears(unit, NOW.date())
    assert row.late_fee == ZERO and all(i.late_fee is None for i in row.items)
    post_payment(unit.id, "348.60", "cash", clerk, NOW)
    assert db.session.query(Charge).filter_by(unit_id=unit.id, source="late_fee").count() == 0
    assert db.session.query(Charge).filter(Charge.unit_id == unit.id, Charge.paid < Charge.amount).count() == 0
    page = client.get("/public/fees").get_data(as_text=True)
    assert "滞纳金" not in page and "late fee" not in page.lower()


# --- the public fee schedule ----------------------------------------------------------------
def test_public_schedule_states_the_late_fee_rule(app_ctx, demo_estate, client):
    from app.fees import services as fee_services
    from app.publishing import posters

    schedule = fee_services.schedule_in_force(demo_estate.id, clock.today())
    zh = posters.late_fee_rules(schedule, "zh_CN")
    assert zh == ["物业服务费：逾期未交的，宽限15天后，按日加收欠费金额万分之三的滞纳金。"]
    en = posters.late_fee_rules(schedule, "en")
    assert len(en) == 1 and "0.03%" in en[0] and "15" in en[0]
    page = client.get("/public/fees").get_data(as_text=True)
    assert "万分之三" in page
    content = posters.fee_schedule_poster(schedule, "zh_CN")
    assert content.sections[0].summary == zh[0]  # closes the rate table on the poster


def test_daily_rate_wording():
    from app.publishing.posters import fmt_daily_rate

    assert fmt_daily_rate(D("0.0003"), "zh_CN") == "万分之三"
    assert fmt_daily_rate(D("0.0005"), "zh_CN") == "万分之五"
    assert fmt_daily_rate(D("0.00035"), "zh_CN") == "0.035%"
    assert fmt_daily_rate(D("0.001"), "zh_CN") == "0.1%"
    assert fmt_daily_rate(D("0.0003"), "en") == "0.03%"


# --- reprints -------------------------------------------------------------------------------
def test_a_reprint_keeps_its_number_and_asks_only_what_is_owed_on_the_day(make_units, estate_ids, clerk):
    """Printed, then January paid with its late fee, then printed again: the same number and
    issue date, but January is gone and the total is what is owed on the day of the reprint."""
    from app.cashdesk.services import post_payment
    from app.fees.models import Charge
    from app.latefees.services import late_fees_owed
    from tests.reports.pdfutil import page_texts, squash

    _n, (unit,) = make_units(["重印业主"])
    _pdf, (first,) = _print(estate_ids, [unit], clerk)
    paid_on = NOW + dt.timedelta(days=1)
    jan = db.session.query(Charge).filter_by(unit_id=unit.id, period="2031-01").all()
    fees = late_fees_owed([unit.id], paid_on.date()).by_charge
    post_payment(unit.id, str(sum(c.amount + fees.get(c.id, ZERO) for c in jan)), "cash", clerk, paid_on,
                 charge_ids=[c.id for c in jan])
    reprint_day = NOW + dt.timedelta(days=2)
    pdf, (again,) = _print(estate_ids, [unit], clerk, now=reprint_day)
    assert again.number == first.number
    row = arrears.unit_arrears(db.session.get(type(unit), unit.id), reprint_day.date())
    owed = row.total + row.late_fee
    assert row.total == D("232.40") and owed < first.total
    text = squash(page_texts(pdf)[0])
    assert squash(first.number) in text and squash(f"¥{owed:,.2f}") in text
    assert "2031-01" not in text and squash(f"¥{first.total:,.2f}") not in text
    assert squash("2031年6月1日") in text  # the original issue date
    assert squash("2031年6月3日") in text  # unpaid on the day of the reprint
