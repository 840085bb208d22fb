"""Demo notices for 山水湖畔小区: an announcement, a water outage coming up, a withdrawn one,
a draft, the half-year income and expense disclosure, and where the fee schedule was posted."""
from __future__ import annotations

import datetime as dt

from app.core.audit import acting_as
from app.extensions import db
from app.fees.models import FeeSchedule
from app.publishing import services
from app.publishing.models import Notice, Posting


def seed_notices(estate, now: dt.datetime, supervisor) -> None:
    if db.session.query(Notice.id).filter_by(estate_id=estate.id).first():
        return
    day = now.date()
    with acting_as(name="demo-seed"):
        notices = [
            Notice(estate_id=estate.id, kind="announcement", title="关于开展冬季消防安全检查的通知",
                   body="各位业主、住户：\n\n为做好冬季消防安全工作，管理处将于本月下旬对各楼栋公共区域消防设施进行检查。"
                        "请勿在楼道内堆放杂物，电动车请到指定地点充电。\n\n感谢您的理解与配合！"),
            Notice(estate_id=estate.id, kind="outage", title="停水通知（7 栋、8 栋）",
                   body="因二次供水设备检修，7 栋、8 栋将暂停供水，请提前做好储水准备。给您带来不便，敬请谅解。",
                   starts_at=now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2),
                   ends_at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(17, 0)),
                   caller_script="您好，7 栋、8 栋因二次供水设备检修暂停供水，预计明天 17:00 前恢复。其他楼栋供水正常。"),
            Notice(estate_id=estate.id, kind="fee", title="关于缴纳物业服务费的温馨提示",
                   body="请尚未缴纳本年度物业服务费的业主，到客服中心或通过手机支付缴纳。客服中心办公时间：周一至周日 8:30-17:30。"),
        ]
        db.session.add_all(notices)
        db.session.add(Notice(estate_id=estate.id, kind="announcement", title="（草稿）春节期间服务安排",
                              body="春节期间客服中心值班安排另行通知。"))
        db.session.commit()
    for notice in notices:
        services.publish_notice(notice.id, supervisor, now - dt.timedelta(days=3))
    start = dt.date(day.year, 1, 1) if day.month > 6 else dt.date(day.year - 1, 7, 1)
    end = dt.date(start.year, 6, 30) if start.month == 1 else dt.date(start.year, 12, 31)
    disclosure = services.create_disclosure(
        estate.id, start, end,
        [("人员工资及福利", "286000.00"), ("公共区域水电费", "48560.30"), ("绿化养护", "36200.00"),
         ("清洁卫生", "41800.00"), ("设施设备维修养护", "52340.50"), ("办公及管理费用", "12600.00")],
        f"{start.year}年{'上' if start.month == 1 else '下'}半年物业服务费用收支情况公布", supervisor, now,
    )
    services.publish_notice(disclosure.id, supervisor, now - dt.timedelta(days=1))
    schedule = db.session.query(FeeSchedule).filter_by(estate_id=estate.id, status="published").first()
    with acting_as(name="demo-seed"):
        if schedule is not None:
            for board in ("小区主出入口公告栏", "客服中心公示栏"):
                db.session.add(Posting(estate_id=estate.id, subject="fee_schedule", schedule_id=schedule.id,
                                       board=board, posted_at=dt.datetime.combine(schedule.effective_from, dt.time(9, 0)),
                                       posted_by_id=getattr(supervisor, "id", None)))
        db.session.commit()
