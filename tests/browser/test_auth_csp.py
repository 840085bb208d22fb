"""The Content-Security-Policy (app/security/headers.py) in a real browser: the pages that use
scripts still work and the console shows no violation -- the login page, a list with its search
panel, an edit form with date pickers and select2, the cash desk, the arrears list, the public
pages and their PDF posters."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login
from tests.browser.test_pages import add_filter


@pytest.fixture()
def violations(page):
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    return found


def _no_violations(found):
    assert not found, "CSP violations:\n" + "\n".join(found)


def test_login_page_and_login(page, violations):
    page.goto("login/")
    assert page.evaluate("() => typeof window.jQuery === 'function'"), "FAB's scripts did not load"
    login(page, "admin")
    assert "/login" not in page.url
    _no_violations(violations)


def test_list_page_search_panel(page, violations):
    login(page, "clerk")
    page.goto("unitmodelview/list/")
    # FAB's search panel is wired by an inline script (AdminFilters): it runs only with the nonce
    page.locator("a.accordion-toggle").click()
    page.locator("#filter_form").wait_for(state="visible")
    add_filter(page, "building")
    page.locator("#filter_form select[name$='_building']").select_option(label="3栋", force=True)
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    assert "_flt_" in page.url
    _no_violations(violations)


def test_edit_form_with_date_picker_and_select2(page, violations):
    login(page, "clerk")
    page.goto("occupancymodelview/add")
    page.wait_for_load_state("networkidle")
    # select2 turned the relation selects into its widgets; the date field has its picker
    assert page.locator(".select2-container").count() >= 1
    date = page.locator("input[name=move_in_date]")
    assert date.count() == 1
    date.click()
    assert page.locator(".datepicker, .bootstrap-datetimepicker-widget").first.is_visible()
    _no_violations(violations)


def test_cash_desk_and_arrears(page, violations):
    login(page, "clerk")
    page.goto("unitmodelview/list/")
    href = page.locator("a[href*='/unitmodelview/show/']").first.get_attribute("href")
    unit_id = re.search(r"/show/(\d+)", href).group(1)
    page.goto(f"cashdesk/unit/{unit_id}")
    page.wait_for_load_state("networkidle")
    assert page.locator("form").count() >= 1
    page.goto("arrears/")
    boxes = page.locator("input[name=unit]")
    if boxes.count():
        page.check("input[data-select-all=unit]")  # the select-all box (static/estate.js)
        assert all(boxes.nth(i).is_checked() for i in range(min(boxes.count(), 5)))
    _no_violations(violations)


def test_public_pages_and_poster(page, violations):
    page.goto("public/fees")
    assert page.locator(".public-header").count() == 1
    page.goto("public/notices")
    page.goto("public/services")
    resp = page.request.get(page.url.split("/public/")[0] + "/public/fees.pdf")
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
    assert re.search(r"frame-ancestors 'none'", resp.headers["content-security-policy"])
    _no_violations(violations)
