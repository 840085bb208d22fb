"""Forms typed as a person types them, in Chromium in Chinese: a notice's start time picked or
typed in the browser's date-time control, a price with its decimals, a rate with four."""
from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, login


def _new_notice(page, title: str) -> str:
    page.goto("noticemodelview/add")
    page.fill("input#title", title)
    page.fill("textarea#body", "第一段：明日停水。\n第二段：请提前储水。")
    with page.expect_navigation():
        page.click("form#model_form button[type=submit], form#model_form input[type=submit]")
    page.goto("noticemodelview/list/?_flt_0_title=" + title)
    link = page.locator("a[href*='/noticemodelview/show/']").first.get_attribute("href")
    return re.search(r"/show/(\d+)", link).group(1)


def test_a_notice_time_is_typed_into_the_date_time_control(page):
    login(page, "supervisor")
    pk = _new_notice(page, "浏览器停水通知")
    page.goto(f"noticemodelview/edit/{pk}")
    box = page.locator("input#starts_at")
    assert box.get_attribute("placeholder") == "2026-12-09 08:00"  # the example shows the way
    box.click()
    box.press_sequentially("２０２７年２月９日 8:30")  # as a Chinese input method types it
    # the calendar button opens the browser's picker; what is picked lands in the box
    page.locator("input#ends_at").fill("")
    page.locator(".estate-datetime:has(#ends_at) button[data-pick-datetime]").click()
    page.locator(".estate-datetime:has(#ends_at) .estate-datetime-picker").evaluate(
        "p => { p.value = '2027-02-09T18:00'; p.dispatchEvent(new Event('change', {bubbles: true})); }")
    assert page.locator("input#ends_at").input_value() == "2027-02-09 18:00"
    page.screenshot(path=str(ARTIFACTS / "form-notice-edit.png"), full_page=True)
    with page.expect_navigation():
        page.click("form#model_form button[type=submit], form#model_form input[type=submit]")
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    page.goto(f"noticemodelview/show/{pk}")
    html = page.content()
    assert "2027-02-09 08:30" in html and "2027-02-09 18:00" in html


def test_a_price_keeps_its_fen(page):
    login(page, "supervisor")
    page.goto("servicepricemodelview/list/")
    href = page.locator("a[href*='/servicepricemodelview/edit/']").first.get_attribute("href")
    page.goto(href)
    price = page.locator("input#price")
    assert re.fullmatch(r"\d+\.\d{2}", price.input_value()), price.input_value()  # shown with its fen
    price.fill("")
    price.press_sequentially("１.３０")  # a Chinese input method's full-width digits
    with page.expect_navigation():
        page.click("form#model_form button[type=submit], form#model_form input[type=submit]")
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    page.goto(href)
    assert page.locator("input#price").input_value() == "1.30"
    page.locator("input#price").fill("1.305")
    with page.expect_navigation():
        page.click("form#model_form button[type=submit], form#model_form input[type=submit]")
    assert "最多 2 位小数" in page.locator(".alert-danger").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "form-price-refused.png"), full_page=True)
