"""reports.rendering: the locked-down fetcher, escaping, fonts, page numbering, render_many,
the environment check. Documents here are built by hand (no database)."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
from decimal import Decimal as D
from pathlib import Path

import pytest

from reports import rendering
from reports.common import Letterhead, period_runs
from reports.receipt import ReceiptDoc, ReceiptItem
from reports.statement import StatementDoc, StatementLine
from tests.reports.pdfutil import (
    all_decoded_streams, embedded_files, embedded_fonts, page_texts, pdf_text, squash,
)

ROOT = Path(__file__).resolve().parents[2]
LH = Letterhead("山水湖畔小区", "江苏苏南物业服务开发有限公司南京分公司", "南京市江宁区山水湖畔路88号",
                "025-84561234", "周一至周日 8:30-17:30")
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src="file:///etc/passwd">'
LINK = '<link rel=attachment href="file:///etc/passwd">'
PASSWD_MARK = b"root:x:0:0"
# 第 1 页 / 共 1 页 (the catalog may word the separator as "，")
PAGE_RE = r"第\s*{n}\s*页\s*[/，,]?\s*共\s*{m}\s*页"


def receipt_doc(**overrides) -> ReceiptDoc:
    fields = dict(
        receipt_id=1, number="2030-000123", kind="payment", business_date=dt.date(2030, 1, 5),
        posted_at=dt.datetime(2030, 1, 5, 9, 30), letterhead=LH, unit_code="3-2-501", payer_name="张伟",
        method="cash", reference=None, amount=D("1005.50"),
        items=[ReceiptItem("物业服务费", [("2030-01", "2030-03")], D("905.50"), 3),
               ReceiptItem("生活垃圾清运费", [("2030-01", "2030-03")], D("30.00"), 3)],
        settled=D("935.50"), to_prepaid=D("70.00"), cashier_name="李娜", check_code="0123456789ABCDEF",
    )
    fields.update(overrides)
    return ReceiptDoc(**fields)


def statement_doc(n_lines: int, **overrides) -> StatementDoc:
    lines, balance = [], D("0.00")
    for i in range(n_lines):
        day = dt.date(2029, 1, 1) + dt.timedelta(days=i)
        balance += D("10.00")
        lines.append(StatementLine(day, "charge", "生活垃圾清运费", f"{day:%Y-%m}", None, D("10.00"), D("0.00"), balance))
    fields = dict(
        unit_id=1, unit_code="3-2-501", letterhead=LH, owner_names=["王芳", "王建国"], chargeable_area=D("89.52"),
        property_type="multi_storey", date_from=None, date_to=None, printed_on=dt.date(2030, 2, 1), lines=lines,
        period_charged=balance, closing_balance=balance, total_charged=balance, arrears=balance, arrears_due=balance,
    )
    fields.update(overrides)
    return StatementDoc(**fields)


# --- the URL fetcher ---------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://example.com/etc/passwd",
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/print.css",
    "https://example.com/logo.png",
    "ftp://127.0.0.1/x",
    rendering.STATIC_URL + "../rendering.py",
    rendering.STATIC_URL + "fonts/../../rendering.py",
    rendering.STATIC_URL + "%2e%2e/rendering.py",
    rendering.STATIC_URL + "fonts/",
    rendering.STATIC_URL + "does-not-exist.css",
    "/etc/passwd",
    "../rendering.py",
])
def test_fetcher_refuses_everything_outside_static(url):
    with pytest.raises(rendering.RefusedURL):
        rendering.fetch_static(url)
    fetcher = rendering.safe_url_fetcher()  # what WeasyPrint calls
    with pytest.raises(Exception):
        fetcher(url)


def test_fetcher_refuses_a_symlink_out_of_static(tmp_path):
    link = rendering.STATIC / f"_test_link_{os.getpid()}"
    try:
        link.symlink_to("/etc/passwd")
    except OSError:
        pytest.skip("cannot create a symlink here")
    try:
        with pytest.raises(rendering.RefusedURL):
            rendering.fetch_static(link.as_uri())
    finally:
        link.unlink()


def test_fetcher_serves_static_files_and_data_urls():
    body, mime = rendering.fetch_static(rendering.STATIC_URL + "print.css")
    assert b"@font-face" in body and mime == "text/css"
    body, mime = rendering.fetch_static(rendering.STATIC_URL + "fonts/EstateSans-Regular.woff2")
    assert body[:4] == b"wOF2" and mime == "font/woff2"
    body, mime = rendering.fetch_static("data:text/plain;base64,aGVsbG8=")
    assert body == b"hello" and mime == "text/plain"
    response = rendering.safe_url_fetcher()(rendering.STATIC_URL + "print.css")
    assert b"@font-face" in response.read()


def test_raw_html_cannot_pull_local_files_or_the_network_into_a_pdf():
    """Defence in depth: even markup that bypassed autoescape gets nothing from outside static."""
    html = (f'<html><head>{LINK}<link rel="stylesheet" href="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body><p>正文</p>'
            f'{IMG}<img src="http://127.0.0.1:9/x.png"><a rel="attachment" href="file:///etc/passwd">附件</a>'
            '<object data="file:///etc/passwd"></object><embed src="file:///etc/passwd">'
            '<svg><image href="file:///etc/passwd"/></svg></body></html>')
    pdf = rendering.html_to_pdf(html)
    assert embedded_files(pdf) == []
    assert PASSWD_MARK not in all_decoded_streams(pdf)
    assert "正文" in pdf_text(pdf)


def test_the_check_above_would_catch_a_leak():
    """Control: WeasyPrint's default fetcher does embed the file, and the helpers see it."""
    from weasyprint import HTML

    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd")
    pdf = HTML(string=f"<html><head>{LINK}</head><body>x</body></html>").write_pdf()
    assert embedded_files(pdf)
    assert PASSWD_MARK in all_decoded_streams(pdf)


