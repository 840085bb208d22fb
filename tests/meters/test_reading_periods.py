"""A meter reading's and an apportionment's period is stored canonical however it was typed, so
a second spelling of the month is the same month (refused as a second reading)."""
import datetime as dt

import pytest

from app.core import clock
from app.exceptions import DomainError
from app.extensions import db
from app.fees import rules as fee_rules
from app.fees.models import Charge
from app.meters import services
from tests.meters.conftest import fee_item, uniq


def _months_ahead(years: int) -> tuple[str, str]:
    """Two consecutive months some years from the office's today (never a literal month)."""
    first = clock.today().replace(day=1)
    a = fee_rules.period_of(first.replace(year=first.year + years))
    b = fee_rules.period_of(fee_rules.parse_period(a)[1] + dt.timedelta(days=1))
    return a, b


def _full_width(period: str) -> str:
    return period.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


def test_a_reading_typed_in_full_width_is_stored_canonical_and_not_read_twice(water_meter, users):
    meter = water_meter()
    first, second = _months_ahead(10)
    now = dt.datetime.combine(fee_rules.parse_period(second)[1], dt.time(10))
    r1 = services.record_reading(meter.id, f" {_full_width(first)}\u3000", "100", fee_rules.parse_period(first)[1],
                                 users["engineer"], now=now)
    assert r1.period == first
    r2 = services.record_reading(meter.id, second.replace("-", "/"), "112.5", fee_rules.parse_period(second)[1],
                                 users["engineer"], now=now)
    assert r2.period == second and r2.consumption == 12.5
    charge = db.session.get(Charge, r2.charge_id)
    assert (charge.period, charge.billing_key) == (second, f"meter:{meter.id}:{second}")
    y, m = second.split("-")
    with pytest.raises(DomainError) as err:
        services.record_reading(meter.id, f"{y}年{int(m)}月", "113", fee_rules.parse_period(second)[1],
                                users["engineer"], now=now)
    assert err.value.field == "period" and second in str(err.value)


def test_an_apportionment_typed_with_spaces_is_stored_canonical(app_ctx, demo_estate, users):
    from app.core.audit import acting_as
    from app.meters.models import Meter, MeterUnit
    from tests.meters.conftest import occupied_units

    units = occupied_units(demo_estate, "10", 2)
    with acting_as(name="test"):
        meter = Meter(estate_id=demo_estate.id, code=uniq("P"), kind="electricity", scope="public",
                      fee_item=fee_item(demo_estate, "public_energy"), active=True)
        db.session.add(meter)
        db.session.flush()
        db.session.add_all([MeterUnit(meter_id=meter.id, unit_id=u.id) for u in units])
        db.session.commit()
    period, _ = _months_ahead(11)
    appt = services.draft_apportionment(meter.id, f"\t{_full_width(period)} ", "100.00", "area", users["supervisor"])
    assert appt.period == period
    with pytest.raises(DomainError):
        services.draft_apportionment(meter.id, period.replace("-", ""), "100.00", "area", users["supervisor"])
