"""The monthly summary (page and PDF) and who may see visits."""
import datetime as dt

import pytest

from app.extensions import db
from app.visits import services
from tests.reports.pdfutil import pdf_text, squash
from tests.visits.helpers import make_unit

MONTH = (2033, 6)
NOW = dt.datetime(2033, 6, 30, 17, 0)


_JUNE: list[int] = []  # the unit ids, made once for the module


@pytest.fixture()
def june(app_ctx, demo_estate, clerk, supervisor):
    """June 2033: 7 regular visits (one household twice), 2 irregular, 1 complaint follow-up;
    two opinions, one open follow-up."""
    if _JUNE:
        db.session.commit()  # the user look-ups above opened a transaction: end it
        return list(_JUNE)
    units = [make_unit(demo_estate, f"六月{i}")[0] for i in range(8)]
    ids = [demo_estate.id]

    def rec(unit, day, kind="regular", actor=clerk, **kw):
        return services.record_visit(estate_ids=ids, actor=actor, now=NOW, unit_code=unit.code, kind=kind,
                                     visit_date=dt.date(2033, 6, day), **kw)

    for i in range(6):
        rec(units[i], 6 + i % 3, actor=clerk if i < 4 else supervisor)
    rec(units[0], 20)
    rec(units[6], 14, kind="irregular", opinions="希望增设快递柜六月")
    rec(units[7], 15, kind="irregular", requests="请修剪树木六月", follow_up="通知绿化班六月", follow_up_needed=True)
    rec(units[1], 22, kind="complaint")
    services.record_visit(estate_ids=ids, actor=clerk, now=NOW, unit_code=units[2].code, kind="regular",
                          visit_date=dt.date(2033, 5, 31))  # May: not in the summary
    _JUNE.extend(u.id for u in units)
    db.session.commit()
    return list(_JUNE)


def test_summary_counts(june, demo_estate):
    s = services.monthly_summary(demo_estate.id, *MONTH, NOW.date())
    assert (s.visits, s.households) == (10, 8)
    assert s.by_kind["regular"] == (7, 6) and s.by_kind["irregular"] == (2, 2) and s.by_kind["complaint"] == (1, 1)
    staff = {r.name: r for r in s.staff_rows}
    assert staff["王丽"].visits == 8 and staff["陈静"].visits == 2
    weekly = [q for q in s.quota_lines if q.kind == "regular"]
    # every week overlapping June, the one from 05-30 too (its 05-31 visit counts for that week)
    assert [q.start for q in weekly] == [dt.date(2033, 5, 30)] + [dt.date(2033, 6, d) for d in (6, 13, 20, 27)]
    assert [q.done for q in weekly] == [1, 6, 0, 1, 0] and not any(q.met for q in weekly)
    # on 06-30 the week of 06-27 is not over: under way, not missed
    assert [v for q, v in s.quota_verdicts if q.kind == "regular"] == ["missed"] * 4 + ["open"]
    monthly = [q for q in s.quota_lines if q.kind == "irregular"]
    assert len(monthly) == 1 and monthly[0].done == 2 and not monthly[0].met
    assert [o.opinions or o.requests for o in s.opinions] == ["希望增设快递柜六月", "请修剪树木六月"]
    assert any(o.follow_up == "通知绿化班六月" for o in s.open_follow_ups)


def test_summary_pdf_holds_the_counts(june, demo_estate):
    from reports.visit_summary import visit_summary_pdf

    text = squash(pdf_text(visit_summary_pdf(demo_estate.id, *MONTH, printed_on=NOW.date())))
    for expected in ("2033-06", "希望增设快递柜六月", "请修剪树木六月", "通知绿化班六月", "王丽", "陈静",
                     "山水湖畔小区", "2033-06-06", "2033-06-27"):
        assert squash(expected) in text, expected
    english = squash(pdf_text(visit_summary_pdf(demo_estate.id, *MONTH, lang="en", printed_on=NOW.date())))
    assert "Monthlyvisitsummary2033-06" in english
    assert "10visitsto8households;" in english
    # kind, visits, households: regular 7/6, irregular 2/2, important 0/0, complaint follow-up 1/1
    assert "Regularvisit76Irregularvisit22Important-clientvisit00Complaintfollow-upvisit11" in english


