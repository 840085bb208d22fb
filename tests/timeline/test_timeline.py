"""The unit timeline: every register's items in time order, constant queries per source, and
only the kinds the user may read."""
import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import event

from app.core import timeline
from app.core.audit import acting_as
from app.extensions import db
from tests.visits.helpers import make_unit, released

NOW = dt.datetime(2034, 2, 10, 10, 0)
# the sources of this brief (the service desk tests its own)
OWN_SOURCES = ("app.visits.timeline", "app.cashdesk.timeline", "app.collection.timeline", "app.owners.timeline")
OWN_KINDS = {"visit", "charge", "receipt", "collection_action", "payment_reminder", "occupancy", "owner_change"}


_BUSY: list = []  # made once for the module


@pytest.fixture()
def busy_unit(app_ctx, demo_estate):
    """A unit with something in every register: move-in, owner change, charges, a receipt, a
    phone reminder, a payment reminder and a visit, on known days."""
    if _BUSY:
        db.session.commit()
        return _BUSY[0]
    from app.cashdesk.services import post_payment
    from app.collection.models import PaymentReminder
    from app.collection.services import log_action
    from app.fees.models import Charge, FeeItem
    from app.visits.services import record_visit

    clerk = app_ctx.appbuilder.sm.find_user(username="clerk")
    unit, owner = make_unit(demo_estate, "时间线业主", move_in=dt.date(2033, 12, 1))
    item = db.session.query(FeeItem).filter_by(estate_id=demo_estate.id, code="property").one()
    with acting_as(name="test-timeline"):
        for month in (1, 2):
            start = dt.date(2034, month, 1)
            db.session.add(Charge(unit=unit, fee_item=item, period=f"2034-{month:02d}", period_start=start,
                                  period_end=start.replace(day=28), due_date=start + dt.timedelta(days=5),
                                  amount=D("100.00"), paid=D("0"), source="manual",
                                  created_at=dt.datetime(2034, month, 1, 8, 0)))
        owner.phone2 = "13912340000"
        db.session.commit()
    post_payment(unit.id, "100.00", "cash", clerk, dt.datetime(2034, 1, 20, 9, 30))
    log_action(unit.id, "phone", clerk, dt.datetime(2034, 2, 8, 11, 0), result="答应下周交", reached=True)
    with acting_as(clerk):
        db.session.add(PaymentReminder(unit_id=unit.id, estate_id=unit.estate_id, number="CJ2034-90001", year=2034,
                                       seq=90001, round_no=1, stage="first", lang="zh_CN", amount=D("100.00"),
                                       total=D("100.00"), deadline=dt.date(2034, 2, 24), as_of=dt.date(2034, 2, 9),
                                       issued_at=dt.datetime(2034, 2, 9, 16, 0), print_count=1, snapshot="{}"))
        db.session.commit()
    record_visit(estate_ids=[demo_estate.id], actor=clerk, now=NOW, unit_id=unit.id, kind="regular",
                 visit_date=NOW.date(), met_person="时间线业主", opinions="电梯异响")
    _BUSY.append(released(unit))
    return _BUSY[0]


def test_items_from_each_register_newest_first(busy_unit):
    events = timeline.unit_timeline(busy_unit.id)
    kinds = {e.kind for e in events}
    assert OWN_KINDS <= kinds, OWN_KINDS - kinds
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    own = [e for e in events if e.kind in OWN_KINDS - {"owner_change"}]  # audit times are "now"
    assert [e.kind for e in own] == ["visit", "payment_reminder", "collection_action", "charge", "receipt",
                                     "charge", "occupancy"]
    assert "时间线业主" in own[0].title and "电梯异响" in own[0].detail
    changes = [e for e in events if e.kind == "owner_change"]
    assert any("第二电话" in e.detail or "备用电话" in e.detail for e in changes), [e.detail for e in changes]
    assert all("13912340000" not in e.detail + e.title for e in events)  # personal data never shown


def test_kinds_filter_and_limit(busy_unit):
    assert {e.kind for e in timeline.unit_timeline(busy_unit.id, kinds={"visit"})} == {"visit"}
    assert len(timeline.unit_timeline(busy_unit.id, limit=3)) == 3


def test_each_source_runs_a_constant_number_of_queries(app_ctx, busy_unit, demo_estate):
    empty_unit = released(make_unit(demo_estate, "空白")[0])
    counts = {}
    for unit in (busy_unit, empty_unit):
        for name in OWN_SOURCES:
            module = __import__(name, fromlist=["events_for_unit"])
            statements = []

            def count(_conn, _cursor, statement, *_args):
                if statement.lstrip().upper().startswith("SELECT"):  # not BEGIN
                    statements.append(statement)

            db.session.expire_all()
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                list(module.events_for_unit(unit.id))
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            counts.setdefault(name, []).append(len(statements))
    for name, (busy, empty) in counts.items():
        assert busy == empty, (name, busy, empty)


def test_permissions_leave_kinds_out(busy_unit):
    from app.security.roles import allowed

    def can(role):
        return lambda resource: allowed(role, resource, "can_read")

    engineer = {e.kind for e in timeline.unit_timeline(busy_unit.id, can_read=can("Engineer"))}
    assert "charge" not in engineer and "receipt" not in engineer and "visit" not in engineer
    assert "owner_change" in engineer  # engineering reads the owner archive
    accountant = {e.kind for e in timeline.unit_timeline(busy_unit.id, can_read=can("Accountant"))}
    assert {"charge", "receipt", "collection_action"} <= accountant and "visit" not in accountant
    clerk = {e.kind for e in timeline.unit_timeline(busy_unit.id, can_read=can("Clerk"))}
    assert OWN_KINDS <= clerk


@pytest.mark.parametrize("user, sees_charges, sees_visits", [
    ("clerk", True, True), ("manager", True, True), ("engineer", False, False), ("security", False, False),
    ("accountant", True, False),
])
def test_unit_page_and_timeline_page(login, busy_unit, user, sees_charges, sees_visits):
    client = login(user)
    for url in (f"/unitmodelview/show/{busy_unit.id}", f"/timeline/unit/{busy_unit.id}"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        page = resp.get_data(as_text=True)
        assert "unit-timeline" in page
        assert ("timeline-charge" in page) == sees_charges, url
        assert ("timeline-visit" in page) == sees_visits, url
    filtered = client.get(f"/timeline/unit/{busy_unit.id}?kind=occupancy").get_data(as_text=True)
    assert "timeline-charge" not in filtered and "timeline-visit" not in filtered


def test_timeline_of_another_estates_unit_is_not_found(login, busy_unit):
    assert login("clerk_b").get(f"/timeline/unit/{busy_unit.id}").status_code == 404
