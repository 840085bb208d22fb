"""Builders shared by tests/visits and tests/timeline: units of our own (a new building per
call, so no other test's records land on them) and signature images."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
from decimal import Decimal as D

_counter = itertools.count(1)


def make_unit(estate, owner_name: str, phone: str | None = None, important: bool = False,
              move_in: dt.date = dt.date(2024, 3, 1)):
    """A new unit V<n>-1-101 in ``estate`` with one owner living there; returns (unit, owner)."""
    from app.core.audit import acting_as
    from app.estate.models import Building, Entrance, Unit, Zone
    from app.extensions import db
    from app.owners.models import Occupancy, Owner

    zone = db.session.query(Zone).filter_by(estate_id=estate.id).order_by(Zone.id).first()
    with acting_as(name="test-visits"):
        b = Building(zone=zone, number=f"V{next(_counter)}{uuid.uuid4().hex[:4].upper()}")
        e = Entrance(building=b, number="1")
        u = Unit(entrance=e, room_number="101", floor=1, property_type="multi_storey",
                 chargeable_area=D("90.00"), status="occupied")
        u.derive()
        o = Owner(estate_id=estate.id, name=owner_name, phone=phone or f"139{uuid.uuid4().int % 10**8:08d}",
                  important_client=important)
        db.session.add_all([b, e, u, o, Occupancy(unit=u, owner=o, relation="owner", move_in_date=move_in)])
        db.session.commit()
    return u, o


def released(unit, owner=None):
    """Plain copies of a unit (and owner) made in a test's app context, and that context's
    transaction ended: an open SQLite transaction of the test would hold the write lock that
    the test client's POST requests wait for."""
    from types import SimpleNamespace

    from app.extensions import db

    u = SimpleNamespace(id=unit.id, code=unit.code, estate_id=unit.estate_id)
    o = SimpleNamespace(id=owner.id, name=owner.name, phone=owner.phone) if owner is not None else None
    db.session.commit()
    return (u, o) if owner is not None else u


def png(size=(120, 40), noise: bool = False) -> bytes:
    from PIL import Image

    if noise:
        import os

        img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        img = Image.new("L", size, 255)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (80, 30), (255, 255, 255)).save(out, "JPEG")
    return out.getvalue()


def big_png(min_bytes: int = 1_150_000) -> bytes:
    """A real PNG image of more than 1.1 MB (random pixels do not compress)."""
    side = 400
    while True:
        data = png((side, side), noise=True)
        if len(data) >= min_bytes:
            return data
        side += 200
