"""The clerk's main pages open without errors, with screenshots in tests/artifacts/ to look at."""
from __future__ import annotations

import re


def record_count(page) -> int:
    """The "<Record Count>: N" that FAB shows above a list (whatever the label's translation)."""
    text = page.locator("div.pull-right", has=page.locator("strong")).first.inner_text()
    m = re.search(r"[:：]\s*(\d+)\s*$", text.strip())
    assert m, f"no record count on the list page: {text!r}"
    return int(m.group(1))


def add_filter(page, column: str) -> None:
    page.locator("#filter_form button.dropdown-toggle").click()
    page.locator(f"#filter_form a.filter[name={column}]").click()
    page.locator(f"#filter_form table.filters [name$='_{column}']").wait_for(state="visible")


def test_owner_archive_list(clerk_page, artifacts_dir):
    page = clerk_page
    page.goto("ownermodelview/list/")
    assert record_count(page) > 500, "the demo estate has some 570 owners"
    rows = page.locator("table.table-bordered tbody tr")
    assert rows.count() > 10
    # phone numbers are masked in the list
    assert re.search(r"1\d\d\*{4}\d{4}", rows.first.inner_text())
    page.screenshot(path=str(artifacts_dir / "pages-owner-list.png"), full_page=True)


def test_unit_list_search_filters(clerk_page, artifacts_dir):
    page = clerk_page
    page.goto("unitmodelview/list/")
    total = record_count(page)
    page.locator("a.accordion-toggle").click()  # the collapsed 搜索 (search) panel
    page.locator("#filter_form").wait_for(state="visible")
    for column in ("code", "building", "property_type", "status", "chargeable_area"):
        add_filter(page, column)

    # every filter row stays inside its panel (it ran off the right edge before estate.css fixed it)
    inner = page.locator("#filter_form").evaluate("e => e.closest('.panel-body').getBoundingClientRect().right")
    right = page.locator("#filter_form table.filters").evaluate("e => e.getBoundingClientRect().right")
    assert right <= inner + 1, f"filter table ends at {right}px, its panel at {inner}px"
    page.screenshot(path=str(artifacts_dir / "pages-unit-list-filters.png"), full_page=True)

    # keep only the building filter: building 3 only
    for column in ("code", "property_type", "status", "chargeable_area"):
        page.locator("#filter_form table.filters tr", has=page.locator(f"[name$='_{column}']")) \
            .locator("a.remove-filter").click()
    page.locator("#filter_form select[name$='_building']").select_option(label="3栋", force=True)
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    filtered = record_count(page)
    assert 0 < filtered < total
    rooms = page.locator("table.table-bordered tbody tr td:nth-child(2)").all_inner_texts()
    assert rooms and all(r.strip().startswith("3-") for r in rooms), rooms
    page.screenshot(path=str(artifacts_dir / "pages-unit-list-building-3.png"), full_page=True)


def test_dashboard_figures(clerk_page):
    page = clerk_page
    page.goto("")
    figures = [int(t) for t in page.locator(".dashboard-figures .figure").all_inner_texts()]
    assert len(figures) == 4 and figures[0] > 500, figures
    assert "山水湖畔小区" in page.locator(".dashboard").inner_text()


def test_quick_search_with_several_hits_lists_them(clerk_page, artifacts_dir):
    page = clerk_page
    box = page.locator("input#quick-search")
    box.fill("王")  # a common surname: many owners
    with page.expect_navigation() as nav:
        box.press("Enter")
    page.screenshot(path=str(artifacts_dir / "pages-search-results.png"), full_page=True)
    assert nav.value.status == 200
    assert page.locator("table.search-owners tr").count() > 1

    box = page.locator("input#quick-search")
    box.fill("没有这个人")
    with page.expect_navigation() as nav:
        box.press("Enter")
    assert nav.value.status == 200
    assert page.locator(".alert-warning").is_visible(), "nothing found is said, not an error page"
