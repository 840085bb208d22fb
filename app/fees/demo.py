"""Demo fees for 山水湖畔小区: items, a published schedule with its service contents, the price
list, a year of monthly billing and payments — about one unit in ten in arrears of various
ages, a few with money prepaid — so every page and the payment reminders have real work."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from app.core.audit import acting_as
from app.extensions import db
from app.fees import billing, rules
from app.fees.models import FeeItem, FeeRate, FeeSchedule, ServiceContent, ServicePrice

SEED = 20261129
D = Decimal

ITEMS = [
    # code, name, kind, basis, unit label, late-fee daily rate, grace days, due days
    ("property", "物业服务费", "property", "per_area_month", "元/m²·月", D("0.0003"), 15, 30),
    ("garbage", "生活垃圾清运费", "other", "per_household_month", "元/户·月", None, 0, 30),
    ("water", "水费", "water", "per_use", "元/吨", None, 0, 20),
    ("electricity", "电费", "electricity", "per_use", "元/度", None, 0, 20),
    ("gas", "燃气费", "gas", "per_use", "元/m³", None, 0, 20),
    ("public_energy", "公共能源分摊", "public_energy", "apportioned", "元/户·月", None, 0, 30),
    ("service", "特约及商务服务", "service", "per_sale", "元/次", None, 0, 0),
]
RATES = [
    ("property", "multi_storey", "1.20"), ("property", "high_rise", "1.80"), ("property", "villa", "2.50"),
    ("property", "shop", "3.00"), ("garbage", "all", "10.00"), ("water", "all", "3.10"),
    ("electricity", "all", "0.5283"), ("gas", "all", "2.53"),
]
CONTENTS = [
    ("customer_service", "客服中心每日 8:30-17:30 值班，受理报修、投诉和咨询；报修在规定时间内派工，完工后回访。"),
    ("customer_service", "每年两次征询业主意见，定期公布物业服务费用收支情况。"),
    ("security", "主出入口 24 小时值守，夜间定时巡逻，车辆出入登记管理。"),
    ("cleaning", "公共区域每日清扫，楼道每周拖洗，生活垃圾日产日清。"),
    ("greening", "绿地定期修剪、浇灌、施肥和病虫害防治，四季保持整洁美观。"),
    ("repairs", "共用部位、共用设施设备日常维修养护，电梯、水泵、消防设施按规定检测。"),
]
PRICES = [
    ("business", "打字", "页", "2.00", "A4，含排版"),
    ("business", "复印", "页", "0.50", "A4 黑白"),
    ("business", "传真", "页", "1.00", None),
    ("special", "疏通下水道", "次", "50.00", "不含材料"),
    ("special", "更换水龙头", "次", "30.00", "人工费，材料另计"),
    ("special", "更换灯具", "次", "20.00", "人工费，材料另计"),
    ("special", "家政保洁", "小时", "40.00", "需提前一天预约"),
    ("agency", "代办有线电视、宽带开通", "次", "0.00", "免费代办"),
    ("agency", "代购燃气卡充值", "次", "0.00", "免费代办"),
]


def seed_fees(estate, today: dt.date, months: int = 12) -> None:
    if db.session.query(FeeItem).filter_by(estate_id=estate.id).first():
        return
    rng = random.Random(SEED)
    with acting_as(name="demo-seed"):
        items = {}
        for order, (code, name, kind, basis, label, rate, grace, due) in enumerate(ITEMS):
            items[code] = FeeItem(
                estate_id=estate.id, code=code, name=name, kind=kind, basis=basis, unit_label=label,
                recurring=basis in rules.RECURRING_BASES, late_fee_daily_rate=rate,
                late_fee_grace_days=grace, due_days=due, sort_order=order,
            )
        db.session.add_all(items.values())
        # the last ``months`` months, the current one included
        index = today.year * 12 + today.month - 1 - (months - 1)
        first = dt.date(index // 12, index % 12 + 1, 1)
        schedule = FeeSchedule(
            estate_id=estate.id, version=1, title="山水湖畔小区物业服务收费标准",
            pricing_basis="南京市物业服务收费管理暂行规定（宁价服〔2005〕60号）", service_grade="一级",
            effective_from=first - dt.timedelta(days=365), status="published",
            published_at=dt.datetime.combine(first - dt.timedelta(days=370), dt.time(9, 0)),
        )
        db.session.add(schedule)
        for code, ptype, rate in RATES:
            db.session.add(FeeRate(schedule=schedule, estate_id=estate.id, fee_item=items[code],
                                   property_type=ptype, rate=D(rate)))
        for order, (area, text) in enumerate(CONTENTS):
            db.session.add(ServiceContent(schedule=schedule, estate_id=estate.id, area=area,
                                          content=text, sort_order=order))
        for order, (kind, name, unit, price, notes) in enumerate(PRICES):
            db.session.add(ServicePrice(estate_id=estate.id, kind=kind, name=name, unit_label=unit,
                                        price=D(price), notes=notes, sort_order=order))
        db.session.commit()
        periods = []
        day = first
        for _ in range(months):
            periods.append(rules.period_of(day))
            day = (day + dt.timedelta(days=32)).replace(day=1)
        for period in periods:
            start, _end = rules.parse_period(period)
            billing.generate(estate.id, period, dt.datetime.combine(start, dt.time(8, 0)))
    # public meters (apportioned public energy) and household water meters, a few months,
    # so that meter charges are there and mostly paid like the rest
    from app.meters.demo import seed_meters

    seed_meters(estate, today, months=min(months, 3))
    _seed_payments(estate, periods, rng, today)


def _seed_payments(estate, periods, rng, today) -> None:
    """Most owners pay each quarter, half-year or year in advance; about 10% fall behind."""
    from collections import defaultdict

    from app.cashdesk.services import post_payment
    from app.fees.models import Charge
    from app.owners.models import Occupancy, Owner

    clerk = _demo_cashier()
    # plain tuples read once: posting commits, and committed ORM objects reload on access
    due: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for unit_id, period, amount in db.session.query(Charge.unit_id, Charge.period, Charge.amount).filter(
        Charge.estate_id == estate.id
    ).order_by(Charge.unit_id):
        due[unit_id][period] += amount
    payer = dict(db.session.query(Occupancy.unit_id, Owner.name).join(Owner, Occupancy.owner_id == Owner.id)
                 .filter(Occupancy.estate_id == estate.id, Occupancy.relation == "owner").all())
    for unit_id in sorted(due):
        r = rng.random()
        paid_until = rng.choice((0, 1, 3, 6, 9, 10)) if r < 0.10 else len(periods)
        chunk = rng.choice((3, 6, 12))
        for start in range(0, paid_until, chunk):
            months = periods[start:min(start + chunk, paid_until)]
            # the first payment also covers the meter charges of the months before the first
            # billed one (app/meters/demo.py seeds them from a year ago): left unpaid they made
            # nearly every owner a debtor of a few fen, overdue on the 31st of a month
            amount = sum((v for m, v in due[unit_id].items() if m in months or (start == 0 and m < periods[0])), D("0"))
            if amount <= 0:
                continue
            if r > 0.97:
                amount += D(rng.choice(("200.00", "500.00", "1000.00")))  # paid ahead: prepaid
            when = dt.datetime.combine(rules.parse_period(months[0])[0] + dt.timedelta(days=rng.randrange(3, 25)),
                                       dt.time(rng.randrange(9, 17), rng.randrange(0, 60)))
            if when.date() > today:
                continue
            method = rng.choice(("cash", "cash", "mobile", "mobile", "bank_transfer", "cheque"))
            post_payment(unit_id, amount, method, clerk, when, payer_name=payer.get(unit_id))


def _demo_cashier():
    """The demo clerk, as a plain record: the posting only reads its id and names."""
    from types import SimpleNamespace

    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username="clerk")
    return SimpleNamespace(id=user.id, username=user.username, first_name=user.first_name)
