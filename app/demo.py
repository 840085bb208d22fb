"""The demo estate 山水湖畔小区: deterministic (fixed seed), so tests and benchmarks can count on it.

12 buildings in 2 zones, about 560 units and 550 owners with Chinese names, valid-looking
phone and ID numbers. Room 3-2-501 exists and is occupied.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from app.core.audit import acting_as
from app.estate.models import Building, Entrance, Estate, Unit, Zone, unit_sort_key
from app.extensions import db
from app.owners.models import Occupancy, Owner

SEED = 20261128
ESTATE_NAME = "山水湖畔小区"
COMPANY = "江苏苏南物业服务开发有限公司南京分公司"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华红玉兰建国志文斌辉鹏飞云峰波宇浩然欣怡佳琪子涵雨婷思远晨阳俊豪梓萱一鸣海燕春梅秋菊冬生德福长青国庆卫东晓东晓燕立新"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
REGIONS = ("320102", "320104", "320105", "320106", "320111", "320113", "320115", "320116", "340104", "370102")

# building number -> (zone, property type, floors, entrances, doors per floor, area choices)
LAYOUT = {
    **{n: ("一期", "multi_storey", 6, 2, 2, ("78.36", "89.52", "96.18", "112.40", "128.75")) for n in range(1, 7)},
    **{n: ("二期", "high_rise", 18, 2, 2, ("68.20", "86.45", "98.30", "118.60", "135.90")) for n in range(7, 12)},
    12: ("一期", "villa", 3, 1, 12, ("218.50", "246.80", "275.30", "312.60")),
}


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _id_number(rng: random.Random) -> str:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 52))
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        p = rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}"
        if p not in used:
            used.add(p)
            return p


def seed_demo(session=None) -> Estate:
    """Create the demo estate (nothing happens if it exists). Returns it."""
    session = session or db.session
    existing = session.query(Estate).filter_by(name=ESTATE_NAME).one_or_none()
    if existing:
        return existing
    rng = random.Random(SEED)
    with acting_as(name="demo-seed"):
        estate = Estate(
            name=ESTATE_NAME,
            company_name=COMPANY,
            address="南京市江宁区山水湖畔路88号",
            office_phone="025-84561234",
            office_hours="周一至周日 8:30-17:30",
            bank_name="中国工商银行南京江宁支行",
            bank_account_name=COMPANY,
            bank_account_number="4301 0123 0910 0088 888",
            # phase two is still being sold: the developer pays 70% for its unsold units
            vacant_payer="developer", developer_name="南京山水湖畔置业有限公司",
            vacant_fee_percent=Decimal("70"),
        )
        zones = {name: Zone(estate=estate, name=name) for name in ("一期", "二期")}
        session.add(estate)
        session.add_all(zones.values())
        session.flush()
        for z in zones.values():
            z.estate_id = estate.id
        units: list[Unit] = []
        for number, (zone, ptype, floors, entrances, doors, areas) in LAYOUT.items():
            b = Building(zone=zones[zone], estate_id=estate.id, number=str(number), floors=floors)
            session.add(b)
            for e in range(1, entrances + 1):
                ent = Entrance(building=b, estate_id=estate.id, number=str(e))
                session.add(ent)
                for floor in range(1, floors + 1):
                    for door in range(1, doors + 1):
                        room = f"{floor}{door:02d}"
                        # ground floor of the high-rise buildings facing the road are shops
                        kind = "shop" if ptype == "high_rise" and floor == 1 and number in (7, 8) else ptype
                        area = Decimal(rng.choice(areas)) if kind != "shop" else Decimal(f"{rng.randrange(4500, 15000) / 100:.2f}")
                        u = Unit(
                            entrance=ent, building=b, estate_id=estate.id, room_number=room,
                            floor=floor, property_type=kind, chargeable_area=area,
                            code=f"{number}-{e}-{room}", sort_key=unit_sort_key(f"{number}-{e}-{room}"),
                        )
                        r = rng.random()
                        u.status = "vacant" if r < 0.07 else ("let" if r < 0.12 else "occupied")
                        units.append(u)
        session.add_all(units)
        session.flush()

        used_phones: set[str] = set()
        owners: list[Owner] = []
        for u in units:
            if u.code == "3-2-501":
                u.status = "occupied"
            if u.status == "vacant" and rng.random() < 0.6:
                continue  # unsold or owner not yet registered
            # about one in twenty owners holds a second unit
            if owners and rng.random() < 0.05:
                owner = rng.choice(owners)
            else:
                owner = Owner(
                    estate_id=estate.id, name=_name(rng), phone=_phone(rng, used_phones),
                    phone2=_phone(rng, used_phones) if rng.random() < 0.2 else None,
                    id_number=_id_number(rng), important_client=rng.random() < 0.03,
                    emergency_contact=_name(rng) if rng.random() < 0.5 else None,
                )
                if owner.emergency_contact:
                    owner.emergency_phone = _phone(rng, used_phones)
                owners.append(owner)
                session.add(owner)
            moved_in = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 6))
            session.add(Occupancy(unit=u, owner=owner, estate_id=estate.id, relation="owner", move_in_date=moved_in))
            if u.status == "occupied" and rng.random() < 0.12:
                family = Owner(estate_id=estate.id, name=owner.name[0] + _name(rng)[1:], phone=_phone(rng, used_phones))
                session.add(family)
                session.add(Occupancy(unit=u, owner=family, estate_id=estate.id, relation="family", move_in_date=moved_in))
            if u.status == "let":
                tenant = Owner(estate_id=estate.id, name=_name(rng), phone=_phone(rng, used_phones))
                session.add(tenant)
                session.add(Occupancy(unit=u, owner=tenant, estate_id=estate.id, relation="tenant",
                                      move_in_date=moved_in + dt.timedelta(days=rng.randrange(30, 400))))
        session.commit()
    return estate