# --- escaping ----------------------------------------------------------------------------------
def test_context_values_are_escaped_and_pull_nothing_in():
    doc = receipt_doc(payer_name=SCRIPT + IMG, reference=LINK, cashier_name=IMG)
    html = rendering.render_html("receipt.html", {"doc": doc}, "zh_CN")
    assert "<script" not in html and "<img" not in html and "<link rel=attachment" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    pdf = rendering.render_pdf("receipt.html", {"doc": doc}, "zh_CN")
    text = pdf_text(pdf)
    assert "alert(1)" in text  # printed as harmless text
    assert embedded_files(pdf) == []
    assert PASSWD_MARK not in all_decoded_streams(pdf)


def test_margin_box_strings_are_css_escaped():
    css = str(rendering.css_string('a"b\\c</style><script>', "；"))
    assert css.startswith('"') and css.endswith('"')
    assert "</style>" not in css and '"b' not in css and "\\c" not in css
    assert str(rendering.page_counter_css("第 {page} 页 / 共 {pages} 页")) == (
        '"第 " counter(page) " 页 / 共 " counter(pages) " 页"')
    assert str(rendering.page_counter_css("Page {page} of {pages}")) == (
        '"Page " counter(page) " of " counter(pages)')


# --- fonts -------------------------------------------------------------------------------------
def test_pdf_embeds_our_subset_font_only():
    pdf = rendering.render_pdf("receipt.html", {"doc": receipt_doc()}, "zh_CN")
    fonts = embedded_fonts(pdf)
    assert fonts, "no embedded font program"
    for font in fonts:
        assert "Estate-Sans" in font["name"], f"not our subset: {font['name']}"
        assert font["file_key"] in ("/FontFile2", "/FontFile3")
        assert font["size"] < 400_000  # subset again per document, not the whole 1.2 MB font
    assert {"Estate-Sans", "Estate-Sans-Bold"} <= {re.sub(r"^/[A-Z]+\+", "", f["name"]) for f in fonts}


