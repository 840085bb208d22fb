"""The phone call (issue 13): 报修 and 投诉 from the unit page and the caller card open the intake
with the room, the caller and the phone typed in; once saved, the record page shows the new
number large enough to read back. And the intake's defaults: urgency 一般, office Chinese
category names, the channel labelled 来源."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.servicedesk.models import Complaint, WorkOrder
from tests.conftest import do_login
from tests.core.formwalk import input_values, read_form
from tests.servicedesk.test_pages import csrf_token


def _unit_and_owner(app):
    from app.estate.services import find_unit_by_code
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate

    with app.app_context():
        estate = db.session.scalar(select(Estate).where(Estate.name == ESTATE_NAME))
        unit = find_unit_by_code([estate.id], "3-2-501")[0]
        occ = sorted((o for o in unit.current_occupants if o.owner), key=lambda o: (o.relation != "owner", o.id))[0]
        return unit.id, occ.owner.id, occ.owner.name, occ.owner.phone


def _link(html, css):
    m = re.search(r'<a class="btn [^"]*%s[^"]*" href="([^"]+)"' % css, html) or \
        re.search(r'href="([^"]+)"[^>]*>\s*<i class="fa fa-wrench' if css == "intake-repair" else r'$^', html)
    assert m, f"no {css} button"
    return m.group(1).replace("&amp;", "&")


def test_unit_page_offers_repair_and_complaint_prefilled(app, client):
    unit_id, _owner_id, name, phone = _unit_and_owner(app)
    do_login(client, "clerk")
    page = client.get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True)
    assert "报修" in page and "投诉" in page
    for css, add in (("intake-repair", "/workordermodelview/add"), ("intake-complaint", "/complaintmodelview/add")):
        url = _link(page, css)
        assert urlparse(url).path == add
        assert parse_qs(urlparse(url).query) == {"unit_code": ["3-2-501"], "caller": [name], "phone": [phone]}
        form = input_values(client.get(url).get_data(as_text=True))
        assert (form["unit_code"], form["caller"], form["phone"]) == ("3-2-501", name, phone)


def test_caller_card_offers_repair_and_complaint_for_each_room(app, client):
    _unit_id, owner_id, name, phone = _unit_and_owner(app)
    do_login(client, "clerk")
    page = client.get(f"/search/caller/{owner_id}").get_data(as_text=True)
    url = _link(page, "intake-repair")
    form = input_values(client.get(url).get_data(as_text=True))
    assert (form["caller"], form["phone"]) == (name, phone) and form["unit_code"]
    assert "/complaintmodelview/add?" in page


def test_a_role_without_intake_gets_no_buttons(app, client):
    unit_id, owner_id, *_ = _unit_and_owner(app)
    do_login(client, "accountant")
    resp = client.get(f"/unitmodelview/show/{unit_id}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "3-2-501" in page
    assert "intake-repair" not in page and "intake-complaint" not in page


def test_prefill_takes_no_control_characters_and_no_overlong_text(app, client):
    do_login(client, "clerk")
    html = client.get("/workordermodelview/add?unit_code=%203-2-501%20&caller=%E5%BC%A0%00%E4%B8%89"
                      "&phone=" + "1" * 80).get_data(as_text=True)
    form = input_values(html)
    assert form["unit_code"] == "3-2-501" and form["caller"] == "" and form["phone"] == "1" * 30


def _send(client, add_url):
    """Open the prefilled intake, type the description and save it as a browser would."""
    html = client.get(add_url).get_data(as_text=True)
    fields = [(k, v) for k, v in read_form(html) if k != "description"] + [("description", "厨房水龙头漏水\r\n请尽快")]
    return client.post(urlparse(add_url).path, data=MultiDict(fields))


def test_after_saving_the_page_shows_the_new_number_to_read_back(app, client):
    unit_id, _owner_id, name, _phone = _unit_and_owner(app)
    do_login(client, "clerk")
    page = client.get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True)
    for css, model, prefix in (("intake-repair", WorkOrder, "BX"), ("intake-complaint", Complaint, "TS")):
        resp = _send(client, _link(page, css))
        assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
        with app.app_context():
            rec = db.session.scalar(select(model).order_by(model.id.desc()))
            number, caller, pk = rec.number, rec.caller, rec.id
        assert number.startswith(prefix) and caller == name
        assert urlparse(resp.headers["Location"]).path.endswith(f"/show/{pk}")
        shown = client.get(resp.headers["Location"]).get_data(as_text=True)
        big = re.search(r'class="read-back-number"[^>]*>([^<]+)<', shown)
        assert big and big.group(1).strip() == number
        # the same page opened later is the plain record page
        later = client.get(urlparse(resp.headers["Location"]).path).get_data(as_text=True)
        assert "read-back-number" not in later


def test_a_refused_intake_shows_no_number(app, client):
    do_login(client, "clerk")
    before = None
    with app.app_context():
        before = db.session.scalar(select(WorkOrder.id).order_by(WorkOrder.id.desc()))
    resp = _send(client, "/workordermodelview/add?unit_code=88-8-888&caller=%E5%BC%A0%E4%B8%89&phone=13900001111")
    assert resp.status_code == 200 and "read-back-number" not in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(WorkOrder.id).order_by(WorkOrder.id.desc())) == before


def test_intake_defaults_urgency_normal_and_reads_in_office_chinese(app, client):
    do_login(client, "clerk")
    html = client.get("/workordermodelview/add").get_data(as_text=True)
    assert input_values(html)["urgency"] == "normal"
    categories = re.search(r'<select[^>]*name="category".*?</select>', html, re.S).group(0)
    assert "电气" in categories and "电费" not in categories
    assert re.search(r'<label[^>]*for="channel"[^>]*>\s*来源', html)
    channels = re.search(r'<select[^>]*name="channel".*?</select>', html, re.S).group(0)
    # the phone field is 联系电话; how the request came in is 来电, not the same words
    assert ">来电<" in channels and "联系电话" not in channels


def _aged_work_order(app, minutes_ago, *actions):
    """An urgent repair received ``minutes_ago`` before the office clock, stepped on by ``actions``."""
    import datetime as dt

    from app.core import clock
    from app.estate.services import find_unit_by_code
    from app.servicedesk import services

    with app.app_context():
        sm = app.appbuilder.sm
        clerk, engineer = sm.find_user(username="clerk"), sm.find_user(username="engineer")
        unit = find_unit_by_code([_unit_estate(app)], "3-2-501")[0]
        at = clock.now() - dt.timedelta(minutes=minutes_ago)
        wo = services.create_work_order(dict(unit_id=unit.id, caller="超时测试", phone="13900001111",
                                             channel="phone", category="water", urgency="urgent",
                                             description="超时测试"), clerk, at, [unit.estate_id])
        for action in actions:
            who = engineer if action in ("start", "complete") else clerk
            services.transition_work_order(wo.id, action, who, at, estate_ids=[unit.estate_id],
                                           departments=services.departments_of(who), department="engineering")
        return wo.id, wo.dispatch_due, wo.complete_due


def _unit_estate(app):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate

    return db.session.scalar(select(Estate.id).where(Estate.name == ESTATE_NAME))


def test_sla_badge_names_the_missed_limit_and_its_time(app, client):
    do_login(client, "clerk")
    not_sent, dispatch_due, _ = _aged_work_order(app, 20)  # urgent: 15 minutes to dispatch
    not_done, _, complete_due = _aged_work_order(app, 5 * 60, "dispatch", "start")  # 4 hours to complete
    page = client.get(f"/workordermodelview/show/{not_sent}").get_data(as_text=True)
    assert f"派工超时（时限 {dispatch_due:%m-%d %H:%M}）" in page and "完成超时" not in page
    page = client.get(f"/workordermodelview/show/{not_done}").get_data(as_text=True)
    assert f"完成超时（时限 {complete_due:%m-%d %H:%M}）" in page and "派工超时" not in page
    listing = client.get("/workordermodelview/list/").get_data(as_text=True)
    assert f"派工超时（时限 {dispatch_due:%m-%d %H:%M}）" in listing
    overview = client.get("/servicedesk/").get_data(as_text=True)
    assert f"完成超时（时限 {complete_due:%m-%d %H:%M}）" in overview
