"""Demo work orders, complaints and callbacks for the demo estate, in various states, so the
lists, the overview and the home page are not empty. Deterministic for a given ``now``."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.servicedesk import complaints, services

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)

WORK_ORDERS = [
    # (room index, caller, phone, channel, category, urgency, description, steps back from now)
    # first: a guard's patrol finding, sent to engineering (the first record both department roles see)
    (5, "巡逻岗", "025-52001234", "patrol", "common_area", "low", "楼栋北侧草坪喷灌头损坏，一直冒水",
     [("dispatch", 5 * H)]),
    (0, "刘先生", "13851230001", "phone", "water", "urgent", "厨房水管接头漏水，地面已积水", []),
    (1, "陈女士", "13851230002", "phone", "electricity", "normal", "卫生间插座没电，空气开关推不上",
     [("dispatch", 3 * H), ("start", 2 * H)]),
    (2, "王阿姨", "13851230003", "walk_in", "doors_windows", "low", "阳台推拉窗滑轮损坏，关不严",
     [("dispatch", 2 * D), ("start", 2 * D - 2 * H), ("complete", 1 * D), ("return_stub", 20 * H)]),
    (3, "赵先生", "13851230004", "phone", "common_area", "normal", "5 楼楼道灯不亮",
     [("dispatch", 4 * D), ("start", 4 * D - H), ("complete", 4 * D - 3 * H), ("return_stub", 3 * D),
      ("callback_ok", 2 * D), ("close", 2 * D - H)]),
    (4, "孙女士", "13851230005", "phone", "water", "normal", "马桶水箱一直流水",
     [("dispatch", 6 * D), ("start", 6 * D - H), ("complete", 6 * D - 2 * H), ("return_stub", 5 * D),
      ("callback_bad", 5 * D - 2 * H), ("start", 4 * D), ("complete", 4 * D - H), ("return_stub", 3 * D),
      ("callback_ok", 2 * D), ("close", 2 * D - H)]),
]
COMPLAINTS = [
    (6, "周先生", "13851230011", "phone", "environment", "cleaning", False, "楼道垃圾两天没有清运", 5 * D,
     [("dispatch", 5 * D - H)]),
    (7, "吴女士", "13851230012", "walk_in", "attitude", "customer_service", False, "前台接待不耐烦", 3 * D,
     [("dispatch", 3 * D - H), ("handle", 2 * D)]),
    (8, "郑先生", "13851230013", "phone", "noise", "security", True, "楼上装修晚上十点后仍在施工", 1 * D,
     [("dispatch", 20 * H)]),
    (9, "冯女士", "13851230014", "phone", "fees", "customer_service", False, "对水费账单有疑问", 8 * D,
     [("dispatch", 8 * D - H), ("handle", 7 * D), ("callback_ok", 6 * D), ("close", 6 * D - H)]),
]


def seed_service_desk(estate, now: dt.datetime) -> None:
    from app.estate.models import Unit

    sm = current_app.appbuilder.sm
    clerk, engineer, supervisor, guard = (sm.find_user(username=n) for n in ("clerk", "engineer", "supervisor",
                                                                              "security"))
    if clerk is None:
        return
    units = db.session.scalars(select(Unit).where(Unit.estate_id == estate.id).order_by(Unit.sort_key)
                               .limit(40)).all()[::4]
    ids = [estate.id]
    for idx, caller, phone, channel, category, urgency, text, steps in WORK_ORDERS:
        back = sum((b for _a, b in steps[:1]), dt.timedelta()) + 10 * M if steps else (20 * M if idx == 0 else 2 * H)
        actor = guard if channel == "patrol" and guard else clerk
        wo = services.create_work_order(dict(unit_id=units[idx].id, caller=caller, phone=phone, channel=channel,
                                             category=category, urgency=urgency, description=text),
                                        actor, now - back, ids)
        for action, ago in steps:
            at = now - ago
            if action in ("callback_ok", "callback_bad"):
                services.record_callback(actor=clerk, now=at, estate_ids=ids, work_order_id=wo.id, reached=True,
                                         satisfied=action == "callback_ok",
                                         notes="业主表示满意" if action == "callback_ok" else "仍然漏水，业主不满意",
                                         supervisor_id=engineer.id if engineer else None)
            else:
                who = engineer if action in ("start", "complete") and engineer else clerk
                services.transition_work_order(wo.id, action, who, at, estate_ids=ids, department="engineering",
                                               worker_id=engineer.id if engineer else None,
                                               note="已更换配件" if action == "complete" else None)
    for idx, caller, phone, channel, category, dept, major, text, ago0, steps in COMPLAINTS:
        c = complaints.create_complaint(dict(unit_id=units[idx].id, caller=caller, phone=phone, channel=channel,
                                             category=category, department=dept, major=major, description=text,
                                             reply_due=(now + 2 * D).date() if major else None),
                                        clerk, now - ago0, ids)
        for action, ago in steps:
            at = now - ago
            if action == "callback_ok":
                services.record_callback(actor=supervisor or clerk, now=at, estate_ids=ids, complaint_id=c.id,
                                         reached=True, satisfied=True, notes="业主认可处理结果")
            else:
                complaints.transition_complaint(c.id, action, clerk, at, estate_ids=ids, department=dept,
                                                note="已与业主沟通并处理完毕" if action == "handle" else None)
