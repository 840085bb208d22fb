"""reports.poster: the generic poster table (merged first cells, totals, column widths) and
how a long poster breaks over pages. Documents built by hand, no database."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from reports import rendering
from reports.common import Letterhead
from reports.poster import KEEP_GROUP_ROWS, PosterDoc, PosterSection, PosterTable, qr_data_uri
from tests.reports.pdfutil import page_texts, squash

LH = Letterhead("山水湖畔小区", "江苏苏南物业服务开发有限公司南京分公司", "南京市江宁区山水湖畔路88号",
                "025-84561234")
URL = "http://example.invalid/public/fees"
HEAD = ["收费项目", "适用范围", "费率"]
ROWS = [["物业服务费", "多层", "1.20"], ["物业服务费", "高层", "1.80"],
        ["物业服务费", "别墅", "2.50"], ["水费", "全部物业类型", "3.10"], ["物业服务费", "商铺", "3.00"]]


def _doc(sections) -> PosterDoc:
    return PosterDoc(letterhead=LH, title="山水湖畔小区物业服务收费标准", subtitle="", sections=sections,
                     posted_on=dt.date(2030, 1, 5), qr_data_uri=qr_data_uri(URL), url=URL)


def test_group_first_merges_runs_of_the_same_first_cell():
    groups = PosterTable(HEAD, ROWS, numeric=[2], group_first=True).groups()
    # a run is merged; the same text after another item starts a new group
    assert [(g.rows[0].cells[0].text, g.rows[0].cells[0].rowspan, len(g.rows)) for g in groups] == [
        ("物业服务费", 3, 3), ("水费", 1, 1), ("物业服务费", 1, 1)]
    first = groups[0]
    assert [len(r.cells) for r in first.rows] == [3, 2, 2]  # the merged cell is printed once
    assert [c.text for r in first.rows for c in r.cells if c.numeric] == ["1.20", "1.80", "2.50"]
    assert first.keep and not groups[1].keep  # a short merged group stays on one page


def test_plain_table_has_no_merged_cells_and_a_total_row():
    groups = PosterTable(["项目", "金额（元）"], [["保洁", "100.00"], ["合计", "100.00"]], numeric=[1],
                         total_last=True).groups()
    assert len(groups) == 1
    assert [r.total for r in groups[0].rows] == [False, True]
    assert all(c.rowspan == 1 for r in groups[0].rows for c in r.cells)


def test_a_long_group_may_break():
    rows = [["保洁", f"第{i}条"] for i in range(KEEP_GROUP_ROWS + 1)]
    (group,) = PosterTable(["服务项目", "服务内容"], rows, group_first=True).groups()
    assert group.rows[0].cells[0].rowspan == KEEP_GROUP_ROWS + 1 and not group.keep


def test_rows_and_widths_must_match_the_columns():
    with pytest.raises(ValueError):
        PosterTable(HEAD, [["物业服务费", "多层"]])
    with pytest.raises(ValueError):
        PosterTable(HEAD, ROWS, widths=["50%", "50%"])


def test_the_template_prints_the_rowspan_and_the_widths():
    table = PosterTable(HEAD, ROWS, numeric=[2], widths=["30%", "40%", "30%"], group_first=True)
    html = rendering.render_html("poster.html", {"doc": _doc([PosterSection("收费标准", table=table)])})
    assert re.search(r'<td class="\s*merged" rowspan="3">物业服务费</td>', html)
    assert html.count(">物业服务费</td>") == 2  # once for the run of three, once for the row after 水费
    assert '<col style="width: 40%">' in html
    assert html.count("<tbody") == 3


def test_a_long_table_repeats_its_head_and_keeps_the_footer_with_the_text():
    text = "公共区域按标准提供服务，做好记录并接受业主监督。"
    rows = [[f"片区{i // 6 + 1:02d}", f"第{i + 1}条：{text}"] for i in range(70)]
    table = PosterTable(["服务项目", "服务内容"], rows, widths=["20%", "80%"], group_first=True)
    pdf = rendering.render_pdf("poster.html", {"doc": _doc([PosterSection("服务内容", table=table)])})
    pages = [squash(t) for t in page_texts(pdf)]
    n = len(pages)
    assert n >= 2
    for i, text in enumerate(pages, start=1):
        assert f"第{i}页，共{n}页" in text
        assert "服务项目服务内容" in text  # the column heads on every page
    # the footer block whole on the last page, with the end of the table
    assert "第70条" in pages[-1]
    for part in ("扫码用手机阅读", "盖章", "张贴日期"):
        assert [i for i, p in enumerate(pages) if part in p] == [n - 1], part
    # a short merged group is never split: all lines of a 片区 on one page
    for k in range(12):
        lines = [f"第{i + 1}条：" for i in range(k * 6, min(k * 6 + 6, 70))]
        assert len({i for i, p in enumerate(pages) for line in lines if line in p}) == 1, f"片区{k + 1:02d} split"
