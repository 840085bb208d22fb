"""Shared pieces of the benchmarks (run on demand, never collected by pytest).

A big estate made fast with Core executemany inserts (no ORM objects, no audit rows): the
benchmarks measure billing, posting and pages, not how long it takes to build their data.
"""
from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def quiet() -> None:
    """FAB and Alembic chatter off; warnings from our own code still show."""
    for name in ("flask_appbuilder", "alembic", "werkzeug"):
        logging.getLogger(name).setLevel(logging.ERROR)


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"


def median(values) -> float:
    return statistics.median(values)


@contextmanager
def timed(out: dict, key: str):
    t = time.perf_counter()
    try:
        yield
    finally:
        out[key] = time.perf_counter() - t


def fresh_app(url: str | None = None, folder: str | None = None):
    """A new migrated database (a SQLite file in a temp folder unless ``url``) and its app."""
    quiet()
    from tests.concurrency.posting import fresh_database, make_app

    folder = folder or tempfile.mkdtemp(prefix="estate-bench-")
    atexit.register(shutil.rmtree, folder, True)  # the SQLite file of a million charges is 200+ MB
    fdb = fresh_database(url, folder)
    app = make_app(fdb.url, fdb.instance)
    with app.app_context():
        from app.bootstrap import init_database

        init_database()
    return app, fdb


# --- the big estate ---------------------------------------------------------------------
ITEMS = [
    # code, name, kind, basis, unit label, rates {property type: rate}
    ("property", "物业服务费", "property", "per_area_month", "元/m²·月",
     {"multi_storey": "1.20", "high_rise": "1.80", "villa": "2.50", "shop": "3.00"}),
    ("garbage", "生活垃圾清运费", "other", "per_household_month", "元/户·月", {"all": "10.00"}),
    ("elevator", "电梯运行费", "other", "per_household_month", "元/户·月", {"all": "15.00"}),
]
PTYPES = ["multi_storey", "high_rise", "villa", "shop"]


def big_estate(units: int = 10_000, items: int = 3, name: str = "基准测试小区",
               schedule_from: dt.date = dt.date(2020, 1, 1)) -> dict:
    """An estate of ``units`` units (25 a stairway, 4 stairways a building), every unit with
    an owner who moved in long ago, ``items`` recurring fee items and a published schedule.
    Needs an app context. Returns the ids: estate, units (ordered), items."""
    from sqlalchemy import insert, select

    from app.core.audit import acting_as
    from app.estate.models import Building, Entrance, Estate, Unit, Zone
    from app.extensions import db
    from app.fees.models import FeeItem, FeeRate, FeeSchedule
    from app.owners.models import Occupancy, Owner

    try:
        from app.estate.models import unit_sort_key
    except ImportError:  # older tree
        unit_sort_key = None

    per_entrance, per_building = 25, 4
    n_buildings = -(-units // (per_entrance * per_building))
    with acting_as(name="benchmark"):
        estate = Estate(name=name, company_name="基准物业")
        db.session.add(estate)
        db.session.flush()
        zone = Zone(estate_id=estate.id, name="一期")
        db.session.add(zone)
        db.session.flush()
        eid = estate.id
        db.session.execute(insert(Building), [
            dict(estate_id=eid, zone_id=zone.id, number=str(b + 1), floors=25) for b in range(n_buildings)])
        buildings = dict(db.session.execute(select(Building.number, Building.id).where(Building.estate_id == eid)).all())
        db.session.execute(insert(Entrance), [
            dict(estate_id=eid, building_id=buildings[str(b + 1)], number=str(e + 1))
            for b in range(n_buildings) for e in range(per_building)])
        entrances = {(bn, en): i for i, bn, en in db.session.execute(
            select(Entrance.id, Building.number, Entrance.number).join(Building, Entrance.building_id == Building.id)
            .where(Entrance.estate_id == eid)).all()}
        unit_rows = []
        for n in range(units):
            b, rest = divmod(n, per_entrance * per_building)
            e, r = divmod(rest, per_entrance)
            floor, pos = divmod(r, 2)
            room = f"{floor + 1}0{pos + 1}"
            code = f"{b + 1}-{e + 1}-{room}"
            row = dict(estate_id=eid, entrance_id=entrances[(str(b + 1), str(e + 1))], building_id=buildings[str(b + 1)],
                       code=code, room_number=room, floor=floor + 1, property_type=PTYPES[n % len(PTYPES)],
                       chargeable_area=Decimal(60 + (n * 7) % 90) + Decimal("0.50"), status="occupied")
            if unit_sort_key is not None:
                row["sort_key"] = unit_sort_key(code)
            unit_rows.append(row)
        db.session.execute(insert(Unit), unit_rows)
        unit_ids = list(db.session.scalars(select(Unit.id).where(Unit.estate_id == eid).order_by(Unit.id)))
        db.session.execute(insert(Owner), [
            dict(estate_id=eid, name=f"业主{n:05d}", phone=f"139{n:08d}") for n in range(units)])
        owner_ids = list(db.session.scalars(select(Owner.id).where(Owner.estate_id == eid).order_by(Owner.id)))
        db.session.execute(insert(Occupancy), [
            dict(estate_id=eid, unit_id=u, owner_id=o, relation="owner", move_in_date=dt.date(2015, 1, 1))
            for u, o in zip(unit_ids, owner_ids)])
        made = []
        for order, (code, iname, kind, basis, label, _rates) in enumerate(ITEMS[:items]):
            made.append(FeeItem(estate_id=eid, code=code, name=iname, kind=kind, basis=basis, unit_label=label,
                                recurring=True, due_days=30, sort_order=order))
        db.session.add_all(made)
        schedule = FeeSchedule(estate_id=eid, version=1, title=f"{name}收费标准", effective_from=schedule_from,
                               status="published", published_at=dt.datetime.combine(schedule_from, dt.time(9)))
        db.session.add(schedule)
        db.session.flush()
        for item, (*_x, rates) in zip(made, ITEMS[:items]):
            for ptype, rate in rates.items():
                db.session.add(FeeRate(schedule=schedule, estate_id=eid, fee_item=item, property_type=ptype,
                                       rate=Decimal(rate)))
        db.session.commit()
        return {"estate_id": eid, "unit_ids": unit_ids, "item_ids": [i.id for i in made]}


def sqlite_path(url: str) -> str:
    return url.replace("sqlite:///", "", 1)
