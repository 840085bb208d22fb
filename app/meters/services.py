"""Meters, readings (抄表) and apportionments (公摊): the checks of every save path, the
charges they create, and posting.

``check_*`` functions are the register hooks (StaffModelView/StaffRestApi ``service_check``):
they validate, derive and add what belongs to the record in the caller's transaction, and do
not commit. The other functions own their transaction, take an explicit actor and time, and
record who acted in the audit log.

Reading edits: a reading can be corrected while it is the meter's latest reading and its
charge is unpaid (nothing paid, not voided); the correction re-computes the consumption and
the same charge (the audit log keeps the old amount). A paid charge freezes its reading: the
receipt has to be voided first. Readings are entered in period order, so no reading is ever
inserted before a later one.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core.audit import acting_as, current_actor
from app.core.money import parse_money, quantize
from app.estate.models import Building, Unit
from app.exceptions import DomainError, NotFound, PermissionDenied
from app.extensions import committed, db
from app.fees import rules as fee_rules
from app.fees.models import Charge, FeeItem
from app.fees.services import schedule_in_force
from app.meters import rules
from app.meters.models import Apportionment, ApportionmentShare, Meter, MeterReading, MeterUnit
from app.security import permissions as P

ZERO = Decimal("0.00")


def _text(value, field, message, max_len):
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > max_len:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=max_len), field=field)
    return value


def _stored(model, item, *columns):
    """The values of ``columns`` as saved in the database (before this change), or None."""
    if item.id is None:
        return None
    with db.session.no_autoflush:
        return db.session.execute(select(*[getattr(model, c) for c in columns]).where(model.id == item.id)).first()


# --- meters ---------------------------------------------------------------------------------
def check_meter(meter: Meter) -> None:
    meter.code = _text(meter.code, "code", _l("Enter the meter number, e.g. W-1-1-101."), 40)
    if meter.kind not in rules.METER_KINDS:
        raise DomainError(_l("Pick one of the listed values."), field="kind")
    if meter.scope not in rules.METER_SCOPES:
        raise DomainError(_l("Pick one of the listed values."), field="scope")
    # the relation first: a form or API sets it, and estate_id follows only at the flush
    estate_id = meter.estate.id if meter.estate is not None else meter.estate_id
    if estate_id is None:
        raise DomainError(_l("Choose the estate."), field="estate")
    was_estate = _stored(Meter, meter, "estate_id")
    if was_estate is not None and was_estate.estate_id != estate_id:
        raise DomainError(_l("A meter cannot move to another estate."), field="estate")
    item = meter.fee_item or (db.session.get(FeeItem, meter.fee_item_id) if meter.fee_item_id else None)
    if item is None:
        raise DomainError(_l("Choose the fee item this meter is billed under."), field="fee_item")
    if item.estate_id != estate_id:
        raise DomainError(_l("The fee item belongs to another estate."), field="fee_item")
    if item.basis != rules.BASIS_OF_SCOPE[meter.scope]:
        raise DomainError(
            _l("A household meter is billed under a fee item charged per unit of use; "
               "a public meter under an apportioned fee item."),
            field="fee_item",
        )
    building = getattr(meter, "serve_building", None)  # the form's "all units of building"
    if meter.scope == "household":
        if item.kind != meter.kind:
            raise DomainError(_l("The fee item is for another kind of meter."), field="fee_item")
        unit = meter.unit or (db.session.get(Unit, meter.unit_id) if meter.unit_id else None)
        if unit is None:
            raise DomainError(_l("Choose the unit of this household meter."), field="unit")
        if unit.estate_id != estate_id:
            raise DomainError(_l("The unit belongs to another estate."), field="unit")
        if meter.units or building is not None:
            raise DomainError(_l("A household meter serves only its own unit."), field="units")
    else:
        if meter.unit is not None or meter.unit_id is not None:
            raise DomainError(_l("A public meter belongs to no single unit: leave the unit empty."), field="unit")
        if building is not None:
            if building.estate_id != estate_id:
                raise DomainError(_l("The building belongs to another estate."), field="serve_building")
            have = {u.id for u in meter.units}
            meter.units.extend(u for u in building_units(building.id) if u.id not in have)
        if any(u.estate_id != estate_id for u in meter.units):
            raise DomainError(_l("A unit served belongs to another estate."), field="units")
    dup = db.session.scalar(select(Meter.id).where(
        Meter.estate_id == estate_id, Meter.code == meter.code, Meter.id != (meter.id or 0)))
    if dup:
        raise DomainError(_l("This estate already has a meter with this number."), field="code")
    was = _stored(Meter, meter, "scope", "fee_item_id", "unit_id")
    if was is not None and tuple(was) != (meter.scope, item.id, meter.unit.id if meter.unit else meter.unit_id):
        used = db.session.scalar(select(MeterReading.id).where(MeterReading.meter_id == meter.id).limit(1))
        if used:
            raise DomainError(
                _l("This meter has readings: its type, fee item and unit can no longer change. "
                   "Register the new meter instead."),
                field="scope",
            )


def building_units(building_id: int) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.building_id == building_id).order_by(Unit.id)))


def buildings_of(estate_ids: list[int]):
    return select(Building).where(Building.estate_id.in_(estate_ids)).order_by(Building.id)


# --- readings -------------------------------------------------------------------------------
def _previous(meter_id: int, period: str, exclude_id: int | None) -> MeterReading | None:
    return db.session.scalar(
        select(MeterReading)
        .where(MeterReading.meter_id == meter_id, MeterReading.period < period,
               MeterReading.id != (exclude_id or 0))
        .order_by(MeterReading.period.desc())
        .limit(1)
    )


def rate_for(meter: Meter, unit: Unit, on: dt.date) -> Decimal:
    """The rate of the meter's fee item for the unit's property type, in the schedule in force."""
    schedule = schedule_in_force(meter.estate_id, on)
    if schedule is None:
        raise DomainError(_l("No published fee schedule is in force on %(day)s.", day=on.isoformat()), field="period")
    rates = {(r.fee_item_id, r.property_type): r.rate for r in schedule.rates if r.fee_item_id == meter.fee_item_id}
    rate = fee_rules.pick_rate(rates, meter.fee_item_id, unit.property_type)
    if rate is None:
        raise DomainError(
            _l("The fee schedule in force has no rate for %(item)s.", item=meter.fee_item.name), field="meter"
        )
    return rate


def check_reading(reading: MeterReading, now: dt.datetime) -> None:
    """Validate a reading, compute its previous value and consumption, and for a household
    meter create (or, on a correction, re-compute) its charge. Does not commit."""
    with db.session.no_autoflush:
        _check_reading(reading, now)


def _check_reading(reading: MeterReading, now: dt.datetime) -> None:
    meter = reading.meter or (db.session.get(Meter, reading.meter_id) if reading.meter_id else None)
    if meter is None:
        raise DomainError(_l("Choose the meter."), field="meter")
    reading.meter = meter
    reading.period = fee_rules.canonical_period(reading.period)  # "２０２７-０２ " is 2027-02, stored once
    start, end = fee_rules.parse_period(reading.period)
    reading.value = rules.parse_reading(reading.value)
    reading.meter_changed = bool(reading.meter_changed)
    if reading.read_on is None:
        raise DomainError(_l("Enter the date of the reading."), field="read_on")
    if reading.read_on > now.date():
        raise DomainError(_l("The date of the reading cannot be in the future."), field="read_on")
    if reading.notes is not None:
        reading.notes = reading.notes.strip()[:200] or None

    was = _stored(MeterReading, reading, "meter_id", "period", "charge_id")
    if was is None:
        if not meter.active:
            raise DomainError(_l("This meter is no longer in use."), field="meter")
        if db.session.scalar(select(MeterReading.id).where(
                MeterReading.meter_id == meter.id, MeterReading.period == reading.period)):
            raise DomainError(
                _l("This meter already has a reading for %(period)s. Correct that reading instead.",
                   period=reading.period),
                field="period",
            )
    else:
        if (was.meter_id, was.period) != (meter.id, reading.period):
            raise DomainError(_l("The meter and period of a reading cannot change."), field="period")
        charge = db.session.get(Charge, was.charge_id) if was.charge_id else None
        if charge is not None and (charge.voided_at is not None or charge.paid != 0):
            raise DomainError(
                _l("The charge of this reading has been paid or voided: the reading can no longer change."),
                field="value",
            )
    later = _later_reading(meter.id, reading.period)
    if later:
        raise DomainError(_later_message(later), field="period")
    previous = _previous(meter.id, reading.period, reading.id)
    reading.previous_value = previous.value if previous is not None else None
    reading.consumption = rules.consumption(reading.previous_value, reading.value, reading.meter_changed)
    if reading.read_by_id is None and was is None:
        reading.read_by_id = current_actor()[0]
    if meter.scope == "household":
        _bill_reading(reading, meter, start, end, now)


def _meter_payer(unit: Unit, meter: Meter, start: dt.date, end: dt.date) -> str:
    """A unit unsold all the period: its meter's use is the developer's when the estate bills
    unsold units to the developer (like the monthly billing); else the unit's, as always."""
    from app.fees.billing import developer_parts

    if meter.estate.vacant_payer != "developer":
        return "owner"
    part = developer_parts(unit.estate_id, [unit.id], start, end).get(unit.id)
    return "developer" if part is not None and part.days == (end - start).days + 1 else "owner"