def test_summary_page_and_pdf_over_http(login, june, demo_estate):
    client = login("manager")
    page = client.get("/visits/summary?month=2033-06").get_data(as_text=True)
    assert "希望增设快递柜六月" in page and "通知绿化班六月" in page
    resp = client.get("/visits/summary.pdf?month=2033-06&lang=en")
    assert resp.status_code == 200 and resp.content_type == "application/pdf"
    assert "10visitsto8households" in squash(pdf_text(resp.data))


def test_quota_panel_page(login):
    page = login("clerk").get("/visits/quota").get_data(as_text=True)
    assert "quota-lines" in page and 'data-kind="regular"' in page


@pytest.mark.parametrize("user, can_read, can_write", [
    ("clerk", True, True), ("supervisor", True, True), ("manager", True, False),
    ("accountant", False, False), ("engineer", False, False), ("security", False, False),
])
def test_who_may_see_and_record_visits(login, user, can_read, can_write):
    client = login(user)
    assert client.get("/visitmodelview/list/").status_code == (200 if can_read else 403)
    assert client.get("/visits/quota").status_code == (200 if can_read else 403)
    assert client.get("/visitmodelview/add").status_code == (200 if can_write else 403)


def test_only_the_supervisor_sets_quotas(login):
    assert login("supervisor").get("/visitquotamodelview/add").status_code == 200


def test_clerk_cannot_set_quotas(login):
    assert login("clerk").get("/visitquotamodelview/add").status_code == 403


def test_signature_image_of_another_estate_is_not_found(login, app, june):
    from app.visits.models import Visit

    db.session.rollback()  # the test and its requests share one session: see what they wrote
    pk = db.session.query(Visit.id).filter(Visit.unit_id == june[0]).first()[0]
    assert login("clerk_b").get(f"/visits/signature/{pk}").status_code == 404


def test_second_quota_of_a_kind_is_refused(app_ctx, demo_estate):
    from app.exceptions import DomainError
    from app.visits.models import VisitQuota

    with pytest.raises(DomainError):
        services.check_quota(VisitQuota(estate_id=demo_estate.id, kind="regular", period="week", min_households=5))
    with pytest.raises(DomainError):
        services.check_quota(VisitQuota(estate_id=demo_estate.id, kind="irregular", period="month"))
    db.session.rollback()


def test_this_months_summary_has_the_week_it_begins_in_and_does_not_judge_what_is_to_come(login, demo_estate):
    """The summary of the office's month: its first row is the week holding the 1st (which may
    begin in the month before), and weeks not over read 进行中 / 未开始, never 否."""
    import re

    from app.core import clock
    from app.visits import rules

    today = clock.today()
    weeks = rules.weeks_of_month(today.year, today.month)
    client = login("manager")
    page = client.get(f"/visits/summary?month={today:%Y-%m}").get_data(as_text=True)
    rows = re.findall(r'<tr class="quota-(\w+)[^"]*"><td>[^<]*</td><td>([\d-]{10}) – ([\d-]{10})</td>', page)
    weekly = [(v, start, end) for v, start, end in rows
              if dt.date.fromisoformat(end) - dt.date.fromisoformat(start) == dt.timedelta(days=6)]
    assert weekly[0][1:] == (weeks[0][0].isoformat(), weeks[0][1].isoformat())
    for verdict, start, end in weekly:
        start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if start > today:
            assert verdict == "future"
        elif end >= today:
            assert verdict in ("open", "met")
        else:
            assert verdict in ("met", "missed")
    if weeks[-1][0] > today:
        assert "未开始" in page
