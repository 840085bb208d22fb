"""The published pages: anonymous visitors see exactly these and nothing personal; notices go
draft → published → withdrawn and only the supervisor moves them."""
import datetime as dt
import re

import pytest

from app.extensions import db
from app.publishing import services
from app.publishing.models import Notice
from app.exceptions import DomainError, PermissionDenied
from tests.conftest import csrf_token, do_login, logout

PUBLIC = ["/public/fees", "/public/services", "/public/notices"]
NOW = dt.datetime(2030, 6, 1, 10, 0)


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("url", PUBLIC)
def test_anonymous_reads_the_public_pages(client, url):
    resp = client.get(url)
    assert resp.status_code == 200
    assert "山水湖畔小区" in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/ownermodelview/list/", "/unitmodelview/list/", "/receiptmodelview/list/",
                                 "/noticemodelview/list/", "/search/?q=3-2-501", "/api/v1/owner/", "/billing/"])
def test_anonymous_reaches_nothing_else(client, url):
    resp = client.get(url)
    assert resp.status_code in (302, 401, 403)
    if resp.status_code == 302:
        assert "/login" in resp.headers["Location"]


def test_fee_page_shows_the_schedule_in_force_and_nothing_personal(client, app):
    html = client.get("/public/fees").get_data(as_text=True)
    text = _text(html)
    assert "物业服务费" in text and "1.20" in text and "1.80" in text and "元/m²·月" in text
    assert "宁价服〔2005〕60号" in text and "客服中心" in text  # basis and service contents
    assert "小区主出入口公告栏" in text  # when and where the version in force was posted
    with app.app_context():
        from app.owners.models import Owner

        names = [n for (n,) in db.session.query(Owner.name).limit(200)]
    for page in PUBLIC:
        body = _text(client.get(page).get_data(as_text=True))
        assert not [n for n in names if len(n) > 1 and n in body], "no owner names on public pages"
        assert "3-2-501" not in body


def test_english_on_request(client):
    html = client.get("/public/fees?lang=en").get_data(as_text=True)
    assert "Fee rates" in html and 'lang="en"' in html


def test_draft_and_withdrawn_notices_are_not_public(app, client):
    with app.app_context():
        from app.estate.models import Estate

        estate = db.session.query(Estate).filter_by(name="山水湖畔小区").one()
        sup = app.appbuilder.sm.find_user(username="supervisor")
        draft = Notice(estate_id=estate.id, kind="announcement", title="草稿通知甲", body="尚未发布")
        gone = Notice(estate_id=estate.id, kind="announcement", title="已撤回通知乙", body="撤回")
        db.session.add_all([draft, gone])
        db.session.commit()
        services.publish_notice(gone.id, sup, NOW)
        services.withdraw_notice(gone.id, sup, NOW, "写错了")
        ids = (draft.id, gone.id)
    listing = client.get("/public/notices").get_data(as_text=True)
    assert "草稿通知甲" not in listing and "已撤回通知乙" not in listing
    for nid in ids:
        assert client.get(f"/public/notices/{nid}").status_code == 404


def test_only_the_supervisor_publishes_and_published_notices_are_frozen(app_ctx, demo_estate):
    clerk = app_ctx.appbuilder.sm.find_user(username="clerk")
    sup = app_ctx.appbuilder.sm.find_user(username="supervisor")
    notice = Notice(estate_id=demo_estate.id, kind="announcement", title="电梯年检通知", body="电梯年检")
    db.session.add(notice)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.publish_notice(notice.id, clerk, NOW)
    services.publish_notice(notice.id, sup, NOW)
    notice.title = "改标题"
    with pytest.raises(DomainError):
        services.check_notice(notice)
    db.session.rollback()
    with pytest.raises(DomainError):
        services.publish_notice(notice.id, sup, NOW)  # already published