def _bill_reading(reading: MeterReading, meter: Meter, start: dt.date, end: dt.date, now: dt.datetime) -> None:
    unit = meter.unit
    rate = rate_for(meter, unit, start)
    amount = quantize(reading.consumption * rate)
    key = f"meter:{meter.id}:{reading.period}"
    charge = reading.charge
    if charge is None:
        charge = db.session.scalar(select(Charge).where(Charge.billing_key == key))
        if charge is not None and (charge.voided_at is not None or charge.paid != 0):
            raise DomainError(
                _l("This period of the meter has already been billed and paid."), field="period"
            )
    if charge is None and amount <= 0:
        return  # nothing used, nothing to bill
    if charge is None:
        charge = Charge(
            estate_id=meter.estate_id, unit=unit, unit_id=unit.id, fee_item_id=meter.fee_item_id,
            period=reading.period, period_start=start, period_end=end,
            due_date=start + dt.timedelta(days=meter.fee_item.due_days), paid=ZERO,
            source="meter", billing_key=key, created_at=now,
            billed_to=_meter_payer(unit, meter, start, end),
        )
        db.session.add(charge)
    charge.quantity = reading.consumption
    charge.rate = rate
    charge.amount = amount
    prev = f"{reading.previous_value:.2f}" if reading.previous_value is not None else "-"
    charge.description = f"{meter.fee_item.name} {meter.code} {prev}→{reading.value:.2f}"[:300]
    reading.charge = charge


