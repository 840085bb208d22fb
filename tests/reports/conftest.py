"""Fixtures for the PDF documents: a unit of our own (so no other test's charges land on it),
with an owner and open charges. Reading PDFs back: tests/reports/pdfutil.py."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal as D

import pytest

_counter = itertools.count(1)


@pytest.fixture()
def clerk(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="clerk")


@pytest.fixture()
def manager(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="manager")


@pytest.fixture()
def report_unit(app_ctx, demo_estate):
    """A new unit R<n>-1-101 in the demo estate, owned by 欧阳建国, with six open charges:
    生活垃圾清运费 and 物业服务费 for 2031-01..03 (10.00 and 106.20 a month)."""
    from app.core.audit import acting_as
    from app.estate.models import Building, Entrance, Unit, Zone
    from app.extensions import db
    from app.fees.models import Charge, FeeItem
    from app.owners.models import Occupancy, Owner

    n = next(_counter)
    zone = db.session.query(Zone).filter_by(estate_id=demo_estate.id).order_by(Zone.id).first()
    items = {i.code: i for i in db.session.query(FeeItem).filter_by(estate_id=demo_estate.id)}
    with acting_as(name="test-reports"):
        b = Building(zone=zone, number=f"R{n}{uuid.uuid4().hex[:4]}")
        e = Entrance(building=b, number="1")
        u = Unit(entrance=e, room_number="101", floor=1, property_type="multi_storey",
                 chargeable_area=D("88.50"), status="occupied")
        u.derive()
        owner = Owner(estate_id=demo_estate.id, name="欧阳建国", phone="13800001234")
        db.session.add_all([b, e, u, owner, Occupancy(unit=u, owner=owner, relation="owner",
                                                      move_in_date=dt.date(2030, 6, 1))])
        db.session.flush()
        for month in (1, 2, 3):
            start = dt.date(2031, month, 1)
            for code, amount in (("garbage", D("10.00")), ("property", D("106.20"))):
                db.session.add(Charge(
                    unit=u, fee_item=items[code], period=f"2031-{month:02d}", period_start=start,
                    period_end=start.replace(day=28), due_date=start + dt.timedelta(days=30),
                    amount=amount, paid=D("0.00"), source="manual", created_at=dt.datetime(2031, 1, 1)))
        db.session.commit()
    return u
