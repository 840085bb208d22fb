"""Issue 12 (billing): one canonical period however it is typed, a second billing refused by the
database itself, proration between payers, and a rerun that completes an interrupted billing.

Periods are computed from the office clock (next month, some years ahead, the first month no
one has billed yet), never a literal month, so the tests hold on any day the clock is pinned to
and meet no other test's charges."""
import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.cashdesk import services as cash
from app.cashdesk.models import PrepaidEntry, Receipt
from app.core import clock
from app.core.audit import acting_as
from app.estate.models import Unit
from app.extensions import db
from app.fees import billing, rules
from app.fees.models import Charge, FeeItem
from app.owners.models import Occupancy, Owner


def free_month(estate_id: int, years_ahead: int, days: int | None = None) -> str:
    """The first month from next month + ``years_ahead`` years that has no billing charge yet
    (and has ``days`` days, if given)."""
    first = (clock.today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    year, month = first.year + years_ahead, first.month
    for _ in range(240):
        period = f"{year:04d}-{month:02d}"
        start, end = rules.parse_period(period)
        taken = db.session.scalar(select(Charge.id).where(
            Charge.estate_id == estate_id, Charge.period == period, Charge.source == "billing").limit(1))
        if not taken and (days is None or (end - start).days + 1 == days):
            return period
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("no free month")


def prepay(unit: Unit, amount: str, when: dt.datetime) -> D:
    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username="clerk")
    cash.post_payment(unit.id, amount, "cash", user, when)
    return cash.prepaid_balance(unit.id)


def owned_units(estate, n: int, skip: int = 0) -> list[Unit]:
    return (db.session.query(Unit).filter(Unit.estate_id == estate.id, Unit.occupancies.any(),
                                          Unit.code != "3-2-501")
            .order_by(Unit.id.desc()).offset(skip).limit(n).all())


SPELLINGS = ("{p}", " {p}", "{p} ", "{fw}", "\u3000{fw}\r\n", "{y}/{m}", "{y}年{m}月", "{y}{mm}")


def spellings(period: str) -> list[str]:
    y, mm = period.split("-")
    fw = period.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    return [s.format(p=period, fw=fw, y=y, m=int(mm), mm=mm) for s in SPELLINGS]


def test_each_spelling_of_a_month_bills_it_once_and_uses_prepaid_once(app_ctx, demo_estate):
    period = free_month(demo_estate.id, 20)
    start, _ = rules.parse_period(period)
    unit = owned_units(demo_estate, 1)[0]
    # more than the unit owes by then with its late fees, whatever the day the suite runs on
    prepaid = prepay(unit, "90000.00", dt.datetime.combine(start - dt.timedelta(days=3), dt.time(9)))
    assert prepaid > 0
    receipts_before = db.session.scalar(select(func.count()).select_from(Receipt).where(Receipt.unit_id == unit.id))

    when = dt.datetime.combine(start, dt.time(8))
    results = [billing.generate(demo_estate.id, typed, when) for typed in spellings(period)]

    assert results[0].created > 1000 and all(r.period == period for r in results)
    assert [r.created for r in results[1:]] == [0] * (len(results) - 1)
    assert all(r.skipped == results[0].created for r in results[1:])
    stored = db.session.execute(select(Charge.period, func.count()).where(
        Charge.estate_id == demo_estate.id, Charge.period_start >= start, Charge.source == "billing",
        Charge.created_at == dt.datetime.combine(start, dt.time(8))).group_by(Charge.period)).all()
    assert stored == [(period, results[0].created)]  # no " 2027-02" or "２０２７-０２" row
    billed = sum(c.amount for c in db.session.query(Charge).filter_by(unit_id=unit.id, period=period))
    assert billed > 0 and cash.prepaid_balance(unit.id) == prepaid - billed  # consumed once
    from_prepaid = db.session.scalars(select(Receipt.from_prepaid).where(
        Receipt.unit_id == unit.id, Receipt.method == "prepaid")).all()
    assert db.session.scalar(select(func.count()).select_from(Receipt).where(Receipt.unit_id == unit.id)) \
        == receipts_before + 1 and from_prepaid[-1] == billed


