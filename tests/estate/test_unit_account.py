"""The unit page says what the unit owes: the cash desk's and the arrears list's own figures,
for the roles that may read charges only, at a fixed number of SQL statements."""
from __future__ import annotations

import difflib

import datetime as dt
import html as htmllib
import re
from decimal import Decimal as D

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import event

from app.core.audit import acting_as
from app.extensions import db
from tests.visits.helpers import make_unit, released


def _figure(page: str, name: str) -> str | None:
    """The text of the element marked data-figure="name" on the unit page (tags stripped)."""
    m = re.search(rf'data-figure="{name}"[^>]*>(.*?)</(?:strong|span)>', page, re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", m.group(1))).split()) if m else None


def _money(text: str) -> D:
    return D(text.replace("¥", "").replace(",", "").strip())


def _unit_id(client, code: str) -> int:
    resp = client.get(f"/search/?q={code}")
    assert resp.status_code == 302, f"{code} should open its unit page"
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def _arrears_row(page: str, code: str) -> list[str]:
    m = re.search(rf'<tr data-unit="{re.escape(code)}">(.*?)</tr>', page, re.S)
    assert m, f"{code} is not on the arrears list"
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.S)]


def _make_owing(estate, name: str, months: int, pay: str | None = None, phone_call: bool = False):
    """A unit of our own owing 物业服务费 (which carries a late fee) for ``months`` months of
    2025, optionally part-paid and with a phone reminder logged."""
    from app.cashdesk.services import post_payment
    from app.collection.services import log_action
    from app.fees.models import Charge, FeeItem

    unit, _owner = make_unit(estate, name, move_in=dt.date(2024, 12, 1))
    item = db.session.query(FeeItem).filter_by(estate_id=estate.id, code="property").one()
    with acting_as(name="test-unit-account"):
        for month in range(1, months + 1):
            start = dt.date(2025, month, 1)
            db.session.add(Charge(unit=unit, fee_item=item, period=f"2025-{month:02d}", period_start=start,
                                  period_end=start.replace(day=28), due_date=start + dt.timedelta(days=30),
                                  amount=D("150.00"), paid=D("0"), source="manual",
                                  created_at=dt.datetime(2025, month, 1, 8, 0)))
        db.session.commit()
    from flask import current_app

    clerk = current_app.appbuilder.sm.find_user(username="clerk")
    if pay:
        post_payment(unit.id, pay, "cash", clerk, dt.datetime(2025, 6, 10, 9, 0))
    if phone_call:
        log_action(unit.id, "phone", clerk, dt.datetime(2025, 7, 1, 10, 0), result="说下月交", reached=True)
    return released(unit)


# --- the figures are the cash desk's and the arrears list's -----------------------------
def test_unit_in_arrears_shows_the_cash_desk_and_arrears_list_figures(login):
    client = login("clerk")
    arrears = client.get("/arrears/?sort=amount").get_data(as_text=True)
    code = "12-1-208"  # the demo's debtor since a year before today, with a late fee
    row = _arrears_row(arrears, code)
    unit_id = _unit_id(client, code)
    page = client.get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True)

    # 欠费合计 = what the cash desk says the unit owes
    desk = client.get(f"/cashdesk/unit/{unit_id}").get_data(as_text=True)
    owes = re.search(r'class="cashdesk-total">¥([\d,.]+)<', desk).group(1)
    assert _money(_figure(page, "unpaid")) == _money(owes) > 0

    # 逾期, its earliest period and days = the arrears list's row (columns: tick, room, owner,
    # overdue, oldest period, days, ...)
    overdue, oldest, days = row[3], row[4], row[5]
    assert _money(_figure(page, "overdue")) == _money(overdue) > 0
    since = _figure(page, "since")
    assert oldest in since and re.search(rf"\b{days}\b", since), (since, oldest, days)

    # late fee and stage = the case file's (the arrears list links there)
    case = client.get(f"/collection/unit/{unit_id}").get_data(as_text=True)
    assert _money(_figure(page, "overdue")) == _money(re.search(r'class="case-total">¥([\d,.]+)<', case).group(1))
    case_fee = re.search(r"(?:滞纳金|Late fees): ¥([\d,.]+)", case).group(1)
    assert _money(_figure(page, "late-fee")) == _money(case_fee) > 0
    stage_label = re.search(r'(?:催缴阶段|Stage): <strong>([^<]+)</strong>', case).group(1)
    assert _figure(page, "stage") == stage_label
    assert f'href="/collection/unit/{unit_id}"' in page, "a link to the case file"


