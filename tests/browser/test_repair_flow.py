"""A phone repair, in real browsers: the clerk records it by room number and dispatches it to
engineering; the engineer (own browser) starts and completes it; the clerk registers the
receipt stub and a satisfied callback. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import re

from tests.browser.conftest import login

ROOM = "3-2-501"


# states are checked by their code (data-state): the Chinese labels arrive with the catalog merge


def _post(page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f"form[action$='/{action}'] button[type=submit]").first.click()


def test_phone_repair_from_intake_to_callback(browser, live_server, page, artifacts_dir):
    description = "厨房水槽下水管漏水（浏览器测试）"
    login(page, "clerk")
    page.goto("workordermodelview/add")
    page.fill("input#unit_code", ROOM)
    page.fill("input#caller", "李女士")
    page.fill("input#phone", "13851239999")
    page.select_option("select#channel", "phone")
    page.select_option("select#category", "water")
    page.select_option("select#urgency", "normal")
    page.fill("textarea#description", description)
    with page.expect_navigation():
        page.click("form#model_form button[type=submit]")
    page.goto("workordermodelview/list/")
    with page.expect_navigation():
        page.locator("table tbody tr").first.locator("a[href*='/workordermodelview/show/']").first.click()
    assert description in page.content() and ROOM in page.content()
    show_url = page.url
    number = re.search(r"BX\d{4}-\d{5}", page.content()).group(0)

    # dispatch to engineering
    page.select_option("form.dispatch-form select#department", "engineering")
    with page.expect_navigation():
        page.click("form.dispatch-form button[type=submit]")
    assert page.locator(".wo-state").get_attribute("data-state") == "dispatched"
    page.screenshot(path=str(artifacts_dir / "repair-01-dispatched.png"), full_page=True)

    # the engineer, in a browser of their own, sees it and finishes the job
    eng_ctx = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1366, "height": 900})
    eng = eng_ctx.new_page()
    login(eng, "engineer")
    eng.goto("workordermodelview/list/")
    eng.get_by_text(number).first.wait_for()
    eng.goto(show_url)
    _post(eng, "start")
    assert eng.locator(".wo-state").get_attribute("data-state") == "in_progress"
    eng.fill("form.complete-form input[name=note]", "更换下水管接头")
    with eng.expect_navigation():
        eng.click("form.complete-form button[type=submit]")
    assert eng.locator(".wo-state").get_attribute("data-state") == "completed"
    eng.screenshot(path=str(artifacts_dir / "repair-02-engineer-completed.png"), full_page=True)
    eng_ctx.close()

    # back at the desk: the receipt stub comes back, then the callback
    page.goto(show_url)
    _post(page, "return_stub")
    assert page.locator(".wo-state").get_attribute("data-state") == "stub_returned"
    page.check("form.callback-form input[name=satisfied][value='1']")
    page.fill("form.callback-form textarea[name=notes]", "业主表示修得很好")
    with page.expect_navigation():
        page.click("form.callback-form button[type=submit]")
    assert page.locator(".wo-state").get_attribute("data-state") == "called_back"
    assert "业主表示修得很好" in page.content()
    page.screenshot(path=str(artifacts_dir / "repair-03-called-back.png"), full_page=True)
