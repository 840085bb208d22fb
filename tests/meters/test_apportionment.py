"""Apportionment: a draft's shares add up to the total; posting (supervisor only) creates one
charge per share, once."""
import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

import pytest

from app.core.audit import acting_as
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from app.fees.models import Charge
from app.meters import services
from app.meters.models import Apportionment
from tests.meters.conftest import NOW, total_of


def test_draft_shares_add_up_to_the_total_by_area(public_meter, users):
    meter = public_meter(7)
    appt = services.draft_apportionment(meter.id, "2031-01", "1234.57", "area", users["supervisor"])
    assert appt.status == "draft" and appt.total == D("1234.57")
    shares = {s.unit_id: s for s in appt.shares}
    assert set(shares) == {u.id for u in meter.units}
    assert total_of(s.amount for s in shares.values()) == D("1234.57")
    whole = sum(Fraction(u.chargeable_area) for u in meter.units)
    for u in meter.units:
        assert shares[u.id].basis == u.chargeable_area
        exact = Fraction(123457) * Fraction(u.chargeable_area) / whole / 100
        assert abs(Fraction(shares[u.id].amount) - exact) < Fraction(1, 100)
    assert not db.session.query(Charge).filter(Charge.billing_key.like(f"appt:{appt.id}:%")).count()


def test_per_household_draft_is_equal_within_a_fen(public_meter, users):
    meter = public_meter(7)
    appt = services.draft_apportionment(meter.id, "2031-01", "100.00", "household", users["supervisor"])
    amounts = sorted(s.amount for s in appt.shares)
    assert total_of(amounts) == D("100.00")
    assert amounts[-1] - amounts[0] == D("0.01") and amounts[0] == D("14.28")
    assert {s.basis for s in appt.shares} == {D("1.00")}


def test_post_creates_one_charge_per_share_once(public_meter, users):
    meter = public_meter(5)
    appt = services.draft_apportionment(meter.id, "2031-02", "501.00", "area", users["supervisor"])
    services.post_apportionment(appt.id, users["supervisor"], NOW)
    db.session.expire_all()
    appt = db.session.get(Apportionment, appt.id)
    assert appt.status == "posted" and appt.posted_at == NOW and appt.posted_by_id == users["supervisor"].id
    charges = db.session.query(Charge).filter(Charge.billing_key.like(f"appt:{appt.id}:%")).all()
    assert len(charges) == 5
    assert total_of(c.amount for c in charges) == D("501.00")
    by_unit = {c.unit_id: c for c in charges}
    for s in appt.shares:
        c = by_unit[s.unit_id]
        assert s.charge_id == c.id and c.amount == s.amount
        assert c.source == "apportionment" and c.fee_item_id == meter.fee_item_id and c.period == "2031-02"
        assert c.billing_key == f"appt:{appt.id}:{s.unit_id}"
        assert c.due_date == dt.date(2031, 2, 1) + dt.timedelta(days=meter.fee_item.due_days)
    with pytest.raises(DomainError):
        services.post_apportionment(appt.id, users["supervisor"], NOW)
    assert db.session.query(Charge).filter(Charge.billing_key.like(f"appt:{appt.id}:%")).count() == 5


def test_a_zero_share_bills_nothing(public_meter, users):
    meter = public_meter(5)
    appt = services.draft_apportionment(meter.id, "2031-03", "0.03", "household", users["supervisor"])
    assert sorted(s.amount for s in appt.shares) == [D("0.00"), D("0.00"), D("0.01"), D("0.01"), D("0.01")]
    services.post_apportionment(appt.id, users["supervisor"], NOW)
    assert db.session.query(Charge).filter(Charge.billing_key.like(f"appt:{appt.id}:%")).count() == 3


def test_a_clerk_cannot_post(public_meter, users):
    meter = public_meter(3)
    appt = services.draft_apportionment(meter.id, "2031-04", "90.00", "area", users["supervisor"])
    for who in ("clerk", "manager", "engineer"):
        with pytest.raises(PermissionDenied):
            services.post_apportionment(appt.id, users[who], NOW)
    db.session.expire_all()
    assert db.session.get(Apportionment, appt.id).status == "draft"
    assert not db.session.query(Charge).filter(Charge.billing_key.like(f"appt:{appt.id}:%")).count()