@pytest.mark.parametrize("typed", ["2027-13", "２０２７-００", "1999-12", "27-02", "2027-02\x00", ""])
def test_a_bad_period_is_refused_in_words_and_bills_nothing(app_ctx, demo_estate, typed):
    from app.exceptions import DomainError

    before = db.session.scalar(select(func.count()).select_from(Charge))
    with pytest.raises(DomainError) as err:
        billing.generate(demo_estate.id, typed, clock.now())
    assert "2026-11" in str(err.value)
    assert db.session.scalar(select(func.count()).select_from(Charge)) == before


def _copy_sql(charge: Charge, **changes) -> tuple[str, dict]:
    """An INSERT of a copy of ``charge`` as raw SQL, bypassing every check of the application."""
    cols = [c.name for c in Charge.__table__.columns if c.name != "id"]
    # the stored values as they are (money as integer fen), read and written back as plain SQL
    row = dict(db.session.execute(text(f"SELECT {', '.join(cols)} FROM charge WHERE id = :id"),  # nosec B608
                                  {"id": charge.id}).mappings().one())
    row.update(changes)
    sql = f"INSERT INTO charge ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
    return sql, row


def test_the_database_refuses_a_second_billing_of_one_unit_item_period_and_payer(app_ctx, demo_estate):
    period = free_month(demo_estate.id, 20)  # billed by the test above, or now
    start, _ = rules.parse_period(period)
    billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(8)))
    charge = db.session.scalars(select(Charge).where(Charge.estate_id == demo_estate.id, Charge.period == period,
                                                     Charge.source == "billing").limit(1)).one()
    before = db.session.scalar(select(func.count()).select_from(Charge))
    # another billing key, voided or not: still the same unit, item, month and payer
    for changes in ({"billing_key": f"{charge.billing_key}:again"},
                    {"billing_key": None, "voided_at": dt.datetime(2020, 1, 1), "void_reason": "x"}):
        sql, row = _copy_sql(charge, **changes)
        with pytest.raises(IntegrityError):
            db.session.execute(text(sql), row)
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Charge)) == before


def test_a_non_billing_charge_of_the_same_month_is_not_a_duplicate(app_ctx, demo_estate):
    """A sale or a meter charge in the billed month is another thing: the index is for billing only."""
    period = free_month(demo_estate.id, 20)
    start, _ = rules.parse_period(period)
    billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(8)))
    charge = db.session.scalars(select(Charge).where(Charge.estate_id == demo_estate.id, Charge.period == period,
                                                     Charge.source == "billing").limit(1)).one()
    sql, row = _copy_sql(charge, source="manual", billing_key=None, voided_at=dt.datetime(2020, 1, 1),
                         void_reason="test: voided at once")
    db.session.execute(text(sql), row)
    db.session.rollback()  # accepted (not refused); nothing kept


def _vacant_unit(estate, area: str | None = None) -> Unit:
    """An unsold flat (no owner on record) of the multi-storey blocks (1.20 a m²)."""
    q = db.session.query(Unit).filter(Unit.estate_id == estate.id, Unit.property_type == "multi_storey",
                                      ~Unit.occupancies.any())
    if area:
        q = q.filter(Unit.chargeable_area == D(area))
    return q.order_by(Unit.id.desc()).first()


