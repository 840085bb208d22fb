"""The posters for the notice board (公示): the demo fee schedule fits one A4 page, its rates
are grouped like the public fee page, the service contents are one table, and a long
schedule breaks over pages with its numbering and the footer block whole."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.estate.rules import PROPERTY_TYPES
from app.extensions import db
from app.fees import rules as fee_rules
from app.publishing import posters, services
from app.publishing.models import Notice

FOOTER = ("扫码用手机阅读", "盖章", "张贴日期")
AREAS = ["客户服务", "秩序维护", "保洁", "绿化", "维修养护"]


def _pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [re.sub(r"\s+", "", p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture()
def schedule(app_ctx, demo_estate):
    from app.core import clock
    from app.fees import services as fee_services

    return fee_services.schedule_in_force(demo_estate.id, clock.today())


def test_demo_fee_schedule_poster_is_one_page_with_its_footer(client):
    resp = client.get("/public/fees.pdf")
    assert resp.status_code == 200
    pages = _pages(resp.data)
    assert len(pages) == 1, "the demo fee schedule fits one A4 page"
    assert "第1页，共1页" in pages[0]
    assert all(part in pages[0] for part in FOOTER)


def test_rates_are_grouped_by_fee_item_in_property_type_order(client, schedule):
    content = posters.fee_schedule_poster(schedule, "zh_CN")
    table = content.sections[0].table
    first = table.groups()[0]
    assert first.rows[0].cells[0].text == "物业服务费" and first.rows[0].cells[0].rowspan == 4
    assert [row.cells[-3].text for row in first.rows] == ["多层", "高层", "别墅", "商铺"]
    # the printed poster: 物业服务费 once in the rate table, its rates in that order
    text = _pages(client.get("/public/fees.pdf").data)[0]
    rates = text[text.index("计费单位"):text.index("物业服务费：逾期未交的")]  # the late-fee rule closes the table
    assert rates.count("物业服务费") == 1
    assert re.search(r"物业服务费多层1\.20元/m²·月高层1\.80.*别墅2\.50.*商铺3\.00", rates), rates
    # the public page shows the same order
    html = client.get("/public/fees").get_data(as_text=True)
    positions = [html.index(f"<td>{label}</td>") for label in ["多层", "高层", "别墅", "商铺"]]
    assert positions == sorted(positions)


def test_fee_rates_follow_property_types_whatever_the_order_they_were_entered(app_ctx):
    item = SimpleNamespace(name="物业服务费", unit_label="元/m²·月", sort_order=1)
    codes = ["shop", "villa", "high_rise", "multi_storey"]
    rates = [SimpleNamespace(fee_item=item, fee_item_id=1, property_type=c, rate=Decimal("1.5")) for c in codes]
    (group,) = posters.rate_groups(SimpleNamespace(rates=rates))
    assert [ptype for ptype, _ in group["rates"]] == list(PROPERTY_TYPES)


def test_service_contents_are_one_section_with_every_area_and_line(client, schedule):
    content = posters.fee_schedule_poster(schedule, "zh_CN")
    assert [s.heading for s in content.sections] == ["收费标准", "物业服务费包含的服务内容"]
    table = content.sections[1].table
    assert table.head == ["服务项目", "服务内容"]
    merged = [g.rows[0].cells[0].text for g in table.groups()]
    assert merged == AREAS  # one merged area cell each, in the order of the service areas
    text = _pages(client.get("/public/fees.pdf").data)[0]
    contents = text[text.index("物业服务费包含的服务内容"):]
    for c in schedule.contents:
        assert re.sub(r"\s+", "", c.content) in contents
    assert [contents.index(a) for a in AREAS] == sorted(contents.index(a) for a in AREAS)


def test_a_long_schedule_runs_on_with_page_numbers_and_the_footer_whole(app_ctx, demo_estate, schedule):
    from reports.poster import poster_pdf

    areas = list(fee_rules.SERVICE_AREAS)[:5]
    text = "公共区域按规定标准提供服务，做好记录并接受业主监督。"
    lines = [SimpleNamespace(area=areas[i * 5 // 40], content=f"第{i + 1}项：{text}") for i in range(40)]
    long = SimpleNamespace(title=schedule.title, effective_from=schedule.effective_from,
                           pricing_basis=schedule.pricing_basis, service_grade=schedule.service_grade,
                           rates=schedule.rates, contents=lines)
    content = posters.fee_schedule_poster(long, "zh_CN")
    pdf = poster_pdf(demo_estate, *content, "http://example.invalid/public/fees", dt.date(2030, 1, 5))
    pages = _pages(pdf)
    n = len(pages)
    assert n >= 2
    for i, text in enumerate(pages, start=1):
        assert f"第{i}页，共{n}页" in text
    for part in FOOTER:
        assert [i for i, p in enumerate(pages) if part in p] == [n - 1], f"{part} only on the last page"
    assert "第40项" in pages[-1], "the footer block is not alone on its page"
    assert all(any(f"第{i + 1}项：" in p for p in pages) for i in range(40))


def test_price_list_poster_fits_a_page_and_names_the_unit_of_charge(client):
    pages = _pages(client.get("/public/services.pdf").data)
    assert len(pages) == 1
    assert "服务项目计费单位单价（元）备注" in pages[0]  # not "房屋" (a dwelling) for the unit
    assert all(part in pages[0] for part in FOOTER)


def test_notice_posters_fit_a_page_and_greet_flush_left(app, client):
    with app.app_context():
        notices = services.public_notices(
            db.session.query(Notice.estate_id).filter_by(status="published").limit(1).scalar())
        announcement = next(n for n in notices if n.body.startswith("各位业主"))
        content = posters.notice_poster(announcement, services.disclosure_totals(announcement), "zh_CN")
        assert content.sections[0].salutation == "各位业主、住户："
        assert content.sections[0].paragraphs[0].startswith("为做好冬季消防安全工作")
        ids = [n.id for n in notices]
    for nid in ids:
        pages = _pages(client.get(f"/public/notices/{nid}.pdf").data)
        assert len(pages) == 1 and all(part in pages[0] for part in FOOTER)


def test_disclosure_poster_has_totals_and_the_balance(app_ctx, demo_estate):
    disclosure = db.session.query(Notice).filter_by(estate_id=demo_estate.id, kind="disclosure",
                                                     status="published").first()
    totals = services.disclosure_totals(disclosure)
    content = posters.notice_poster(disclosure, totals, "zh_CN")
    income, expenses, balance = content.sections[1:]
    assert [income.heading, expenses.heading] == ["收入", "支出"]
    last = expenses.table.groups()[-1].rows[-1]
    assert last.total and last.cells[0].text == "合计"
    diff = totals.income_total - totals.expense_total
    sign = "-" if diff < 0 else ""
    assert balance.summary == f"余额：{sign}¥{abs(diff):,.2f}"