def record_reading(meter_id: int, period: str, value, read_on: dt.date, actor, meter_changed: bool = False,
                   notes: str | None = None, *, now: dt.datetime | None = None) -> MeterReading:
    """Record a meter's reading for a period (and bill it, for a household meter).

    ``now`` is when the charge arises; by default the day of the reading. A second reading
    for the same meter and period is refused: correct the first with ``correct_reading``.
    """
    if now is None:
        now = dt.datetime.combine(read_on, dt.time(0, 0)) if isinstance(read_on, dt.date) else dt.datetime.max
    with acting_as(actor):
        with committed():
            reading = MeterReading(meter_id=meter_id, period=period, value=value, read_on=read_on,
                                   meter_changed=meter_changed, notes=notes,
                                   read_by_id=getattr(actor, "id", None))
            check_reading(reading, now)
            db.session.add(reading)
    return reading


def correct_reading(reading_id: int, value, actor, now: dt.datetime, *, read_on: dt.date | None = None,
                    meter_changed: bool | None = None, notes: str | None = None) -> MeterReading:
    """Correct the latest reading of a meter while its charge is unpaid; the charge follows."""
    reading = db.session.get(MeterReading, reading_id)
    if reading is None:
        raise NotFound(_l("This reading does not exist."))
    with acting_as(actor):
        with committed():
            reading.value = value
            if read_on is not None:
                reading.read_on = read_on
            if meter_changed is not None:
                reading.meter_changed = meter_changed
            if notes is not None:
                reading.notes = notes
            check_reading(reading, now)
    return reading


