"""Meters of our own (unique numbers) on occupied demo units, in periods from 2031 on, so
nothing here meets the demo data or other tests' charges."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal as D

import pytest

from app.core.audit import acting_as
from app.estate.models import Building, Unit
from app.extensions import db
from app.fees.models import FeeItem
from app.meters.models import Meter

NOW = dt.datetime(2031, 6, 30, 10, 0)
_offset = itertools.count(0)


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture()
def users(app_ctx):
    sm = app_ctx.appbuilder.sm
    return {name: sm.find_user(username=name) for name in ("supervisor", "clerk", "engineer", "manager")}


def occupied_units(estate, building: str, n: int) -> list[Unit]:
    """``n`` occupied units of a building not used by another test of this session."""
    start = next(_offset) * n
    return (db.session.query(Unit).join(Building, Unit.building_id == Building.id)
            .filter(Unit.estate_id == estate.id, Building.number == building, Unit.occupancies.any(),
                    Unit.code != "3-2-501")
            .order_by(Unit.id).offset(start % 50).limit(n).all())


def fee_item(estate, code: str) -> FeeItem:
    return db.session.query(FeeItem).filter_by(estate_id=estate.id, code=code).one()


@pytest.fixture()
def water_meter(app_ctx, demo_estate):
    """make() -> a new household water meter on an occupied unit of building 11."""

    def make(unit: Unit | None = None) -> Meter:
        unit = unit or occupied_units(demo_estate, "11", 1)[0]
        with acting_as(name="test"):
            m = Meter(estate_id=demo_estate.id, code=uniq("W"), kind="water", scope="household", unit=unit,
                      fee_item=fee_item(demo_estate, "water"), active=True)
            db.session.add(m)
            db.session.commit()
        return m

    return make


@pytest.fixture()
def public_meter(app_ctx, demo_estate):
    """make(n) -> a new public electricity meter serving ``n`` occupied units of building 9."""

    def make(n: int = 7) -> Meter:
        units = occupied_units(demo_estate, "9", n)
        assert len(units) == n
        with acting_as(name="test"):
            m = Meter(estate_id=demo_estate.id, code=uniq("GD"), kind="electricity", scope="public",
                      fee_item=fee_item(demo_estate, "public_energy"), active=True, units=units)
            db.session.add(m)
            db.session.commit()
        return m

    return make


def total_of(amounts) -> D:
    return sum(amounts, D("0.00"))
