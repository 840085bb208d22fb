"""A deterministic month of demo visits (the five weeks up to today), so the quota panel and
the monthly summary have something to show on a fresh demo."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import random

from sqlalchemy import select

from app.core.audit import acting_as
from app.estate.models import Unit
from app.extensions import db
from app.owners.models import Occupancy, Owner
from app.visits.models import Visit
from app.visits.services import ensure_default_quotas

SEED = 20261128
OPINIONS = [
    "小区绿化养护较好，希望继续保持。", "地下车库照明偏暗，晚上出行不便。", "电梯偶有异响，希望尽快检修。",
    "对保洁工作满意。", "楼道内有杂物堆放，影响通行。", "希望增加非机动车充电桩。",
    "门岗对外来人员登记不够严格。", "物业费缴纳方式希望增加手机支付。", "",
]
REQUESTS = ["希望修剪楼下树木。", "请检查楼顶防水。", "希望公布公共收益使用情况。", "", "", ""]


def _signature_png(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("L", (300, 100), 255)
    draw = ImageDraw.Draw(img)
    x, y = 20, 50
    for _ in range(12):
        nx, ny = x + rng.randint(10, 25), max(10, min(90, y + rng.randint(-30, 30)))
        draw.line((x, y, nx, ny), fill=0, width=3)
        x, y = nx, ny
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def seed_visits(estate, today: dt.date, staff: list) -> int:
    """About seventy visits by ``staff`` (users) over the five weeks up to ``today``."""
    if db.session.scalar(select(Visit.id).where(Visit.estate_id == estate.id).limit(1)):
        return 0
    ensure_default_quotas(estate.id)
    rng = random.Random(SEED)
    units = list(db.session.execute(
        select(Unit.id, Owner.name, Owner.important_client).join(Occupancy, Occupancy.unit_id == Unit.id)
        .join(Owner, Owner.id == Occupancy.owner_id)
        .where(Unit.estate_id == estate.id, Occupancy.move_out_date.is_(None), Occupancy.relation == "owner")
        .order_by(Unit.sort_key)))
    important = [u for u in units if u.important_client]
    staff = [s for s in staff if s is not None]
    made = 0
    with acting_as(name="demo-seed"):
        for back in range(34, -1, -1):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            plan = ["regular"] * rng.randint(2, 3) + (["irregular"] if rng.random() < 0.5 else [])
            if day.weekday() == 1 and important:
                plan += ["important"] * min(len(important), 3)
            if rng.random() < 0.15:
                plan.append("complaint")
            for kind in plan:
                unit = rng.choice(important if kind == "important" else units)
                who = staff[made % len(staff)] if staff else None
                signature_kind = rng.choice(["drawn", "drawn", "paper", "none"]) if kind != "complaint" else "drawn"
                data = _signature_png(rng) if signature_kind != "none" else None
                follow = rng.random() < 0.2
                db.session.add(Visit(
                    unit_id=unit.id, estate_id=estate.id, kind=kind, visit_date=day,
                    staff_id=getattr(who, "id", None), met_person=unit.name, opinions=rng.choice(OPINIONS) or None,
                    requests=rng.choice(REQUESTS) or None,
                    follow_up="安排工程部上门查看。" if follow else None, follow_up_needed=follow,
                    follow_up_done=follow and back > 14, signature_kind=signature_kind, signature=data,
                    signature_mime="image/png" if data else None,
                    signature_sha256=hashlib.sha256(data).hexdigest() if data else None,
                    created_at=dt.datetime.combine(day, dt.time(10 + made % 7, (made * 7) % 60))))
                made += 1
        db.session.commit()
    return made