def _later_reading(meter_id: int, period: str) -> str | None:
    return db.session.scalar(
        select(MeterReading.period)
        .where(MeterReading.meter_id == meter_id, MeterReading.period > period)
        .order_by(MeterReading.period.desc()).limit(1))


def _later_message(period: str):
    return _l("This meter already has a reading for a later period (%(period)s): readings are "
              "entered and corrected from the latest one back.", period=period)


def reading_locked_reason(reading: MeterReading):
    """Why a stored reading can no longer be corrected (its charge paid or voided, a later
    reading entered), or None: the record page offers 修改 only when it can."""
    charge = db.session.get(Charge, reading.charge_id) if reading.charge_id else None
    if charge is not None and (charge.voided_at is not None or charge.paid != 0):
        return _l("The charge of this reading has been paid or voided: the reading can no longer change.")
    later = _later_reading(reading.meter_id, reading.period)
    return _later_message(later) if later else None


def check_reading_delete(reading: MeterReading) -> None:
    if reading.charge_id is not None:
        raise DomainError(_l("A reading that has been billed cannot be deleted; correct it instead."))


# --- apportionments -------------------------------------------------------------------------
def served_bases(meter: Meter, method: str) -> list[tuple[int, Decimal]]:
    rows = db.session.execute(
        select(Unit.id, Unit.chargeable_area).join(MeterUnit, MeterUnit.unit_id == Unit.id)
        .where(MeterUnit.meter_id == meter.id).order_by(Unit.id)
    ).all()
    return [(unit_id, rules.basis_of(method, area)) for unit_id, area in rows]


def check_apportionment(appt: Apportionment) -> None:
    """Validate a draft and (re)compute its shares. Does not commit."""
    with db.session.no_autoflush:
        was = _stored(Apportionment, appt, "status", "meter_id", "period")
        if was is not None and was.status != "draft":
            raise DomainError(_l("A posted apportionment cannot be changed."), field="total")
        if appt.status not in (None, "draft"):
            raise DomainError(_l("Only a draft can be saved; post it with the Post button."), field="total")
        appt.status = "draft"
        meter = appt.meter or (db.session.get(Meter, appt.meter_id) if appt.meter_id else None)
        if meter is None:
            raise DomainError(_l("Choose the public meter."), field="meter")
        appt.meter = meter
        if meter.scope != "public":
            raise DomainError(_l("Only a public meter is apportioned."), field="meter")
        appt.period = fee_rules.canonical_period(appt.period)  # one spelling per month, stored
        if was is not None and (was.meter_id, was.period) != (meter.id, appt.period):
            raise DomainError(_l("The meter and period of an apportionment cannot change."), field="period")
        appt.total = parse_money(appt.total, field="total")
        if appt.method not in rules.APPORTIONMENT_METHODS:
            raise DomainError(_l("Pick one of the listed values."), field="method")
        if appt.notes is not None:
            appt.notes = appt.notes.strip() or None
        dup = db.session.scalar(select(Apportionment.id).where(
            Apportionment.meter_id == meter.id, Apportionment.period == appt.period,
            Apportionment.id != (appt.id or 0)))
        if dup:
            raise DomainError(
                _l("This meter already has an apportionment for %(period)s.", period=appt.period), field="period"
            )
        bases = served_bases(meter, appt.method)
        amounts = rules.apportion(appt.total, bases)
        basis = dict(bases)
        appt.shares = [ApportionmentShare(unit_id=unit_id, basis=basis[unit_id], amount=amount)
                       for unit_id, amount in amounts]