def test_markup_in_a_notice_is_shown_as_text(app, client):
    with app.app_context():
        from app.estate.models import Estate

        estate = db.session.query(Estate).filter_by(name="山水湖畔小区").one()
        n = Notice(estate_id=estate.id, kind="announcement", title="<script>alert(1)</script>标题",
                   body='<img src="file:///etc/passwd"> <a href="javascript:alert(1)">点我</a>')
        db.session.add(n)
        db.session.commit()
        services.publish_notice(n.id, app.appbuilder.sm.find_user(username="supervisor"), NOW)
        nid = n.id
    html = client.get(f"/public/notices/{nid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html and 'href="javascript:' not in html


def test_supervisor_publishes_through_the_page_and_clerk_cannot(app, client):
    with app.app_context():
        from app.estate.models import Estate

        estate = db.session.query(Estate).filter_by(name="山水湖畔小区").one()
        n = Notice(estate_id=estate.id, kind="announcement", title="绿化修剪通知", body="下周修剪")
        db.session.add(n)
        db.session.commit()
        nid = n.id
    do_login(client, "clerk")
    page = client.get(f"/noticemodelview/show/{nid}").get_data(as_text=True)
    assert f"/noticemodelview/publish/{nid}" not in page
    token = csrf_token(client, "/noticemodelview/add")
    assert client.post(f"/noticemodelview/publish/{nid}", data={"csrf_token": token}).status_code == 403
    logout(client)
    do_login(client, "supervisor")
    page = client.get(f"/noticemodelview/show/{nid}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/noticemodelview/publish/{nid}", data={"csrf_token": token}).status_code == 302
    logout(client)
    assert "绿化修剪通知" in client.get("/public/notices").get_data(as_text=True)


def test_disclosure_income_comes_from_the_ledger(app_ctx, demo_estate):
    from app.cashdesk.models import Receipt

    first = db.session.query(Receipt).filter_by(estate_id=demo_estate.id).order_by(Receipt.business_date).first()
    day = first.business_date
    sup = app_ctx.appbuilder.sm.find_user(username="supervisor")
    notice = services.create_disclosure(demo_estate.id, day, day, [("保洁", "100.50")], "测试公布", sup, NOW)
    totals = services.disclosure_totals(notice)
    receipts = db.session.query(Receipt).filter_by(estate_id=demo_estate.id, business_date=day).all()
    # money settled on charges that day = received − kept as prepaid + taken from prepaid
    settled = sum((r.amount - r.to_prepaid + r.from_prepaid for r in receipts), start=first.amount * 0)
    assert totals.income_total == settled
    assert totals.expense_total == type(first.amount)("100.50")
    with pytest.raises(DomainError):
        services.create_disclosure(demo_estate.id, day, day, [("保洁", "1.005")], "坏", sup, NOW)


def _pdf_text(data):
    import io

    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_fee_poster_pdf_holds_items_prices_and_qr(client):
    resp = client.get("/public/fees.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _pdf_text(resp.data)
    assert "物业服务费" in text and "1.20" in text and "元/m²·月" in text and "山水湖畔小区" in text
    assert "盖章" in text or "Seal" in text
    assert b"/Image" in resp.data  # the QR code


def test_price_list_and_notice_posters(client, app):
    text = _pdf_text(client.get("/public/services.pdf").data)
    assert "复印" in text and "0.50" in text
    with app.app_context():
        notice = db.session.query(Notice).filter_by(kind="outage", status="published").first()
        nid, title = notice.id, notice.title
    text = _pdf_text(client.get(f"/public/notices/{nid}.pdf").data)
    assert "停水" in text and "7 栋" in title
    english = _pdf_text(client.get("/public/fees.pdf?lang=en").data)
    assert "Fee rates" in english


def test_draft_notice_has_no_poster(client, app):
    with app.app_context():
        draft = db.session.query(Notice).filter_by(status="draft").first()
        nid = draft.id
    assert client.get(f"/public/notices/{nid}.pdf").status_code == 404


def test_dashboard_shows_the_outage_and_what_to_tell_callers(login):
    html = login("clerk").get("/").get_data(as_text=True)
    assert "停水通知" in html and "预计明天 17:00 前恢复" in html


def test_fee_schedule_in_force_depends_on_the_date(app_ctx, demo_estate):
    """A new version effective from a later date takes over on that date; the old one stays readable."""
    from app.fees import services as fee_services
    from app.fees.models import FeeRate

    sup = app_ctx.appbuilder.sm.find_user(username="supervisor")
    current = fee_services.schedule_in_force(demo_estate.id, dt.date(2030, 12, 31))
    draft = fee_services.new_version(current.id, sup, effective_from=dt.date(2031, 1, 1))
    rate = db.session.query(FeeRate).filter_by(schedule_id=draft.id, property_type="multi_storey").first()
    from decimal import Decimal

    rate.rate = Decimal("1.3500")
    db.session.commit()
    fee_services.publish_schedule(draft.id, sup, NOW)
    assert fee_services.schedule_in_force(demo_estate.id, dt.date(2030, 12, 31)).id == current.id
    later = fee_services.schedule_in_force(demo_estate.id, dt.date(2031, 1, 1))
    assert later.id == draft.id and later.version > current.version
    assert {s.id for s in fee_services.published_versions(demo_estate.id)} >= {current.id, draft.id}
    # the published version is frozen: its rates cannot change any more
    with pytest.raises(DomainError):
        fee_services.check_rate(rate)
    db.session.rollback()


def test_the_office_phone_dials_from_a_phone(client):
    """Owners read these pages on their phones (the poster's QR code): the office number is a
    tel: link, digits only."""
    html = client.get("/public/fees").get_data(as_text=True)
    assert re.search(r'<a class="phone" href="tel:\d{6,}">[\d\- ]+</a>', html), html[-600:]


def test_a_crlf_notice_keeps_its_paragraphs_as_on_its_poster(app, client):
    """Browsers send CRLF: the public page parts the paragraphs where the poster does, keeps a
    single line break inside its paragraph, and greets flush left (issue 13)."""
    from app.publishing import posters

    body = "各位业主、住户：\r\n\r\n本周六上午停水。\r\n请提前储水。\r\n \r\n给您带来不便，敬请谅解。\r\n\r\n"
    with app.app_context():
        from app.estate.models import Estate

        estate = db.session.query(Estate).filter_by(name="山水湖畔小区").one()
        n = Notice(estate_id=estate.id, kind="announcement", title="停水通知（段落测试）", body=body)
        db.session.add(n)
        db.session.commit()
        services.publish_notice(n.id, app.appbuilder.sm.find_user(username="supervisor"), NOW)
        nid = n.id
        poster = posters.notice_poster(db.session.get(Notice, nid), services.disclosure_totals(n), "zh_CN")
        section = poster.sections[0]
    html = client.get(f"/public/notices/{nid}").get_data(as_text=True)
    shown = [p.replace("\r\n", "\n") for p in re.findall(r'<p class="notice-paragraph"[^>]*>(.*?)</p>', html, re.S)]
    assert shown == ["本周六上午停水。\n请提前储水。", "给您带来不便，敬请谅解。"]
    assert shown == section.paragraphs
    assert re.search(r'<p class="notice-salutation">各位业主、住户：</p>', html)
    assert section.salutation == "各位业主、住户："
