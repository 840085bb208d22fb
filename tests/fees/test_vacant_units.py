"""Units with no owner on record (unsold, phase two): the estate bills them to the developer
(开发商) at its vacancy percentage, or to nobody; the owner who buys the unit never pays or is
reminded of the developer's days."""
import datetime as dt
import itertools
import uuid
from contextlib import contextmanager
from decimal import Decimal as D

import pytest

from app.core import clock
from app.core.audit import acting_as
from app.estate.models import Building, Entrance, Unit, Zone
from app.exceptions import DomainError
from app.extensions import db
from app.fees import billing
from app.fees.models import Charge, FeeItem
from app.owners.models import Occupancy, Owner

# a year of months no other test bills: each test takes its own month
Y = clock.today().year + 5
_months = itertools.count(1)
DEVELOPER = "南京山水湖畔置业有限公司"


def _month() -> tuple[str, dt.date, dt.date]:
    m = next(_months)
    start = dt.date(Y, m, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return f"{Y}-{m:02d}", start, end


@contextmanager
def payer(estate, who: str, percent: str = "70"):
    was = (estate.vacant_payer, estate.developer_name, estate.vacant_fee_percent)
    estate.vacant_payer, estate.developer_name, estate.vacant_fee_percent = who, DEVELOPER, D(percent)
    db.session.commit()
    try:
        yield
    finally:
        estate.vacant_payer, estate.developer_name, estate.vacant_fee_percent = was
        db.session.commit()


def _new_units(estate, count: int) -> list[Unit]:
    zone = db.session.query(Zone).filter_by(estate_id=estate.id).order_by(Zone.id).first()
    with acting_as(name="test-vacant"):
        b = Building(zone=zone, number=f"V{uuid.uuid4().hex[:5]}")
        e = Entrance(building=b, number="1")
        db.session.add_all([b, e])
        units = []
        for i in range(count):
            u = Unit(entrance=e, room_number=f"{101 + i}", floor=1, property_type="multi_storey",
                     chargeable_area=D("112.40"), status="vacant")
            u.derive()
            units.append(u)
        db.session.add_all(units)
        db.session.commit()
    return units


def _move_in(unit, name: str, day: dt.date | None, out: dt.date | None = None) -> Occupancy:
    with acting_as(name="test-vacant"):
        owner = Owner(estate_id=unit.estate_id, name=name, phone="13900001111")
        occ = Occupancy(unit=unit, owner=owner, relation="owner", move_in_date=day, move_out_date=out)
        db.session.add_all([owner, occ])
        db.session.commit()
    return occ


def _charges(unit, period, code="property"):
    item = db.session.query(FeeItem).filter_by(estate_id=unit.estate_id, code=code).one()
    return (db.session.query(Charge).filter_by(unit_id=unit.id, fee_item_id=item.id, period=period)
            .order_by(Charge.period_start).all())


def test_an_unsold_unit_is_billed_to_the_developer_at_the_vacancy_percentage(app_ctx, demo_estate):
    (unit,) = _new_units(demo_estate, 1)
    period, _start, _end = _month()
    with payer(demo_estate, "developer", "70"):
        billing.generate(demo_estate.id, period, clock.now())
    (charge,) = _charges(unit, period)
    assert charge.billed_to == "developer"
    # the rate of the schedule in force (1.20 for 多层 in the demo: 134.88 a month, 70% = 94.42)
    assert charge.amount == (charge.rate * D("112.40") * D("0.7")).quantize(D("0.01"))
    assert DEVELOPER in charge.description and "70%" in charge.description
    (garbage,) = _charges(unit, period, "garbage")
    assert garbage.amount == D("7.00") and garbage.billed_to == "developer"


def test_nobody_pays_for_an_unsold_unit_when_the_estate_says_so(app_ctx, demo_estate):
    (unit,) = _new_units(demo_estate, 1)
    period, _start, _end = _month()
    with payer(demo_estate, "nobody"):
        billing.generate(demo_estate.id, period, clock.now())
    assert _charges(unit, period) == []


def test_the_first_owner_moving_in_mid_month_splits_the_month_with_the_developer(app_ctx, demo_estate):
    (unit,) = _new_units(demo_estate, 1)
    period, start, end = _month()
    handover = start + dt.timedelta(days=15)  # the 16th
    occ = _move_in(unit, "首位业主", handover)
    with payer(demo_estate, "developer", "100"):
        billing.generate(demo_estate.id, period, clock.now())
    dev, own = _charges(unit, period)
    days = (end - start).days + 1
    assert (dev.billed_to, dev.period_start, dev.period_end) == ("developer", start, handover - dt.timedelta(days=1))
    assert (own.billed_to, own.payer_occupancy_id, own.period_start) == ("owner", occ.id, handover)
    exact = own.rate * D("112.40")
    assert dev.amount + own.amount == exact.quantize(D("0.01"))  # at 100% the parts make the whole month
    assert dev.amount == (exact * 15 / days).quantize(D("0.01"))


def test_the_discount_applies_to_the_developers_days_only(app_ctx, demo_estate):
    (unit,) = _new_units(demo_estate, 1)
    period, start, end = _month()
    _move_in(unit, "七成业主", start + dt.timedelta(days=10))
    with payer(demo_estate, "developer", "70"):
        billing.generate(demo_estate.id, period, clock.now())
    dev, own = _charges(unit, period)
    days = (end - start).days + 1
    exact = own.rate * D("112.40")
    assert dev.amount == (exact * 10 * D("0.7") / days).quantize(D("0.01"))
    assert own.amount == exact.quantize(D("0.01")) - (exact * 10 / days).quantize(D("0.01"))


def test_a_sold_unit_left_empty_is_not_the_developers_again(app_ctx, demo_estate):
    (unit,) = _new_units(demo_estate, 1)
    period, start, _end = _month()
    _move_in(unit, "已迁出", dt.date(2020, 1, 1), out=start + dt.timedelta(days=9))
    with payer(demo_estate, "developer", "70"):
        billing.generate(demo_estate.id, period, clock.now())
    charges = _charges(unit, period)
    assert [c.billed_to for c in charges] == ["owner"]  # the owner's 10 days, nothing after


def test_an_owner_with_no_move_in_date_owes_every_day(app_ctx, demo_estate):
    (unit,) = _new_units(demo_estate, 1)
    period, _start, _end = _month()
    _move_in(unit, "无入住日期", None)
    with payer(demo_estate, "developer", "70"):
        billing.generate(demo_estate.id, period, clock.now())
    (charge,) = _charges(unit, period)
    assert (charge.billed_to, charge.amount) == ("owner", (charge.rate * D("112.40")).quantize(D("0.01")))


@pytest.mark.parametrize("who, name, percent", [
    ("developer", "", "70"), ("developer", "  ", "70"), ("developer", DEVELOPER, "0"),
    ("developer", DEVELOPER, "100.5"), ("developer", DEVELOPER, "70.125"), ("developer", DEVELOPER, "七十"),
    ("somebody", DEVELOPER, "70"),
])
def test_the_estate_setting_refuses_what_cannot_be_billed(app_ctx, demo_estate, who, name, percent):
    from app.estate.services import check_estate

    estate = db.session.get(type(demo_estate), demo_estate.id)
    was = (estate.vacant_payer, estate.developer_name, estate.vacant_fee_percent)
    estate.vacant_payer, estate.developer_name, estate.vacant_fee_percent = who, name, percent
    try:
        with pytest.raises(DomainError) as err:
            check_estate(estate)
        assert err.value.field in ("vacant_payer", "developer_name", "vacant_fee_percent")
    finally:
        db.session.rollback()
        estate.vacant_payer, estate.developer_name, estate.vacant_fee_percent = was
