"""The cash desk as the staff use it in the browser (Flask test client, CSRF on)."""
import re
from decimal import Decimal as D

from app.cashdesk import services
from app.cashdesk.models import Receipt, VoidRequest
from app.extensions import db
from tests.conftest import do_login, logout


def _hidden(html, name):
    m = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert m, f"no hidden {name}"
    return m.group(1)


def _post_payment(client, unit_id, **data):
    html = client.get(f"/cashdesk/unit/{unit_id}").get_data(as_text=True)
    form = {"csrf_token": _hidden(html, "csrf_token"), "request_key": _hidden(html, "request_key"), "method": "cash"}
    form.update(data)
    return client.post(f"/cashdesk/unit/{unit_id}", data=form), form


def test_clerk_takes_payment_and_a_double_submit_posts_once(app, client, fresh_unit):
    uid = fresh_unit.id
    do_login(client, "clerk")
    before = db.session.query(Receipt).count()
    resp, form = _post_payment(client, uid, amount="120.00")
    assert resp.status_code == 302 and "/receiptmodelview/show/" in resp.headers["Location"]
    again = client.post(f"/cashdesk/unit/{uid}", data=form)  # the same form sent twice
    assert again.headers["Location"] == resp.headers["Location"]
    db.session.expire_all()
    assert db.session.query(Receipt).count() == before + 1
    assert services.arrears_total(uid) == D("180.00")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "120.00" in page and "生活垃圾清运费" in page


def test_bad_amount_is_shown_next_to_the_field_and_nothing_posted(app, client, fresh_unit):
    uid = fresh_unit.id
    do_login(client, "clerk")
    before = db.session.query(Receipt).count()
    for bad in ("1.005", "-5", "abc", "1e400"):
        resp, _form = _post_payment(client, uid, amount=bad)
        assert resp.status_code == 200
        assert 'class="form-group col-sm-3 has-error"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Receipt).count() == before


def test_engineer_cannot_take_payments(app, client, fresh_unit):
    do_login(client, "engineer")
    assert client.get(f"/cashdesk/unit/{fresh_unit.id}").status_code in (302, 403)
    assert client.get(f"/cashdesk/ledger/{fresh_unit.id}").status_code in (302, 403)


def test_void_asked_by_clerk_approved_by_accountant(app, client, fresh_unit, clerk):
    import datetime as dt

    uid = fresh_unit.id
    receipt = services.post_payment(uid, "300.00", "cash", clerk, dt.datetime(2030, 5, 1, 9))
    rid = receipt.id
    do_login(client, "clerk")
    html = client.get(f"/cashdesk/receipt/{rid}/void").get_data(as_text=True)
    resp = client.post(f"/cashdesk/receipt/{rid}/void", data={"csrf_token": _hidden(html, "csrf_token"), "reason": "收款方式登记错误"})
    assert resp.status_code == 302
    req = db.session.query(VoidRequest).filter_by(receipt_id=rid).one()
    page = client.get(f"/voidrequestmodelview/show/{req.id}").get_data(as_text=True)
    assert f"/cashdesk/void/{req.id}/approve" not in page  # a clerk gets no approve button
    token = _hidden(html, "csrf_token")  # a valid token: the refusal must come from the permission
    assert client.post(f"/cashdesk/void/{req.id}/approve", data={"csrf_token": token}).status_code == 403
    logout(client)
    do_login(client, "accountant")
    page = client.get(f"/voidrequestmodelview/show/{req.id}").get_data(as_text=True)
    assert f"/cashdesk/void/{req.id}/approve" in page
    resp = client.post(f"/cashdesk/void/{req.id}/approve", data={"csrf_token": _hidden(page, "csrf_token")})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(VoidRequest, req.id).status == "approved"
    assert services.arrears_total(uid) == D("300.00")  # the charges are open again
    assert services.is_voided(rid)


def test_ledger_page_agrees_with_the_service(app, client, fresh_unit, clerk):
    import datetime as dt

    services.post_payment(fresh_unit.id, "50.00", "mobile", clerk, dt.datetime(2030, 5, 2, 9))
    do_login(client, "clerk")
    html = client.get(f"/cashdesk/ledger/{fresh_unit.id}").get_data(as_text=True)
    assert "¥250.00" in html  # owes 300 - 50


def test_receipt_and_statement_print_as_pdf(app, client, fresh_unit, clerk):
    import datetime as dt

    from pypdf import PdfReader
    import io

    receipt = services.post_payment(fresh_unit.id, "1005.50", "cash", clerk, dt.datetime(2030, 5, 3, 9))
    rid, code = receipt.id, fresh_unit.code
    do_login(client, "clerk")
    resp = client.get(f"/cashdesk/receipt/{rid}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    assert code in text and "1,005.50" in text and "壹仟零伍元伍角" in text
    resp = client.get(f"/cashdesk/ledger/{fresh_unit.id}.pdf")
    assert resp.status_code == 200 and code in "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    logout(client)
    do_login(client, "clerk_b")  # another estate's clerk
    assert client.get(f"/cashdesk/receipt/{rid}.pdf").status_code == 404


def test_home_page_says_what_was_taken_today(app, client, fresh_unit, clerk):
    """The clerk's home page counts today's receipts and adds them up (reversals negative);
    roles that do not read receipts are not told."""
    import re

    from app.cashdesk.services import takings_on
    from app.core import clock

    before_count, before_total = takings_on([fresh_unit.estate_id], clock.today())
    services.post_payment(fresh_unit.id, "123.45", "cash", clerk, clock.now())
    do_login(client, "clerk")
    html = client.get("/").get_data(as_text=True)
    line = re.sub(r"\s+", " ", html[html.index('dashboard-takings'):html.index('</p>', html.index('dashboard-takings'))])
    total = before_total + D("123.45")
    assert f"{before_count + 1} 张收据" in line and f"¥{total:,.2f}" in line, line
    logout(client)
    do_login(client, "engineer")
    assert "dashboard-takings" not in client.get("/").get_data(as_text=True)