def test_figures_agree_with_the_services_for_a_unit_part_paid(app, login, demo_estate):
    """A unit of our own: 12 months of 150.00 owed, 400.00 paid (the two oldest settled, the
    third part-paid after the late fees it booked), a phone reminder logged: overdue since 2025-03."""
    from app.cashdesk.services import arrears_total
    from app.collection.arrears import unit_arrears
    from app.core import clock
    from app.estate.models import Unit

    unit = _make_owing(demo_estate, "账户摘要业主", 12, pay="400.00", phone_call=True)
    with app.app_context():
        expected = unit_arrears(db.session.get(Unit, unit.id), clock.today())
        unpaid = arrears_total(unit.id)
        from app.fees.models import Charge

        # the payment booked the late fees owed on 2025-06-10 as 滞纳金 charges, settled after their months
        booked = sum(c.amount for c in db.session.query(Charge).filter_by(unit_id=unit.id, source="late_fee"))
        db.session.commit()
    assert booked > 0 and unpaid == D("1400.00") + booked and expected.oldest_period == "2025-03"
    page = login("clerk").get(f"/unitmodelview/show/{unit.id}").get_data(as_text=True)
    assert _money(_figure(page, "unpaid")) == unpaid
    assert _money(_figure(page, "overdue")) == expected.total == unpaid  # all of 2025 is due by now
    assert "2025-03" in _figure(page, "since") and str(expected.days) in _figure(page, "since")
    assert _money(_figure(page, "late-fee")) == expected.late_fee > 0
    with app.test_request_context(), force_locale("zh_CN"):
        assert _figure(page, "stage") == gettext("Phone reminder")
    assert _figure(page, "nothing-owed") is None


def test_unit_owing_nothing_shows_nothing_owed_and_its_prepaid(app, login, demo_estate):
    from app.cashdesk.services import post_payment

    unit, _owner = make_unit(demo_estate, "无欠费业主")
    post_payment(unit.id, "88.00", "cash", app.appbuilder.sm.find_user(username="clerk"),
                 dt.datetime(2025, 3, 1, 9, 0))  # nothing to settle: all kept as prepaid
    unit = released(unit)
    client = login("clerk")
    page = client.get(f"/unitmodelview/show/{unit.id}").get_data(as_text=True)
    with app.test_request_context(), force_locale("zh_CN"):
        nothing_owed = gettext("Nothing owed")  # 无欠费
    assert _figure(page, "nothing-owed") == nothing_owed
    assert "unit-account-clear" in page  # shown in green
    assert _figure(page, "unpaid") is None and _figure(page, "overdue") is None
    assert _figure(page, "stage") is None and "/collection/unit/" not in page  # no case without arrears
    desk = client.get(f"/cashdesk/unit/{unit.id}").get_data(as_text=True)
    assert "88.00" in desk
    assert _money(_figure(page, "prepaid")) == D("88.00")


def test_unit_owing_what_is_not_yet_due(app, login, demo_estate):
    """Charges billed but not due yet: owed, none of it overdue, no late fee, no case."""
    from app.core import clock
    from app.fees.models import Charge, FeeItem

    unit, _owner = make_unit(demo_estate, "未到期业主")
    today = clock.today()
    item = db.session.query(FeeItem).filter_by(estate_id=demo_estate.id, code="garbage").one()
    with acting_as(name="test-unit-account"):
        db.session.add(Charge(unit=unit, fee_item=item, period="2099-01", period_start=dt.date(2099, 1, 1),
                              period_end=dt.date(2099, 1, 31), due_date=today + dt.timedelta(days=20),
                              amount=D("10.00"), paid=D("0"), source="manual", created_at=dt.datetime(2025, 1, 1)))
        db.session.commit()
    unit = released(unit)
    page = login("clerk").get(f"/unitmodelview/show/{unit.id}").get_data(as_text=True)
    assert _money(_figure(page, "unpaid")) == D("10.00")
    assert _figure(page, "not-due") and _figure(page, "overdue") is None and _figure(page, "late-fee") is None
    assert _figure(page, "nothing-owed") is None and "/collection/unit/" not in page


# --- who sees money ---------------------------------------------------------------------
@pytest.mark.parametrize("user, sees_money", [
    ("clerk", True), ("manager", True), ("supervisor", True), ("accountant", True), ("admin", True),
    ("engineer", False), ("security", False),
])
def test_only_roles_reading_charges_see_the_account(login, user, sees_money):
    client = login(user)
    page = client.get(f"/unitmodelview/show/{_unit_id(client, '12-1-208')}").get_data(as_text=True)
    assert ("unit-account" in page) is sees_money
    if not sees_money:
        assert "¥" not in page and "data-figure" not in page, "an engineer or guard sees no amounts"
        assert "/collection/unit/" not in page


# --- a fixed number of statements -------------------------------------------------------
def test_unit_page_costs_the_same_statements_whatever_the_unit_owes(app, client, demo_estate):
    from tests.conftest import do_login

    small = _make_owing(demo_estate, "少欠业主", 1)
    big = _make_owing(demo_estate, "多欠业主", 12, pay="230.00", phone_call=True)
    do_login(client, "clerk")
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    counts = {}
    for unit in (small, big):
        client.get(f"/unitmodelview/show/{unit.id}")  # warm: the user's permissions are cached
        event.listen(engine, "before_cursor_execute", count)
        try:
            seen.clear()
            page = client.get(f"/unitmodelview/show/{unit.id}").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert _figure(page, "overdue") and _figure(page, "late-fee"), "the page shows the account"
        counts[unit.id] = list(seen)
    a, b = counts[small.id], counts[big.id]
    assert len(a) == len(b), "\n".join(difflib.unified_diff([" ".join(s.split())[:110] for s in a],
                                                           [" ".join(s.split())[:110] for s in b], lineterm=""))