def test_shipped_font_files_and_licence():
    from fontTools.ttLib import TTFont

    fonts = rendering.STATIC / "fonts"
    assert (fonts / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1
    total = 0
    for name in ("EstateSans-Regular.woff2", "EstateSans-Bold.woff2"):
        path = fonts / name
        total += path.stat().st_size
        font = TTFont(path)
        assert font["name"].getDebugName(1) == "Estate Sans"
        cmap = font.getBestCmap()
        for ch in "收据壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整￥¥②㎡（），。：、—…·×0123456789ABCxyz":
            assert ord(ch) in cmap, f"{ch!r} missing from {name}"
    assert total < 4_000_000


def test_font_covers_our_texts():
    """Every character of the templates, the zh catalog and the demo data is in the subset
    (else: python reports/fonts_build.py). GB2312 is covered by construction."""
    from reports import fonts_build

    missing = fonts_build.missing_from_shipped()
    assert missing == {"Regular": [], "Bold": []}, missing


NO_SYSTEM_FONTS = textwrap.dedent("""
    import datetime as dt, io, json, sys
    from decimal import Decimal as D
    sys.path.insert(0, {root!r})
    from tests.reports.test_rendering import receipt_doc
    from tests.reports.pdfutil import embedded_fonts, pdf_text
    from reports import rendering
    from fontTools.ttLib import TTFont
    html = rendering.render_html("receipt.html", {{"doc": receipt_doc()}}, "zh_CN")
    pdf = rendering.html_to_pdf(html)
    cmap = TTFont(rendering.STATIC / "fonts" / "EstateSans-Regular.woff2").getBestCmap()
    import re, html as h
    text = h.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S))
    print(json.dumps({{"fonts": [f["name"] for f in embedded_fonts(pdf)], "text": pdf_text(pdf),
                      "uncovered": sorted({{c for c in text if not c.isspace() and ord(c) not in cmap}})}}))
""")


def test_chinese_renders_without_any_system_font(tmp_path):
    """A machine with no font at all (fontconfig sees an empty folder): the bundled subset
    alone prints every character of a receipt."""
    import json

    empty = tmp_path / "fonts"
    empty.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                    f"<fontconfig><dir>{empty}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp_path)}
    script = NO_SYSTEM_FONTS.format(root=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["uncovered"] == []
    assert result["fonts"] and all("Estate-Sans" in f for f in result["fonts"]), result["fonts"]
    text = squash(result["text"])
    for expected in ("张伟", "3-2-501", "物业服务费", "1,005.50", "壹仟零伍元伍角", "江苏苏南物业服务开发有限公司南京分公司"):
        assert expected in text


# --- page numbering and render_many --------------------------------------------------------------
def test_single_document_page_numbers():
    pdf = rendering.render_pdf("statement.html", {"doc": statement_doc(70)}, "zh_CN")
    texts = [squash(t) for t in page_texts(pdf)]
    assert len(texts) >= 2
    for i, text in enumerate(texts, 1):
        assert re.search(PAGE_RE.format(n=i, m=len(texts)), text), text[-200:]


def test_render_many_keeps_each_documents_numbering():
    contexts = [{"doc": receipt_doc(number="2030-000001", payer_name="甲")},
                {"doc": receipt_doc(number="2030-000002", payer_name="乙")}]
    pdf = rendering.render_many("receipt.html", contexts, "zh_CN")
    texts = [squash(t) for t in page_texts(pdf)]
    assert len(texts) == 2
    for text, number in zip(texts, ("2030-000001", "2030-000002")):
        assert number in text
        assert re.search(PAGE_RE.format(n=1, m=1), text), text


@pytest.mark.parametrize("chunk_size", [1, 2, 50])
def test_render_many_multi_page_documents_across_chunks(chunk_size):
    docs = [statement_doc(70, unit_code="1-1-101"), statement_doc(3, unit_code="1-1-102"),
            statement_doc(70, unit_code="1-1-103")]
    single = len(page_texts(rendering.render_pdf("statement.html", {"doc": docs[0]})))
    assert single >= 2
    pdf = rendering.render_many("statement.html", [{"doc": d} for d in docs], chunk_size=chunk_size)
    texts = [squash(t) for t in page_texts(pdf)]
    expected = [(i, single) for i in range(1, single + 1)] + [(1, 1)] + [(i, single) for i in range(1, single + 1)]
    assert len(texts) == len(expected)
    for text, (n, m) in zip(texts, expected):
        assert re.search(PAGE_RE.format(n=n, m=m), text), text[-120:]


def test_render_many_reports_progress_and_refuses_nothing():
    seen = []
    rendering.render_many("receipt.html", [{"doc": receipt_doc()}] * 3, chunk_size=2, progress=seen.append)
    assert seen == [2, 3]
    with pytest.raises(ValueError):
        rendering.render_many("receipt.html", [])


def test_english_documents():
    pdf = rendering.render_pdf("receipt.html", {"doc": receipt_doc()}, "en")
    text = pdf_text(pdf)
    assert "Receipt" in text and "Page 1 of 1" in text
    assert "¥1,005.50" in text.replace(" ", "")


def test_translations_without_an_app_context():
    """No Flask app: the catalog is read from translations/ directly."""
    from flask import has_app_context

    assert not has_app_context()
    html = rendering.render_html("receipt.html", {"doc": receipt_doc()}, "zh_CN")
    assert "收" in html and "Payer" not in html


# --- helpers -------------------------------------------------------------------------------------
def test_period_runs():
    assert period_runs(["2030-03", "2030-01", "2030-02", "2030-05", "2030-02"]) == [
        ("2030-01", "2030-03"), ("2030-05", "2030-05")]
    assert period_runs(["2030-12", "2031-01"]) == [("2030-12", "2031-01")]
    assert period_runs([]) == []


def test_normalize_lang():
    assert rendering.normalize_lang(None) == "zh_CN"
    assert rendering.normalize_lang("zh_Hans_CN") == "zh_CN"
    assert rendering.normalize_lang("en-GB") == "en"
    assert rendering.normalize_lang("fr") == "zh_CN"


# --- environment check ---------------------------------------------------------------------------
def test_check_environment_is_quiet_here():
    assert rendering.check_environment() == []


def test_check_environment_warns_without_harfbuzz_subset(monkeypatch):
    import ctypes.util

    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name == "harfbuzz-subset" else real(name))
    warnings = rendering.check_environment()
    assert len(warnings) == 1 and "libharfbuzz-subset0" in warnings[0] and "slow" in warnings[0]


def test_check_environment_warns_without_pango(monkeypatch):
    import ctypes.util

    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name.startswith("pango") else real(name))
    warnings = rendering.check_environment()
    assert any("libpango-1.0-0" in w and "cannot" in w for w in warnings)
