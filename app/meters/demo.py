"""Demo meters for 山水湖畔小区: a public electricity meter per building (stairwell lights, and
the lifts of the high-rise buildings) serving that building's units, with a year of monthly
readings and posted apportionments of the public-energy fee item; and household water meters
in building 1, read monthly for the last three months (and billed through the service).

Bulk inserts where the rows are many (shares and their charges): about 6,700 charges in well
under a second. Deterministic (fixed seed).
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from flask import current_app
from sqlalchemy import insert, select

from app.core import clock
from app.core.audit import AuditLog, acting_as
from app.core.money import quantize
from app.estate.models import Building, Unit
from app.extensions import db
from app.fees import rules as fee_rules
from app.fees.models import Charge, FeeItem
from app.fees.services import schedule_in_force
from app.meters import rules, services
from app.meters.models import Apportionment, ApportionmentShare, Meter, MeterReading, MeterUnit

SEED = 20261130
D = Decimal
ELECTRICITY_RATE = D("0.5283")  # when the schedule has no electricity rate
# kWh a month of a building's public meter, by property type of the building
MONTHLY_KWH = {"multi_storey": (120, 240), "high_rise": (1800, 2800), "villa": (60, 120)}
WATER_TONS = (4, 19)


def _periods(today: dt.date, months: int) -> list[str]:
    """The same months as the demo billing: from a year ago up to last month."""
    day = dt.date(today.year - 1, today.month, 1)
    out = []
    for _ in range(months):
        out.append(fee_rules.period_of(day))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _user_id(username: str) -> int | None:
    user = current_app.appbuilder.sm.find_user(username=username)
    return user.id if user else None


def _electricity_rate(estate_id: int, on: dt.date) -> Decimal:
    schedule = schedule_in_force(estate_id, on)
    item_id = db.session.scalar(select(FeeItem.id).where(FeeItem.estate_id == estate_id, FeeItem.code == "electricity"))
    if schedule is None or item_id is None:
        return ELECTRICITY_RATE
    rates = {(r.fee_item_id, r.property_type): r.rate for r in schedule.rates}
    return fee_rules.pick_rate(rates, item_id, "all") or ELECTRICITY_RATE


def seed_meters(estate, today: dt.date, months: int = 12) -> None:
    """Create the demo meters, readings and posted apportionments (once: nothing if the estate
    has meters already, or lacks the demo fee items)."""
    if db.session.scalar(select(Meter.id).where(Meter.estate_id == estate.id).limit(1)):
        return
    items = {i.code: i for i in db.session.scalars(
        select(FeeItem).where(FeeItem.estate_id == estate.id, FeeItem.code.in_(("public_energy", "water"))))}
    if "public_energy" not in items:
        return
    rng = random.Random(SEED)
    periods = _periods(today, months)
    with acting_as(name="demo-seed"):
        _public_meters(estate, today, periods, items["public_energy"], rng)
        if "water" in items:
            _water_meters(estate, today, periods[-3:], items["water"], rng)


def _public_meters(estate, today, periods, item: FeeItem, rng: random.Random) -> None:
    engineer_id, supervisor_id = _user_id("engineer"), _user_id("supervisor")
    buildings = list(db.session.scalars(
        select(Building).where(Building.estate_id == estate.id).order_by(Building.id)))
    units = db.session.execute(
        select(Unit.id, Unit.building_id, Unit.chargeable_area, Unit.property_type)
        .where(Unit.estate_id == estate.id).order_by(Unit.id)).all()
    by_building: dict[int, list] = {}
    for row in units:
        by_building.setdefault(row.building_id, []).append(row)
    meters = []
    for b in buildings:
        kind = "high_rise" if any(u.property_type in ("high_rise", "shop") for u in by_building.get(b.id, ())) else (
            by_building[b.id][0].property_type if by_building.get(b.id) else "multi_storey")
        what = "楼道照明、电梯" if kind == "high_rise" else ("路灯、庭院照明" if kind == "villa" else "楼道照明")
        m = Meter(estate_id=estate.id, code=f"GD-{b.number}", kind="electricity", scope="public",
                  fee_item_id=item.id, description=f"{b.number}栋公共用电（{what}）", active=True)
        m._demo_kind = kind
        m._demo_building = b.id
        meters.append(m)
    db.session.add_all(meters)
    db.session.flush()
    db.session.execute(insert(MeterUnit), [
        dict(meter_id=m.id, unit_id=u.id) for m in meters for u in by_building.get(m._demo_building, ())])

    # readings: a starting point the month before, then one a month
    first_start, _ = fee_rules.parse_period(periods[0])
    readings, totals = [], {}
    for m in meters:
        value = D(rng.randrange(5000, 90000))
        base_day = first_start - dt.timedelta(days=1)
        readings.append(dict(estate_id=estate.id, meter_id=m.id, period=fee_rules.period_of(base_day),
                             read_on=base_day, value=value, previous_value=None, consumption=D("0.00"),
                             meter_changed=False, read_by_id=engineer_id))
        lo, hi = MONTHLY_KWH[m._demo_kind]
        for period in periods:
            _, end = fee_rules.parse_period(period)
            used = D(rng.randrange(lo * 10, hi * 10)) / 10
            readings.append(dict(estate_id=estate.id, meter_id=m.id, period=period, read_on=end,
                                 value=value + used, previous_value=value, consumption=used,
                                 meter_changed=False, read_by_id=engineer_id))
            value += used
            totals[(m.id, period)] = used
    db.session.execute(insert(MeterReading), readings)

    # apportionments, posted a few days after the month's reading
    rate_cache: dict[str, Decimal] = {}
    appts = []
    for m in meters:
        method = "household" if m._demo_kind == "villa" else "area"
        for period in periods:
            start, end = fee_rules.parse_period(period)
            if period not in rate_cache:
                rate_cache[period] = _electricity_rate(estate.id, start)
            posted = min(dt.datetime.combine(end + dt.timedelta(days=5), dt.time(10, 0)),
                         dt.datetime.combine(today, dt.time(8, 30)))
            used = totals[(m.id, period)]
            appts.append(dict(
                estate_id=estate.id, meter_id=m.id, period=period, total=quantize(used * rate_cache[period]),
                method=method, status="posted", posted_at=posted, posted_by_id=supervisor_id,
                notes=f"{used} kWh × {rate_cache[period]} 元/度"))
    db.session.execute(insert(Apportionment), appts)
    ids = {(mid, p): i for i, mid, p in db.session.execute(
        select(Apportionment.id, Apportionment.meter_id, Apportionment.period)
        .where(Apportionment.estate_id == estate.id))}

    charges, shares = [], []
    for a in appts:
        m = next(x for x in meters if x.id == a["meter_id"])
        served = by_building.get(m._demo_building, ())
        if not served:
            continue
        bases = [(u.id, rules.basis_of(a["method"], u.chargeable_area)) for u in served]
        basis = dict(bases)
        appt_id = ids[(m.id, a["period"])]
        start, end = fee_rules.parse_period(a["period"])
        for unit_id, amount in rules.apportion(a["total"], bases):
            key = f"appt:{appt_id}:{unit_id}"
            shares.append(dict(apportionment_id=appt_id, unit_id=unit_id, basis=basis[unit_id], amount=amount,
                               key=key))
            if amount > 0:
                charges.append(dict(
                    estate_id=estate.id, unit_id=unit_id, fee_item_id=item.id, period=a["period"],
                    period_start=start, period_end=end, due_date=start + dt.timedelta(days=item.due_days),
                    quantity=basis[unit_id], rate=None, amount=amount, paid=D("0.00"), source="apportionment",
                    description=f"{item.name}（{m.code}）", billing_key=key, created_at=a["posted_at"]))
    db.session.execute(insert(Charge), charges)
    charge_ids = dict(db.session.execute(
        select(Charge.billing_key, Charge.id).where(Charge.estate_id == estate.id, Charge.source == "apportionment")).all())
    for s in shares:
        s["charge_id"] = charge_ids.get(s.pop("key"))
    db.session.execute(insert(ApportionmentShare), shares)
    # one audit row for the whole seed, as monthly billing does for a run
    db.session.execute(insert(AuditLog), [dict(
        at=clock.utcnow(), user_id=None, username="demo-seed", estate_id=estate.id,
        table_name="apportionment", record_id="demo", action="insert", field="demo_seed",
        old_value=None, new_value=f"{len(appts)} apportionments posted, {len(charges)} charges")])
    db.session.commit()


def _water_meters(estate, today, periods, item: FeeItem, rng: random.Random) -> None:
    """Household water meters of building 1, read through the service (so billed by it)."""
    units = db.session.execute(
        select(Unit.id, Unit.code).join(Building, Unit.building_id == Building.id)
        .where(Unit.estate_id == estate.id, Building.number == "1").order_by(Unit.id)).all()
    if not units:
        return
    engineer = current_app.appbuilder.sm.find_user(username="engineer")
    meters = [Meter(estate_id=estate.id, code=f"W-{code}", kind="water", scope="household", unit_id=unit_id,
                    fee_item_id=item.id, description="户用水表", active=True) for unit_id, code in units]
    db.session.add_all(meters)
    db.session.commit()
    meter_ids = [m.id for m in meters]
    first_start, _ = fee_rules.parse_period(periods[0])
    base_day = first_start - dt.timedelta(days=1)
    for meter_id in meter_ids:
        value = D(rng.randrange(100, 2500))
        services.record_reading(meter_id, fee_rules.period_of(base_day), value, base_day, engineer,
                                notes="起始读数")
        for period in periods:
            _, end = fee_rules.parse_period(period)
            read_on = min(end + dt.timedelta(days=1), today)
            value += D(rng.randrange(WATER_TONS[0] * 10, WATER_TONS[1] * 10)) / 10
            services.record_reading(meter_id, period, value, read_on, engineer,
                                    now=dt.datetime.combine(read_on, dt.time(9, 0)))
