"""An engineer's home page lists the department's repairs not yet done (their to-do list); other
departments' work and a clerk's home page do not get that list."""
import datetime as dt

from app.core import clock
from app.extensions import db
from app.servicedesk import services
from tests.conftest import do_login, logout


def _dispatched(app, department: str, description: str) -> str:
    with app.app_context():
        sm = app.appbuilder.sm
        clerk = sm.find_user(username="clerk")
        now = clock.now() - dt.timedelta(minutes=5)
        wo = services.create_work_order(dict(unit_code="3-2-501", caller="待办测试", phone="13611240002",
                                             channel="phone", category="water", urgency="low",
                                             description=description), clerk, now, [1])
        services.transition_work_order(wo.id, "dispatch", clerk, now, department=department)
        number = wo.number
        db.session.commit()
        return number


def test_engineer_sees_the_departments_open_repairs_on_the_home_page(app, client):
    ours = _dispatched(app, "engineering", "待办：工程部")
    theirs = _dispatched(app, "security", "待办：护卫部")
    do_login(client, "engineer")
    home = client.get("/").get_data(as_text=True)
    assert "department-work-order" in home and ours in home
    assert theirs not in home
    logout(client)
    do_login(client, "clerk")
    home = client.get("/").get_data(as_text=True)
    assert "department-work-order" not in home  # the desk sees late ones only, not every open order