def test_one_apportionment_per_meter_and_period(public_meter, users):
    meter = public_meter(3)
    services.draft_apportionment(meter.id, "2031-05", "90.00", "area", users["supervisor"])
    with pytest.raises(DomainError) as err:
        services.draft_apportionment(meter.id, "2031-05", "91.00", "area", users["supervisor"])
    assert err.value.field == "period"


@pytest.mark.parametrize("total", ["0", "-10.00", "12.345", "abc"])
def test_bad_total_refused(public_meter, users, total):
    meter = public_meter(3)
    with pytest.raises(DomainError) as err:
        services.draft_apportionment(meter.id, "2031-06", total, "area", users["supervisor"])
    assert err.value.field == "total"
    assert not db.session.query(Apportionment).filter_by(meter_id=meter.id).count()


def test_household_meter_is_not_apportioned(water_meter, users):
    with pytest.raises(DomainError) as err:
        services.draft_apportionment(water_meter().id, "2031-06", "10.00", "area", users["supervisor"])
    assert err.value.field == "meter"


def test_a_meter_serving_nobody_is_refused(app_ctx, demo_estate, users):
    from app.meters.models import Meter
    from tests.meters.conftest import fee_item, uniq

    m = Meter(estate_id=demo_estate.id, code=uniq("GD"), kind="electricity", scope="public",
              fee_item=fee_item(demo_estate, "public_energy"), active=True)
    db.session.add(m)
    db.session.commit()
    with pytest.raises(DomainError):
        services.draft_apportionment(m.id, "2031-06", "10.00", "area", users["supervisor"])


def test_a_draft_can_change_a_posted_one_cannot(public_meter, users):
    meter = public_meter(4)
    appt = services.draft_apportionment(meter.id, "2031-07", "100.00", "area", users["supervisor"])
    appt.total = "200.00"
    appt.method = "household"
    services.check_apportionment(appt)
    db.session.commit()
    assert [s.amount for s in appt.shares] == [D("50.00")] * 4
    assert len(db.session.get(Apportionment, appt.id).shares) == 4
    services.post_apportionment(appt.id, users["supervisor"], NOW)
    appt = db.session.get(Apportionment, appt.id)
    appt.total = "300.00"
    with pytest.raises(DomainError):
        services.check_apportionment(appt)
    db.session.rollback()


@pytest.mark.parametrize("who", ["developer", "nobody"])
def test_an_unsold_units_share_follows_the_estates_rule(app_ctx, demo_estate, public_meter, users, login, who):
    """Like the monthly billing: the developer's charge, or not billed at all (the share is still
    computed: the occupied units do not pay for the empty one)."""
    from tests.fees.test_vacant_units import _new_units, payer

    meter = public_meter(3)
    (unsold,) = _new_units(demo_estate, 1)
    with acting_as(name="test"):
        meter.units = [*meter.units, unsold]
        db.session.commit()
    with payer(demo_estate, who, "70"):
        appt = services.draft_apportionment(meter.id, "2031-04", "400.00", "household", users["supervisor"])
        services.post_apportionment(appt.id, users["supervisor"], NOW)
    charges = {c.unit_id: c for c in
               db.session.query(Charge).filter(Charge.billing_key.like(f"appt:{appt.id}:%")).all()}
    assert {u for u in charges} == ({u.id for u in meter.units} if who == "developer"
                                    else {u.id for u in meter.units} - {unsold.id})
    assert all(c.amount == D("100.00") for c in charges.values())  # a quarter each either way
    if who == "developer":
        assert charges[unsold.id].billed_to == "developer"
        assert {c.billed_to for u, c in charges.items() if u != unsold.id} == {"owner"}
    else:
        page = login("supervisor").get(f"/apportionmentmodelview/show/{appt.id}").get_data(as_text=True)
        assert "未售" in page or "unsold" in page


@pytest.mark.parametrize("who", ["developer", "nobody"])
def test_an_unsold_units_own_meter_is_billed_by_the_same_rule(app_ctx, demo_estate, water_meter, users, who):
    from tests.fees.test_vacant_units import _new_units, payer

    (unsold,) = _new_units(demo_estate, 1)
    meter = water_meter(unsold)
    with payer(demo_estate, who, "70"):
        services.record_reading(meter.id, "2031-05", "10", dt.date(2031, 5, 28), users["engineer"], now=NOW)
        reading = services.record_reading(meter.id, "2031-06", "25", dt.date(2031, 6, 28), users["engineer"],
                                          now=NOW)
    assert reading.charge.billed_to == ("developer" if who == "developer" else "owner")
