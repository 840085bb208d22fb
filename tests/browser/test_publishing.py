"""The supervisor writes and publishes a notice; an owner's phone (no login) then reads it."""
from __future__ import annotations

from tests.browser.conftest import login


def test_supervisor_publishes_and_an_anonymous_browser_sees_it(browser, live_server, page, artifacts_dir):
    title = "电梯维保通知（浏览器测试）"
    login(page, "supervisor")
    page.goto("noticemodelview/add")
    page.select_option("select#kind", "announcement")
    page.fill("input#title", title)
    page.fill("textarea#body", "3 栋电梯将于本周六上午维保，请业主合理安排出行。")
    with page.expect_navigation():
        page.click("form#model_form button[type=submit]")
    page.goto("noticemodelview/list/")
    page.get_by_text(title).first.wait_for()
    # open the record and publish it (the button asks for confirmation first)
    row = page.locator("table tbody tr", has_text=title).first
    with page.expect_navigation():
        row.locator("a[href*='/noticemodelview/show/']").first.click()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("form[action*='/noticemodelview/publish/'] button").click()
    page.screenshot(path=str(artifacts_dir / "publish-01-staff.png"), full_page=True)

    owner = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 844})
    phone = owner.new_page()
    phone.goto("public/notices")
    phone.get_by_text(title).first.wait_for()
    with phone.expect_navigation():
        phone.get_by_text(title).first.click()
    assert "3 栋电梯将于本周六上午维保" in phone.content()
    phone.screenshot(path=str(artifacts_dir / "publish-02-public.png"), full_page=True)
    owner.close()
