"""Meter readings: consumption from the previous period, the household charge at the rate of
the schedule in force, once per meter and period, corrections while unpaid."""
import datetime as dt
from decimal import Decimal as D

import pytest

from app.cashdesk.services import post_payment
from app.core.money import quantize
from app.exceptions import DomainError
from app.extensions import db
from app.fees import rules as fee_rules
from app.fees.models import Charge
from app.fees.services import schedule_in_force
from app.meters import services
from app.meters.models import MeterReading
from tests.meters.conftest import NOW


def _rate(meter):
    schedule = schedule_in_force(meter.estate_id, dt.date(2031, 2, 1))
    rates = {(r.fee_item_id, r.property_type): r.rate for r in schedule.rates}
    return fee_rules.pick_rate(rates, meter.fee_item_id, meter.unit.property_type)


def _read(meter, period, value, actor, **kw):
    return services.record_reading(meter.id, period, value, dt.date.fromisoformat(f"{period}-28"), actor,
                                   now=NOW, **kw)


def test_first_reading_is_the_starting_point(water_meter, users):
    meter = water_meter()
    r = _read(meter, "2031-01", "1200.00", users["engineer"])
    assert r.previous_value is None and r.consumption == D("0.00")
    assert r.charge_id is None
    assert r.read_by_id == users["engineer"].id


def test_consumption_times_rate_is_charged(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "1200.00", users["engineer"])
    r = _read(meter, "2031-02", "1217.35", users["engineer"])
    assert r.previous_value == D("1200.00") and r.consumption == D("17.35")
    charge = db.session.get(Charge, r.charge_id)
    rate = _rate(meter)
    assert rate is not None
    assert charge.amount == quantize(D("17.35") * rate)
    assert (charge.quantity, charge.rate) == (D("17.35"), rate)
    assert charge.unit_id == meter.unit_id and charge.fee_item_id == meter.fee_item_id
    assert charge.source == "meter" and charge.billing_key == f"meter:{meter.id}:2031-02"
    assert charge.period == "2031-02" and charge.period_start == dt.date(2031, 2, 1)
    assert charge.due_date == dt.date(2031, 2, 1) + dt.timedelta(days=meter.fee_item.due_days)
    assert charge.created_at == NOW and charge.paid == D("0.00")


def test_previous_is_the_latest_earlier_period(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "100", users["engineer"])
    _read(meter, "2031-03", "130", users["engineer"])  # February was not read
    r = _read(meter, "2031-04", "150.5", users["engineer"])
    assert (r.previous_value, r.consumption) == (D("130.00"), D("20.50"))


def test_reading_below_the_previous_is_refused(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "500.00", users["engineer"])
    with pytest.raises(DomainError) as err:
        _read(meter, "2031-02", "499.99", users["engineer"])
    assert err.value.field == "value"
    assert db.session.query(MeterReading).filter_by(meter_id=meter.id).count() == 1
    assert db.session.query(Charge).filter_by(billing_key=f"meter:{meter.id}:2031-02").count() == 0


def test_a_changed_meter_counts_from_zero(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "980.00", users["engineer"])
    r = _read(meter, "2031-02", "6.00", users["engineer"], meter_changed=True)
    assert r.consumption == D("6.00") and r.meter_changed
    assert db.session.get(Charge, r.charge_id).amount == quantize(D("6.00") * _rate(meter))
    nxt = _read(meter, "2031-03", "10.00", users["engineer"])
    assert nxt.consumption == D("4.00")


def test_a_second_reading_for_the_period_is_refused(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "10", users["engineer"])
    _read(meter, "2031-02", "20", users["engineer"])
    with pytest.raises(DomainError) as err:
        _read(meter, "2031-02", "25", users["engineer"])
    assert err.value.field == "period"
    assert db.session.query(Charge).filter_by(billing_key=f"meter:{meter.id}:2031-02").one().quantity == D("10.00")


def test_an_earlier_period_after_a_later_one_is_refused(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-03", "10", users["engineer"])
    with pytest.raises(DomainError):
        _read(meter, "2031-02", "5", users["engineer"])


@pytest.mark.parametrize("period", ["2031-13", "31-01", "2031/00", "", "2031-01\x00"])
def test_bad_period_refused(water_meter, users, period):
    with pytest.raises(DomainError) as err:
        services.record_reading(water_meter().id, period, "1", dt.date(2031, 1, 28), users["engineer"], now=NOW)
    assert err.value.field == "period"


def test_reading_date_in_the_future_refused(water_meter, users):
    with pytest.raises(DomainError) as err:
        services.record_reading(water_meter().id, "2031-06", "1", dt.date(2031, 7, 1), users["engineer"], now=NOW)
    assert err.value.field == "read_on"


def test_correcting_an_unpaid_reading_recomputes_its_charge(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "100", users["engineer"])
    r = _read(meter, "2031-02", "150", users["engineer"])
    charge_id = r.charge_id
    fixed = services.correct_reading(r.id, "115.00", users["supervisor"], NOW)
    assert fixed.consumption == D("15.00") and fixed.charge_id == charge_id
    charge = db.session.get(Charge, charge_id)
    assert charge.amount == quantize(D("15.00") * _rate(meter)) and charge.quantity == D("15.00")
    # still below the previous one: refused on a correction too
    with pytest.raises(DomainError):
        services.correct_reading(r.id, "90", users["supervisor"], NOW)
    assert db.session.get(MeterReading, r.id).value == D("115.00")


def test_only_the_latest_reading_can_be_corrected(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "100", users["engineer"])
    feb = _read(meter, "2031-02", "110", users["engineer"])
    _read(meter, "2031-03", "120", users["engineer"])
    with pytest.raises(DomainError):
        services.correct_reading(feb.id, "105", users["supervisor"], NOW)


def test_a_paid_reading_cannot_change(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "100", users["engineer"])
    r = _read(meter, "2031-02", "110", users["engineer"])
    charge = db.session.get(Charge, r.charge_id)
    post_payment(meter.unit_id, charge.amount, "cash", users["clerk"], NOW, charge_ids=[charge.id], use_prepaid=False)
    with pytest.raises(DomainError) as err:
        services.correct_reading(r.id, "105", users["supervisor"], NOW)
    assert err.value.field == "value"
    db.session.expire_all()
    assert db.session.get(MeterReading, r.id).value == D("110.00")


def test_no_consumption_no_charge(water_meter, users):
    meter = water_meter()
    _read(meter, "2031-01", "100", users["engineer"])
    r = _read(meter, "2031-02", "100", users["engineer"])
    assert r.consumption == D("0.00") and r.charge_id is None


def test_public_meter_readings_bill_nothing(public_meter, users):
    meter = public_meter(3)
    _read(meter, "2031-01", "5000", users["engineer"])
    r = _read(meter, "2031-02", "5400", users["engineer"])
    assert r.consumption == D("400.00") and r.charge_id is None


def test_the_audit_log_records_who_read(water_meter, users):
    from app.core.audit import history

    meter = water_meter()
    r = _read(meter, "2031-01", "100", users["engineer"])
    assert {h.username for h in history("meter_reading", r.id)} == {"engineer"}