def test_a_month_handed_over_mid_month_is_split_between_the_two_payers(app_ctx, demo_estate):
    """The issue's example: 112.40 m² at 1.20 a month, out on the 15th, in on the 16th of a
    31-day month: 134.88 and 10.00 billed in full, split by day between the two owners."""
    period = free_month(demo_estate.id, 21, days=31)
    start, end = rules.parse_period(period)
    unit = _vacant_unit(demo_estate, "112.40")
    assert unit is not None, "the demo has unsold 112.40 m² flats"
    with acting_as(name="test"):
        old = Owner(estate_id=demo_estate.id, name="卖房业主", phone="13600000112")
        new = Owner(estate_id=demo_estate.id, name="买房业主", phone="13600000113")
        out = Occupancy(unit=unit, owner=old, estate_id=demo_estate.id, relation="owner",
                        move_in_date=start - dt.timedelta(days=40), move_out_date=start.replace(day=15))
        inn = Occupancy(unit=unit, owner=new, estate_id=demo_estate.id, relation="owner",
                        move_in_date=start.replace(day=16))
        db.session.add_all([old, new, out, inn])
        db.session.commit()

    billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(8)))

    items = {i.code: i.id for i in db.session.query(FeeItem).filter_by(estate_id=demo_estate.id)}
    charges = db.session.query(Charge).filter_by(unit_id=unit.id, period=period).order_by(Charge.fee_item_id,
                                                                                          Charge.period_start).all()
    got = {(c.fee_item_id, c.payer_occupancy_id): (c.amount, c.period_start.day, c.period_end.day) for c in charges}
    assert got == {
        (items["property"], out.id): (D("65.26"), 1, 15), (items["property"], inn.id): (D("69.62"), 16, 31),
        (items["garbage"], out.id): (D("4.84"), 1, 15), (items["garbage"], inn.id): (D("5.16"), 16, 31),
    }
    assert all(c.description.startswith(("卖房业主", "买房业主")) for c in charges)
    # billing again (any spelling) adds nothing, and the next month is the new owner's alone
    assert billing.generate(demo_estate.id, f" {period}", dt.datetime.combine(start, dt.time(8))).created == 0
    assert db.session.query(Charge).filter_by(unit_id=unit.id, period=period).count() == 4


def test_an_owner_moving_out_with_nobody_after_pays_their_own_days(app_ctx, demo_estate):
    period = free_month(demo_estate.id, 22, days=30)
    start, end = rules.parse_period(period)
    unit = _vacant_unit(demo_estate)
    with acting_as(name="test"):
        owner = Owner(estate_id=demo_estate.id, name="迁出业主", phone="13600000114")
        stay = Occupancy(unit=unit, owner=owner, estate_id=demo_estate.id, relation="owner",
                         move_in_date=start - dt.timedelta(days=40), move_out_date=start.replace(day=10))
        db.session.add_all([owner, stay])
        db.session.commit()
    billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(8)))
    amounts = sorted(c.amount for c in db.session.query(Charge).filter_by(unit_id=unit.id, period=period))
    # 10 of 30 days, from the unrounded month: 1.20 × area / 3, and 10.00 / 3 = 3.333 -> 3.33
    assert amounts == sorted([D("3.33"), (D("1.20") * unit.chargeable_area / 3).quantize(D("0.01"))])
    # the month after: nobody owns it, nothing billed
    nxt = rules.period_of(end + dt.timedelta(days=1))
    billing.generate(demo_estate.id, nxt, dt.datetime.combine(end + dt.timedelta(days=1), dt.time(8)))
    assert db.session.query(Charge).filter_by(unit_id=unit.id, period=nxt).count() == 0


