"""Fixtures for arrears and reminders: units of our own in building C<n>, so no other test's
charges land on them, owned by named owners, with overdue charges (2031-01..03)."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal as D

import pytest

_counter = itertools.count(1)
NOW = dt.datetime(2031, 6, 1, 10, 0)  # the charges below are 92–151 days overdue


@pytest.fixture()
def clerk(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="clerk")


@pytest.fixture()
def manager(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="manager")


@pytest.fixture()
def estate_ids(demo_estate):
    return [demo_estate.id]


@pytest.fixture()
def make_units(app_ctx, demo_estate):
    """make_units(names, lang="zh_CN") -> (building number, [Unit]): one new building, one unit
    per owner name (rooms 101, 102 ...), each owing 生活垃圾清运费 10.00 and 物业服务费 106.20
    for 2031-01..03 (348.60), due on the 31st day of each month."""
    from app.core.audit import acting_as
    from app.estate.models import Building, Entrance, Unit, Zone
    from app.extensions import db
    from app.fees.models import Charge, FeeItem
    from app.owners.models import Occupancy, Owner

    def _make(names, lang="zh_CN"):
        n = next(_counter)
        zone = db.session.query(Zone).filter_by(estate_id=demo_estate.id).order_by(Zone.id).first()
        items = {i.code: i for i in db.session.query(FeeItem).filter_by(estate_id=demo_estate.id)}
        number = f"C{n}{uuid.uuid4().hex[:4]}"
        units = []
        with acting_as(name="test-collection"):
            b = Building(zone=zone, number=number)
            e = Entrance(building=b, number="1")
            db.session.add_all([b, e])
            for i, name in enumerate(names):
                u = Unit(entrance=e, room_number=f"{101 + i}", floor=1, property_type="multi_storey",
                         chargeable_area=D("88.50"), status="occupied")
                u.derive()
                owner = Owner(estate_id=demo_estate.id, name=name, phone="13800001234", language=lang)
                db.session.add_all([u, owner, Occupancy(unit=u, owner=owner, relation="owner",
                                                        move_in_date=dt.date(2030, 6, 1))])
                db.session.flush()
                for month in (1, 2, 3):
                    start = dt.date(2031, month, 1)
                    for code, amount in (("garbage", D("10.00")), ("property", D("106.20"))):
                        db.session.add(Charge(
                            unit=u, fee_item=items[code], period=f"2031-{month:02d}", period_start=start,
                            period_end=start.replace(day=28), due_date=start + dt.timedelta(days=30),
                            amount=amount, paid=D("0.00"), source="manual", created_at=dt.datetime(2031, 1, 1)))
                units.append(u)
            db.session.commit()
        return number, units

    return _make
