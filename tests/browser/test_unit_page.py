"""The unit page in a real browser: the top bar is one row on the office's screens (1366 and
1280 px wide) for the clerk and the Admin (the most menus), and the clerk sees at the top of
room 12-1-208 what it owes. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from app.fees.rules import period_of, previous_period
from tests.browser.conftest import login
from tests.conftest import OFFICE_TODAY

# A demo unit in arrears, with a late fee, since some month of the demo's year (which one
# depends on the demo's random payments). The live server runs on the suite's pinned day
# (tests/conftest.py).
ROOM = "12-1-208"


def _months_before(day: str, months: int) -> str:
    period = period_of(dt.date.fromisoformat(day))
    for _ in range(months):
        period = previous_period(period)
    return period
USER_MENU = "header .navbar-right li.dropdown > a.dropdown-toggle:has(.fa-user)"


def _bar(page) -> dict:
    """Boxes of the top bar and of every item on it (menus, search, language, user)."""
    return page.evaluate("""() => {
      const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: r.height,
                                                                       width: r.width, left: r.left, right: r.right}; };
      const nav = document.querySelector('header .navbar');
      const items = [...nav.querySelectorAll('.navbar-header, .navbar-nav > li, form.quick-search')];
      return {nav: box(nav), row: box(nav.querySelector('.navbar-nav > li > a')),
              items: items.map(e => ({text: e.innerText.trim(), ...box(e)}))};
    }""")


@pytest.mark.parametrize("user", ["clerk", "admin"])
@pytest.mark.parametrize("width, height", [(1366, 900), (1280, 800)])
def test_top_bar_is_one_row(page, artifacts_dir, user, width, height):
    page.set_viewport_size({"width": width, "height": height})
    login(page, user)
    page.goto(f"search/?q={ROOM}")
    assert "/unitmodelview/show/" in page.url
    bar = _bar(page)
    page.screenshot(path=str(artifacts_dir / f"topbar-{user}-{width}.png"), clip={"x": 0, "y": 0, "width": width, "height": 140})
    row = bar["row"]["height"]
    assert 40 <= row <= 60, bar["row"]
    # the bar is one row high (plus its 1-px borders), and every item sits on that row
    assert bar["nav"]["height"] <= row + 2, f"the top bar wraps: {bar['nav']['height']} px for a {row}-px row"
    off_row = [i["text"] for i in bar["items"] if i["top"] >= bar["nav"]["top"] + row or i["height"] == 0]
    assert not off_row, f"not on the first row (or hidden): {off_row}"
    assert all(i["right"] <= width for i in bar["items"]), "nothing runs past the right edge"
    # nothing a role needs is hidden: the search box, the language (flag + short name) and the user
    assert page.locator("input#quick-search").is_visible()
    assert page.locator("header .language-menu i.flag.cn").is_visible()
    assert page.locator("header .language-menu .lang-short").inner_text().strip() == "中文"
    toggle = page.locator(USER_MENU)
    name = toggle.inner_text().strip()
    assert name and "（" not in name, f"the bar shows the person's name only, got {name!r}"
    toggle.click()
    who = page.locator("header .user-menu-who")
    who.wait_for(state="visible")
    roles = {"clerk": "物业管理员", "admin": "系统管理员"}
    assert name in who.inner_text() and roles[user] in who.inner_text(), who.inner_text()


def test_clerk_sees_what_the_unit_owes(clerk_page, artifacts_dir):
    page = clerk_page
    page.goto(f"search/?q={ROOM}")
    account = page.locator(".unit-account")
    assert account.is_visible()
    # above the occupants, right under the buttons (收款 ...)
    assert account.bounding_box()["y"] < page.locator(".unit-occupants").bounding_box()["y"]
    text = account.inner_text()
    for figure in ("unpaid", "overdue", "since", "late-fee", "stage"):
        assert account.locator(f'[data-figure="{figure}"]').is_visible(), figure
    assert re.search(r"¥[\d,]+\.\d\d", account.locator('[data-figure="overdue"]').inner_text())
    since = re.search(r"(\d{4}-\d{2})\D+(\d+)", account.locator('[data-figure="since"]').inner_text())
    assert since, text  # 自 2026-07 起欠费，已逾期 129 天: a month of the demo's year, and its days
    assert _months_before(OFFICE_TODAY, 12) <= since.group(1) <= _months_before(OFFICE_TODAY, 1), text
    assert int(since.group(2)) > 0, text
    page.screenshot(path=str(artifacts_dir / "unit-12-1-208-account.png"), full_page=False)
    with page.expect_navigation():
        account.locator('a[href*="/collection/unit/"]').click()
    assert "/collection/unit/" in page.url