def test_a_rerun_completes_a_billing_interrupted_while_applying_prepaid(app_ctx, demo_estate, monkeypatch):
    """A crash after the charges were committed but before every prepaid balance was applied
    (kill -9, power cut) left units with prepaid money and open charges; a rerun settles them."""
    period = free_month(demo_estate.id, 23)
    start, _ = rules.parse_period(period)
    units = owned_units(demo_estate, 4, skip=10)
    prepaid = {u.id: prepay(u, "60000.00", dt.datetime.combine(start - dt.timedelta(days=2), dt.time(9)))
               for u in units}
    assert min(prepaid.values()) > 2000  # more than a month of any unit, after its arrears
    real, calls = cash.post_payment, []

    def crash_after_first(*args, **kwargs):
        if calls:
            raise RuntimeError("simulated kill -9")
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cash, "post_payment", crash_after_first)
    with pytest.raises(RuntimeError):
        billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(8)))
    db.session.rollback()
    monkeypatch.undo()
    stuck = _prepaid_with_open_charges(demo_estate.id, period)
    assert stuck, "the crash left units with prepaid money and open charges"

    again = billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(9)))

    assert again.created == 0
    assert _prepaid_with_open_charges(demo_estate.id, period) == set()
    for u in units:  # every unit's prepaid money went once to its charges of the month
        billed = sum(c.amount for c in db.session.query(Charge).filter_by(unit_id=u.id, period=period))
        assert billed > 0 and cash.prepaid_balance(u.id) == prepaid[u.id] - billed
        assert not [c for c in cash.open_charges(u.id) if c.period == period]


def _prepaid_with_open_charges(estate_id: int, period: str) -> set[int]:
    with_prepaid = set(db.session.scalars(
        select(PrepaidEntry.unit_id).where(PrepaidEntry.estate_id == estate_id)
        .group_by(PrepaidEntry.unit_id).having(func.sum(PrepaidEntry.amount) > 0)))
    open_in_period = set(db.session.scalars(select(Charge.unit_id).where(
        Charge.estate_id == estate_id, Charge.period == period, Charge.voided_at.is_(None),
        Charge.paid < Charge.amount)))
    return with_prepaid & open_in_period


def test_billing_command_takes_a_full_width_period_and_bills_it_once(app, app_ctx, demo_estate):
    period = free_month(demo_estate.id, 24)
    runner = app.test_cli_runner()
    typed = spellings(period)
    first = runner.invoke(args=["billing", "generate", "--period", typed[4], "--estate", demo_estate.name])
    assert first.exit_code == 0, first.output
    assert f"{demo_estate.name} {period}:" in first.output and " 0 charges created" not in first.output
    again = runner.invoke(args=["billing", "generate", "--period", typed[6], "--estate", demo_estate.name])
    assert again.exit_code == 0 and f"{period}: 0 charges created" in again.output, again.output


def test_billing_form_takes_a_full_width_period_with_spaces_and_shows_it_as_stored(app, login, demo_estate):
    """The browser no longer blocks "２０２７-０２" with a pattern; the desk bills the month once."""
    import re

    def csrf_token(client, url):
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)

    period = free_month(demo_estate.id, 25)
    db.session.rollback()  # end this test's (BEGIN IMMEDIATE) transaction before the requests write
    client = login("supervisor")
    typed = spellings(period)
    for n, spelled in enumerate((typed[4], typed[1])):
        token = csrf_token(client, "/billing/")
        page = client.post("/billing/", data={"estate": demo_estate.id, "period": spelled, "csrf_token": token})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and f'value="{period}"' in html and "alert-success" in html, html[-2000:]
        assert 'pattern="' not in html  # a browser pattern would refuse full-width digits before the desk
    count = db.session.scalar(select(func.count()).select_from(Charge).where(
        Charge.estate_id == demo_estate.id, Charge.period == period, Charge.source == "billing"))
    db.session.rollback()
    assert count > 1000
    bad = client.post("/billing/", data={"estate": demo_estate.id, "period": "２０２７-１３",
                                         "csrf_token": csrf_token(client, "/billing/")})
    assert "alert-danger" in bad.get_data(as_text=True) and "年-月" in bad.get_data(as_text=True)


def test_a_run_that_bills_nothing_new_leaves_no_transaction_open(app_ctx, demo_estate):
    """Applying prepaid balances reads in a transaction (BEGIN IMMEDIATE on SQLite, the write
    lock): a rerun must not keep it open after returning, or the next writer waits/fails."""
    period = free_month(demo_estate.id, 20)
    start, _ = rules.parse_period(period)
    billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(8)))
    assert billing.generate(demo_estate.id, period, dt.datetime.combine(start, dt.time(8))).created == 0
    assert not db.session().in_transaction()
