"""A work order's receipt stub (回执联) and callback on its page (issue 13): the stub is typed in
as the paper says (the owner's tick and comment); 回访满意 / 回访不满意 open the callback form
with the answer ticked instead of a step the desk then refuses."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.servicedesk.models import WorkOrder
from tests.conftest import do_login
from tests.servicedesk.test_pages import _new_wo, csrf_token


def _completed(app, client):
    """A work order the clerk took in and engineering completed, through the pages."""
    do_login(client, "clerk")
    _new_wo(client, description="回执联测试")
    with app.app_context():
        wo_id = db.session.scalar(select(WorkOrder.id).order_by(WorkOrder.id.desc()))
    eng = app.test_client()
    do_login(eng, "engineer")
    for action, who in (("dispatch", client), ("start", eng), ("complete", eng)):
        token = csrf_token(who, f"/workordermodelview/show/{wo_id}")
        resp = who.post(f"/workordermodelview/transition/{wo_id}/{action}",
                        data={"csrf_token": token, "department": "engineering", "note": "换了阀门"})
        assert resp.status_code == 302
    return wo_id


def _state(app, wo_id):
    with app.app_context():
        wo = db.session.get(WorkOrder, wo_id)
        return wo.state, wo.stub_satisfaction, wo.stub_comment


def _return_stub(client, wo_id, **data):
    token = csrf_token(client, f"/workordermodelview/show/{wo_id}")
    return client.post(f"/workordermodelview/transition/{wo_id}/return_stub", data={"csrf_token": token, **data})


def test_the_stub_is_typed_in_as_on_paper(app, client):
    wo_id = _completed(app, client)
    page = client.get(f"/workordermodelview/show/{wo_id}").get_data(as_text=True)
    assert 'name="stub_satisfaction"' in page and 'name="stub_comment"' in page
    resp = _return_stub(client, wo_id, stub_satisfaction="very_satisfied", stub_comment="  师傅很认真\r\n谢谢  ")
    assert resp.status_code == 302
    assert _state(app, wo_id) == ("stub_returned", "very_satisfied", "师傅很认真\n谢谢")
    page = client.get(f"/workordermodelview/show/{wo_id}").get_data(as_text=True)
    assert "非常满意" in page and "师傅很认真" in page


def test_an_unticked_stub_is_registered_without_a_tick(app, client):
    wo_id = _completed(app, client)
    assert _return_stub(client, wo_id, stub_satisfaction="", stub_comment="").status_code == 302
    assert _state(app, wo_id) == ("stub_returned", None, None)


def test_a_bad_tick_or_a_nul_changes_nothing(app, client):
    wo_id = _completed(app, client)
    for data in (dict(stub_satisfaction="excellent"), dict(stub_satisfaction="satisfied", stub_comment="好\x00")):
        resp = _return_stub(client, wo_id, **data)
        assert resp.status_code == 302
        page = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert "alert-danger" in page
        assert _state(app, wo_id) == ("completed", None, None)


def test_callback_buttons_open_the_form_with_the_answer_ticked(app, client):
    wo_id = _completed(app, client)
    _return_stub(client, wo_id, stub_satisfaction="satisfied")
    page = client.get(f"/workordermodelview/show/{wo_id}").get_data(as_text=True)
    # no POST of the bare step (the desk refuses it: a callback is recorded with the owner's words)
    assert f"/transition/{wo_id}/callback_ok" not in page and f"/transition/{wo_id}/callback_bad" not in page
    for css, ticked in (("open-callback_ok", "1"), ("open-callback_bad", "0")):
        href = re.search(r'class="btn [^"]*%s" href="([^"]+)"' % css, page).group(1).replace("&amp;", "&")
        opened = client.get(href.split("#")[0]).get_data(as_text=True)
        form = re.search(r'<form[^>]*class="callback-form".*?</form>', opened, re.S).group(0)
        checked = re.findall(r'name="satisfied" value="(\d)" checked', form)
        assert checked == [ticked] and href.endswith("#callback")
    # the form sent as opened records the callback
    token = csrf_token(client, f"/workordermodelview/show/{wo_id}")
    resp = client.post(f"/workordermodelview/callback/{wo_id}",
                       data={"csrf_token": token, "reached": "1", "satisfied": "1", "notes": "满意"})
    assert resp.status_code == 302 and _state(app, wo_id)[0] == "called_back"


def test_the_api_registers_the_stub_content(app, client):
    wo_id = _completed(app, client)
    token = csrf_token(client, f"/workordermodelview/show/{wo_id}")
    resp = client.post(f"/api/v1/work_order/{wo_id}/transition", json={
        "action": "return_stub", "stub_satisfaction": "not_satisfied", "stub_comment": "还在滴水"},
        headers={"X-CSRFToken": token})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert _state(app, wo_id) == ("stub_returned", "not_satisfied", "还在滴水")