def draft_apportionment(meter_id: int, period: str, total, method: str, actor, notes: str | None = None) -> Apportionment:
    """A draft with its shares, to be checked on screen and then posted."""
    with acting_as(actor):
        with committed():
            appt = Apportionment(meter_id=meter_id, period=period, total=total, method=method,
                                 status="draft", notes=notes)
            check_apportionment(appt)
            db.session.add(appt)
    return appt


def post_apportionment(apportionment_id: int, actor, now: dt.datetime) -> Apportionment:
    """Post a draft: one charge per unit share (a share of 0.00 bills nothing). Once only."""
    if not current_app.appbuilder.sm.user_can(actor, P.APPROVE, P.APPORTIONMENT):
        raise PermissionDenied(_l("Only a customer-service supervisor can post an apportionment."))
    appt = db.session.get(Apportionment, apportionment_id)
    if appt is None:
        raise NotFound(_l("This apportionment does not exist."))
    with acting_as(actor):
        with committed():
            # claim the draft in this transaction: a second click (or a second clerk) finds
            # it posted and changes nothing
            claimed = db.session.execute(
                update(Apportionment)
                .where(Apportionment.id == appt.id, Apportionment.status == "draft")
                .values(status="posted", posted_at=now, posted_by_id=getattr(actor, "id", None))
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise DomainError(_l("This apportionment has already been posted."))
            db.session.refresh(appt)
            meter = appt.meter
            item = meter.fee_item
            start, end = fee_rules.parse_period(appt.period)
            unsold = _unsold_all_month(appt, start, end)
            developer = appt.meter.estate.vacant_payer == "developer"
            for share in appt.shares:
                if share.amount <= 0:
                    continue
                if share.unit_id in unsold and not developer:
                    continue  # the estate bills unsold units to nobody: the share stays unbilled
                share.charge = Charge(
                    estate_id=appt.estate_id, unit_id=share.unit_id, fee_item_id=item.id, period=appt.period,
                    period_start=start, period_end=end, due_date=start + dt.timedelta(days=item.due_days),
                    quantity=share.basis, rate=None, amount=share.amount, paid=ZERO, source="apportionment",
                    billing_key=f"appt:{appt.id}:{share.unit_id}", created_at=now,
                    description=f"{item.name}（{meter.code}）"[:300],
                    billed_to="developer" if share.unit_id in unsold else "owner",
                )
                db.session.add(share.charge)
    return appt


def _unsold_all_month(appt: Apportionment, start: dt.date, end: dt.date) -> set[int]:
    """The served units that had no owner on any day of the period: their shares follow the
    estate's rule for unsold units (the developer's, or nobody's), like the monthly billing."""
    from app.fees.billing import developer_parts

    days = (end - start).days + 1
    parts = developer_parts(appt.estate_id, [s.unit_id for s in appt.shares], start, end)
    return {unit_id for unit_id, part in parts.items() if part.days == days}


def share_rows(appt: Apportionment) -> list[dict]:
    """The share table of an apportionment page: unit, basis, area, share, charge."""
    rows = db.session.execute(
        select(ApportionmentShare.unit_id, Unit.code, Unit.chargeable_area, ApportionmentShare.basis,
               ApportionmentShare.amount, ApportionmentShare.charge_id)
        .join(Unit, Unit.id == ApportionmentShare.unit_id)
        .where(ApportionmentShare.apportionment_id == appt.id)
        .order_by(Unit.code)
    ).all()
    return [dict(unit_id=r[0], unit=r[1], area=r[2], basis=r[3], amount=r[4], charge_id=r[5]) for r in rows]
