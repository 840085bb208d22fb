"""Work orders, complaints and callbacks through the services: numbering, the step log, paid
repairs, redo on an unsatisfied callback, refusals that change nothing, the clock-based SLA."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.exceptions import DomainError, NotFound
from app.extensions import db
from app.servicedesk import complaints, services
from app.servicedesk.models import Callback, WorkOrder, WorkOrderEvent
from tests.servicedesk.conftest import NOW


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_numbers_are_per_estate_and_year_without_gaps(make_wo):
    a, b = make_wo(), make_wo()
    assert a.number.startswith("BX2031-") and len(a.number) == len("BX2031-00012")
    assert b.seq == a.seq + 1 and b.number == f"BX2031-{b.seq:05d}"
    assert a.state == "received" and a.events[0].action == "intake"


def test_time_limits_come_from_the_settings_or_defaults(make_wo):
    wo = make_wo(urgency="urgent")
    assert wo.dispatch_due == NOW + dt.timedelta(minutes=15)
    assert wo.complete_due == NOW + dt.timedelta(hours=4)


def test_full_path_logs_every_step_with_who_and_when(make_wo, move, users, estate_ids):
    wo = move(make_wo(), "dispatch", "start", "complete", "return_stub")
    services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                             reached=True, satisfied=True, notes="满意")
    move(wo, "close")
    assert wo.state == "closed" and wo.closed_at == NOW
    steps = [(e.action, e.to_state) for e in wo.events]
    assert steps == [("intake", "received"), ("dispatch", "dispatched"), ("start", "in_progress"),
                     ("complete", "completed"), ("return_stub", "stub_returned"),
                     ("callback_ok", "called_back"), ("close", "closed")]
    assert wo.events[2].actor_id == users["engineer"].id
    # audited
    from app.core.audit import history

    assert history("work_order", wo.id)


def test_illegal_transition_is_refused_and_changes_nothing(make_wo, users, estate_ids):
    wo = make_wo()
    events = len(wo.events)
    with pytest.raises(DomainError) as err:
        services.transition_work_order(wo.id, "complete", users["clerk"], NOW, estate_ids=estate_ids)
    db.session.rollback()
    assert err.value.field == "action"
    db.session.refresh(wo)
    assert wo.state == "received" and len(wo.events) == events


def test_unsatisfied_callback_reopens_as_a_supervised_redo(make_wo, move, users, estate_ids):
    wo = move(make_wo(), "dispatch", "start", "complete", "return_stub")
    with pytest.raises(DomainError) as err:  # the supervisor must be named
        services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                                 reached=True, satisfied=False)
    db.session.rollback()
    assert err.value.field == "supervisor"
    services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                             reached=True, satisfied=False, notes="还漏", supervisor_id=users["supervisor"].id)
    assert wo.state == "redo" and wo.redo_count == 1 and wo.redo_supervisor_id == users["supervisor"].id
    move(wo, "start", "complete", "return_stub")
    services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                             reached=True, satisfied=True)
    move(wo, "close")
    closed, redone, rate = services.pass_rate_for(estate_ids, NOW.date(), NOW.date())
    assert closed >= 1 and redone >= 1 and rate < 1


def test_callback_not_reached_changes_no_state(make_wo, move, users, estate_ids):
    wo = move(make_wo(), "dispatch", "start", "complete", "return_stub")
    services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                             reached=False)
    assert wo.state == "stub_returned"


def test_callback_for_a_closed_item_is_refused(make_wo, move, users, estate_ids):
    wo = move(make_wo(), "dispatch", "start", "complete", "return_stub")
    services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                             reached=True, satisfied=True)
    move(wo, "close")
    before = _count(Callback)
    with pytest.raises(DomainError) as err:
        services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                                 reached=True, satisfied=True)
    db.session.rollback()
    assert "closed" in str(err.value) or "关闭" in str(err.value)
    assert _count(Callback) == before


def test_callback_before_the_stub_is_refused(make_wo, users, estate_ids):
    wo = make_wo()
    with pytest.raises(DomainError):
        services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, work_order_id=wo.id,
                                 reached=True, satisfied=True)
    db.session.rollback()


@pytest.mark.parametrize("bad", [dict(unit_id=999999), dict(unit_id=None, unit_code="99-9-999"),
                                 dict(phone="abc"), dict(channel="fax"), dict(description="  ")])
def test_bad_intake_is_refused_and_writes_nothing(make_wo, bad):
    before = (_count(WorkOrder), _count(WorkOrderEvent))
    with pytest.raises(DomainError):
        make_wo(**bad)
    assert (_count(WorkOrder), _count(WorkOrderEvent)) == before


def test_unit_of_another_estate_is_refused(make_wo, other_estate):
    from app.estate.models import Unit

    foreign = db.session.scalar(select(Unit).where(Unit.estate_id == other_estate.id))
    with pytest.raises(DomainError) as err:
        make_wo(unit_id=foreign.id)
    assert err.value.field == "unit_code"


def test_room_code_is_found_as_in_the_quick_search(make_wo, unit):
    assert make_wo(unit_id=None, unit_code="3-2-501").unit_id == unit.id


def test_paid_repair_becomes_a_charge_when_completed(make_wo, move, demo_estate):
    from app.fees.models import Charge, ServicePrice

    price = db.session.scalar(select(ServicePrice).where(ServicePrice.estate_id == demo_estate.id,
                                                         ServicePrice.active.is_(True), ServicePrice.price > 0))
    with pytest.raises(DomainError):
        make_wo(paid=True)  # no service chosen
    wo = make_wo(paid=True, service_price=price.id, quantity="2")
    assert wo.quantity == Decimal("2.00")
    move(wo, "dispatch", "start", "complete")
    charge = db.session.get(Charge, wo.charge_id)
    assert charge.unit_id == wo.unit_id and charge.amount == price.price * 2 and wo.number in charge.description


def test_engineer_moves_only_own_department(make_wo, move, users, estate_ids):
    engineer = users["engineer"]
    assert services.departments_of(engineer) == {"engineering"}
    assert services.departments_of(users["clerk"]) is None
    wo = move(make_wo(), "dispatch", department="cleaning")
    with pytest.raises(NotFound):
        services.transition_work_order(wo.id, "start", engineer, NOW, estate_ids=estate_ids,
                                       departments=services.departments_of(engineer))
    db.session.rollback()
    wo2 = move(make_wo(), "dispatch")
    with pytest.raises(DomainError):  # the desk dispatches, not the engineer
        services.transition_work_order(wo2.id, "dispatch", engineer, NOW, estate_ids=estate_ids,
                                       departments={"engineering"}, department="engineering")
    db.session.rollback()


def test_overdue_flag_follows_the_clock(make_wo, monkeypatch):
    from app.core import clock

    wo = make_wo(urgency="urgent")
    monkeypatch.setattr(clock, "now", lambda: NOW + dt.timedelta(minutes=5))
    assert wo.sla == ""
    monkeypatch.setattr(clock, "now", lambda: NOW + dt.timedelta(minutes=13))
    assert wo.sla == "soon"
    monkeypatch.setattr(clock, "now", lambda: NOW + dt.timedelta(minutes=20))
    assert wo.sla == "late"
    late = services.late_work_orders([wo.estate_id], NOW + dt.timedelta(minutes=20))
    assert wo in late


def _complaint(users, estate_ids, unit, now=NOW, **over):
    data = dict(unit_id=unit.id, caller="投诉人", phone="13900002222", channel="phone", category="noise",
                description="夜间施工噪音（测试）")
    data.update(over)
    return complaints.create_complaint(data, users["clerk"], now, estate_ids)


def test_complaint_flow_unsatisfied_callback_reopens(users, estate_ids, unit):
    c = _complaint(users, estate_ids, unit)
    assert c.number.startswith("TS2031-")
    complaints.transition_complaint(c.id, "dispatch", users["clerk"], NOW, estate_ids=estate_ids, department="security")
    complaints.add_note(c.id, "已联系装修户", users["clerk"], NOW, estate_ids)
    complaints.transition_complaint(c.id, "handle", users["clerk"], NOW, estate_ids=estate_ids, note="已要求停工")
    services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, complaint_id=c.id,
                             reached=True, satisfied=False, notes="仍有噪音")
    assert c.state == "reopened" and c.reopen_count == 1
    complaints.transition_complaint(c.id, "handle", users["clerk"], NOW, estate_ids=estate_ids, note="已再次处理")
    services.record_callback(actor=users["clerk"], now=NOW, estate_ids=estate_ids, complaint_id=c.id,
                             reached=True, satisfied=True)
    complaints.transition_complaint(c.id, "close", users["clerk"], NOW, estate_ids=estate_ids)
    assert c.state == "closed" and len(c.notes) >= 5
    with pytest.raises(DomainError):
        complaints.add_note(c.id, "太晚了", users["clerk"], NOW, estate_ids)
    db.session.rollback()


def test_unresolved_complaint_is_escalated_after_n_days(users, estate_ids, unit):
    c = _complaint(users, estate_ids, unit, now=NOW - dt.timedelta(days=4))
    assert c in complaints.escalated_complaints(estate_ids, NOW, limit=1000)
    fresh = _complaint(users, estate_ids, unit, now=NOW - dt.timedelta(days=1))
    assert fresh not in complaints.escalated_complaints(estate_ids, NOW, limit=1000)


def test_handling_needs_a_result(users, estate_ids, unit):
    c = _complaint(users, estate_ids, unit)
    complaints.transition_complaint(c.id, "dispatch", users["clerk"], NOW, estate_ids=estate_ids, department="cleaning")
    with pytest.raises(DomainError):
        complaints.transition_complaint(c.id, "handle", users["clerk"], NOW, estate_ids=estate_ids, note="")
    db.session.rollback()


def test_timeline_source(make_wo, move, users, estate_ids, unit):
    from app.servicedesk.timeline import KINDS, events_for_unit

    wo = move(make_wo(), "dispatch")
    _complaint(users, estate_ids, unit)
    events = events_for_unit(unit.id)
    kinds = {e.kind for e in events}
    assert {"work_order", "complaint"} <= kinds <= set(KINDS)
    assert any(wo.number in e.title for e in events)


def test_timeline_source_costs_constant_queries(app_ctx, unit, make_wo):
    from sqlalchemy import event

    from app.servicedesk.timeline import events_for_unit

    seen = []

    def count(_conn, _cursor, statement, *_a):
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    unit_id = unit.id
    make_wo()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        events_for_unit(unit_id)
        first = len(seen)
        make_wo(), make_wo()
        seen.clear()
        events_for_unit(unit_id)
        assert len(seen) == first <= 8, [" ".join(x.split())[:150] for x in seen]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
