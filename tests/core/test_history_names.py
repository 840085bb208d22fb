"""Records read in words (issue 13): a record's own history and System → Change log name the
related records — staff by 姓名, units by room code, receipts by number — never a blank and
never "#28"."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from tests.conftest import do_login


def _work_order_dispatched_to_a_worker(app):
    """A repair taken in for 3-2-501 and dispatched to a named engineer, through the services."""
    from app.core import clock
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate
    from app.estate.services import find_unit_by_code
    from app.servicedesk import services

    with app.app_context():
        sm = app.appbuilder.sm
        clerk, engineer = sm.find_user(username="clerk"), sm.find_user(username="engineer")
        estate_id = db.session.scalar(select(Estate.id).where(Estate.name == ESTATE_NAME))
        unit = find_unit_by_code([estate_id], "3-2-501")[0]
        wo = services.create_work_order(dict(unit_id=unit.id, caller="历史测试", phone="13900001111", channel="phone",
                                             category="water", description="历史测试"), clerk, clock.now(),
                                        [estate_id])
        services.transition_work_order(wo.id, "dispatch", clerk, clock.now(), estate_ids=[estate_id],
                                       department="engineering", worker_id=engineer.id)
        return wo.id, wo.number, engineer.first_name


def _history_cells(html: str) -> list[list[str]]:
    block = html[html.index("record-history"):]
    rows = re.findall(r"<tr>(.*?)</tr>", block, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]


def test_a_work_orders_history_names_its_unit_and_worker(app, client):
    wo_id, _number, worker = _work_order_dispatched_to_a_worker(app)
    assert worker
    do_login(client, "supervisor")
    cells = _history_cells(client.get(f"/workordermodelview/show/{wo_id}").get_data(as_text=True))
    by_field = {row[3]: row for row in cells if len(row) == 6}
    assert by_field["房屋"][5] == "3-2-501", cells
    assert by_field["维修人员"][5] == worker, cells
    assert by_field["受理人"][5] and not by_field["受理人"][5].isdigit(), cells  # the clerk who took it in
    for row in (r for r in cells if len(r) == 6):
        assert not any(re.fullmatch(r"#\d+", c) for c in row[4:]), row


def test_the_change_log_names_related_records(app, client):
    _wo_id, _number, worker = _work_order_dispatched_to_a_worker(app)
    do_login(client, "manager")
    html = client.get("/auditlogmodelview/list/?_flt_0_table_name=work_order&psize_AuditLogModelView=100"
                      ).get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "3-2-501" in text and worker in text
    assert not re.search(r"#\d+", text)
    # the whole log's first page too
    page = re.sub(r"<[^>]+>", " ", client.get("/auditlogmodelview/list/?psize_AuditLogModelView=100"
                                              ).get_data(as_text=True))
    assert not re.search(r"#\d+", page)


def test_one_statement_names_records_of_many_registers(app):
    from app.core.history import related_names

    with app.app_context(), app.test_request_context("/"):
        from app.cashdesk.models import Receipt
        from app.estate.models import Unit

        receipt = db.session.scalar(select(Receipt).order_by(Receipt.id).limit(1))
        unit = db.session.scalar(select(Unit).order_by(Unit.id).limit(1))
        user = app.appbuilder.sm.find_user(username="clerk")
        names = related_names({("receipt", str(receipt.id)), ("unit", str(unit.id)), ("ab_user", str(user.id)),
                               ("unit", "99999999"), ("unit", "x")})
        assert names[("receipt", str(receipt.id))] == receipt.number
        assert names[("unit", str(unit.id))] == unit.code
        assert names[("ab_user", str(user.id))] == user.first_name
        assert names[("unit", "99999999")] == "（已不在记录中）"
