"""The demo seed: public meters per building with a year of posted apportionments, household
water meters of building 1 read and billed for three months. Run on a small estate of its own."""
import datetime as dt
import time
import uuid
from decimal import Decimal as D

from sqlalchemy import func, select

from app.core.audit import acting_as
from app.core.money import quantize
from app.estate.models import Building, Entrance, Estate, Unit, Zone
from app.extensions import db
from app.fees.models import Charge, FeeItem, FeeRate, FeeSchedule
from app.meters.demo import seed_meters
from app.meters.models import Apportionment, ApportionmentShare, Meter, MeterReading

TODAY = dt.date(2031, 7, 15)


def _small_estate():
    with acting_as(name="test"):
        estate = Estate(name=f"抄表测试小区-{uuid.uuid4().hex[:6]}")
        db.session.add(estate)
        db.session.flush()
        zone = Zone(estate=estate, estate_id=estate.id, name="一期")
        for number, rooms in (("1", ("101", "102", "201", "202")), ("2", ("101", "102", "201"))):
            b = Building(zone=zone, number=number, estate_id=estate.id)
            e = Entrance(building=b, number="1", estate_id=estate.id)
            for i, room in enumerate(rooms):
                u = Unit(entrance=e, room_number=room, property_type="multi_storey", status="occupied",
                         chargeable_area=D("80.00") + i * D("10.55"), estate_id=estate.id)
                u.derive()
                db.session.add(u)
        items = {code: FeeItem(estate_id=estate.id, code=code, name=name, kind=kind, basis=basis, unit_label="元",
                               due_days=due)
                 for code, name, kind, basis, due in (
                     ("public_energy", "公共能源分摊", "public_energy", "apportioned", 30),
                     ("water", "水费", "water", "per_use", 20),
                     ("electricity", "电费", "electricity", "per_use", 20))}
        db.session.add_all(items.values())
        schedule = FeeSchedule(estate_id=estate.id, version=1, title="收费标准", status="published",
                               effective_from=dt.date(2020, 1, 1))
        db.session.add(schedule)
        for code, rate in (("water", "3.10"), ("electricity", "0.5283")):
            db.session.add(FeeRate(schedule=schedule, estate_id=estate.id, fee_item=items[code], rate=D(rate)))
        db.session.commit()
    return estate


def test_seed_meters(app_ctx):
    estate = _small_estate()
    started = time.perf_counter()
    seed_meters(estate, TODAY)
    assert time.perf_counter() - started < 5

    public = db.session.scalars(select(Meter).where(Meter.estate_id == estate.id, Meter.scope == "public")).all()
    assert sorted(m.code for m in public) == ["GD-1", "GD-2"]
    assert sorted(len(m.units) for m in public) == [3, 4]
    appts = db.session.scalars(select(Apportionment).where(Apportionment.estate_id == estate.id)).all()
    assert len(appts) == 24 and {a.status for a in appts} == {"posted"}
    assert {a.period for a in appts} == {f"2030-{m:02d}" for m in range(7, 13)} | {f"2031-{m:02d}" for m in range(1, 7)}
    for a in appts:
        assert sum((s.amount for s in a.shares), D("0")) == a.total
        for s in a.shares:
            if s.amount > 0:
                assert s.charge.amount == s.amount and s.charge.unit_id == s.unit_id
                assert s.charge.billing_key == f"appt:{a.id}:{s.unit_id}"
            else:
                assert s.charge_id is None
    # each public total is the month's consumption at the electricity rate
    for m in public:
        for r in db.session.scalars(select(MeterReading).where(MeterReading.meter_id == m.id)):
            a = next((a for a in appts if a.meter_id == m.id and a.period == r.period), None)
            if a is not None:
                assert a.total == quantize(r.consumption * D("0.5283"))

    water = db.session.scalars(select(Meter).where(Meter.estate_id == estate.id, Meter.scope == "household")).all()
    assert len(water) == 4 and {m.unit.building.number for m in water} == {"1"}
    for m in water:
        readings = db.session.scalars(select(MeterReading).where(MeterReading.meter_id == m.id)
                                      .order_by(MeterReading.period)).all()
        assert [r.period for r in readings] == ["2031-03", "2031-04", "2031-05", "2031-06"]
        assert readings[0].charge_id is None
        for r in readings[1:]:
            assert r.consumption == r.value - r.previous_value
            assert r.charge.amount == quantize(r.consumption * D("3.10"))

    count = db.session.scalar(select(func.count(Charge.id)).join(Unit, Charge.unit_id == Unit.id)
                              .where(Unit.estate_id == estate.id))
    seed_meters(estate, TODAY)  # a second time: nothing new
    assert db.session.scalar(select(func.count(Charge.id)).join(Unit, Charge.unit_id == Unit.id)
                             .where(Unit.estate_id == estate.id)) == count
    assert db.session.scalar(select(func.count(ApportionmentShare.id)).join(Apportionment)
                             .where(Apportionment.estate_id == estate.id)) == 12 * (4 + 3)


def test_seed_without_the_fee_items_does_nothing(other_estate):
    seed_meters(other_estate, TODAY)
    assert not db.session.scalar(select(Meter.id).where(Meter.estate_id == other_estate.id))
