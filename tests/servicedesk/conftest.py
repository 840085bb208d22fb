"""Fixtures of the service-desk tests: the demo users and a helper creating a work order through
the services at a fixed time (2031, so the numbers do not meet the demo's)."""
from __future__ import annotations

import datetime as dt

import pytest

NOW = dt.datetime(2031, 3, 2, 9, 0)


@pytest.fixture()
def users(app_ctx):
    sm = app_ctx.appbuilder.sm
    return {n: sm.find_user(username=n) for n in ("clerk", "engineer", "supervisor", "security", "manager",
                                                  "clerk_b")}


@pytest.fixture()
def estate_ids(demo_estate):
    return [demo_estate.id]


@pytest.fixture()
def unit(demo_estate):
    from app.estate.services import find_unit_by_code

    return find_unit_by_code([demo_estate.id], "3-2-501")[0]


@pytest.fixture()
def make_wo(app_ctx, users, estate_ids, unit):
    from app.servicedesk import services

    def _make(now=NOW, **over):
        data = dict(unit_id=unit.id, caller="测试业主", phone="13900001111", channel="phone", category="water",
                    urgency="normal", description="卫生间水管漏水（测试）")
        data.update(over)
        return services.create_work_order(data, users["clerk"], now, estate_ids)

    return _make


@pytest.fixture()
def move(app_ctx, users, estate_ids):
    """move(wo, "dispatch", "start", ...): the clerk (and the engineer for start/complete) step it on."""
    from app.servicedesk import services

    def _move(wo, *actions, now=NOW, department="engineering"):
        for action in actions:
            who = users["engineer"] if action in ("start", "complete") else users["clerk"]
            services.transition_work_order(wo.id, action, who, now, estate_ids=estate_ids,
                                           departments=services.departments_of(who), department=department)
        return wo

    return _move
