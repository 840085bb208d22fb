import datetime as dt
from decimal import Decimal as D

import pytest

from app.estate.models import Unit
from app.extensions import db
from app.fees.models import Charge, FeeItem
from tests.api.conftest import api  # noqa: F401 - the JWT API client fixture, for the cash-desk API tests


@pytest.fixture()
def clerk(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="clerk")


@pytest.fixture()
def manager(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="manager")


@pytest.fixture()
def fresh_unit(app_ctx, demo_estate):
    """A new unit of its own (other tests never touch it), with three open charges of 100.00
    (Jan–Mar 2030)."""
    import uuid

    from app.estate.models import Entrance

    entrance = db.session.query(Entrance).filter(Entrance.estate_id == demo_estate.id).order_by(Entrance.id).first()
    unit = Unit(entrance=entrance, room_number=f"T{uuid.uuid4().hex[:8].upper()}", property_type="multi_storey",
                chargeable_area=D("80.00"), status="occupied")
    unit.derive()
    db.session.add(unit)
    db.session.flush()
    item = db.session.query(FeeItem).filter_by(estate_id=demo_estate.id, code="garbage").one()
    for month in (1, 2, 3):
        start = dt.date(2030, month, 1)
        db.session.add(Charge(
            unit=unit, fee_item=item, period=f"2030-{month:02d}", period_start=start,
            period_end=start.replace(day=28), due_date=start + dt.timedelta(days=30), amount=D("100.00"),
            paid=D("0.00"), source="manual", created_at=dt.datetime(2030, 1, 1)))
    db.session.commit()
    return unit
