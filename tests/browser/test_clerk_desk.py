"""A clerk at the front desk, in a real browser: log in, find room 3-2-501, open its owner.

Screenshots go to tests/artifacts/ (git-ignored) so that a person can look at the pages.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOM = "3-2-501"


def open_menu(page, toggle_selector: str) -> None:
    """Open a Bootstrap navbar dropdown (flag or user menu) by clicking it, as a person would."""
    toggle = page.locator(toggle_selector)
    toggle.click()
    toggle.locator("xpath=..").locator(".dropdown-menu").wait_for(state="visible")


FLAG_MENU = "header .navbar-right li.dropdown > a.dropdown-toggle:has(i.flag)"
USER_MENU = "header .navbar-right li.dropdown > a.dropdown-toggle:has(.fa-user)"
PROFILE_LINK = 'header .navbar-right a[href$="/users/userinfo/"]'
# logout is a small POST form (a GET of /logout/ only asks): its button
LOGOUT_LINK = 'header .navbar-right form.navbar-logout[action$="/logout/"] button[type=submit]'


def assert_user_menu_language(page, chinese: bool) -> None:
    """The open user menu's two entries (FAB's "Profile" and "Logout") are in the language."""
    profile = page.locator(PROFILE_LINK)
    logout = page.locator(LOGOUT_LINK)
    assert profile.is_visible() and logout.is_visible()
    texts = [profile.inner_text().strip(), logout.inner_text().strip()]
    if chinese:
        assert all(CJK.search(t) for t in texts), f"user menu not in Chinese: {texts}"
    else:
        assert texts == ["Profile", "Logout"], f"user menu not in English: {texts}"


def test_clerk_finds_room_and_its_owner_in_chinese(page, artifacts_dir):
    page.goto("login/")
    assert page.locator("input#username").is_visible()
    page.screenshot(path=str(artifacts_dir / "clerk-01-login.png"), full_page=True)

    login(page, "clerk")
    assert re.search(r"/$", page.url), f"after login the clerk should land on the dashboard, not {page.url}"
    page.screenshot(path=str(artifacts_dir / "clerk-02-dashboard.png"), full_page=True)

    # the top-bar quick search, typed and submitted with Enter
    box = page.locator("input#quick-search")
    box.fill(ROOM)
    with page.expect_navigation():
        box.press("Enter")
    assert "/unitmodelview/show/" in page.url, f"one hit opens the unit directly, got {page.url}"
    panel = page.locator(".unit-occupants")
    assert ROOM in panel.locator(".panel-title").inner_text()
    page.screenshot(path=str(artifacts_dir / "clerk-03-unit-3-2-501.png"), full_page=True)

    owner_link = panel.locator(".occupant-list a").first
    owner_name = owner_link.inner_text().strip()
    assert CJK.search(owner_name), f"the demo owner has a Chinese name, got {owner_name!r}"
    with page.expect_navigation():
        owner_link.click()
    assert "/ownermodelview/show/" in page.url

    body = page.locator("body").inner_text()
    assert owner_name in body
    assert ROOM in body, "the owner page lists the owner's units"

    # the page is in Chinese: FAB's own navbar strings (用户信息/注销 or whatever our catalog
    # makes of them) are Chinese, and the English ones are gone
    open_menu(page, USER_MENU)
    assert_user_menu_language(page, chinese=True)
    page.screenshot(path=str(artifacts_dir / "clerk-04-owner.png"), full_page=True)


def test_language_menu_switches_to_english_and_back(clerk_page):
    page = clerk_page
    page.goto("ownermodelview/list/")
    english = page.locator('header a[href$="/lang/en"]')
    chinese = page.locator('header a[href$="/lang/zh_CN"]')

    open_menu(page, FLAG_MENU)
    if not english.is_visible():
        # Known bug (see test_fresh_session_flag_menu_offers_english): before a language has
        # been picked, the menu believes the page is English and offers only 简体中文.
        with page.expect_navigation():
            chinese.click()
        open_menu(page, FLAG_MENU)
    with page.expect_navigation():
        english.click()
    assert "/ownermodelview/list/" in page.url, "switching language stays on the same page"
    assert page.locator(f"{FLAG_MENU} i.flag.gb").count() == 1
    open_menu(page, USER_MENU)
    assert_user_menu_language(page, chinese=False)

    page.goto("unitmodelview/list/")  # the choice sticks for the session
    assert page.locator(LOGOUT_LINK).text_content().strip() == "Logout"

    open_menu(page, FLAG_MENU)
    with page.expect_navigation():
        chinese.click()
    assert page.locator(f"{FLAG_MENU} i.flag.cn").count() == 1
    open_menu(page, USER_MENU)
    assert_user_menu_language(page, chinese=True)


def test_fresh_session_flag_menu_offers_english(clerk_page):
    page = clerk_page
    assert page.locator(f"{FLAG_MENU} i.flag.cn").count() == 1, "the flag shows the page's language"
    open_menu(page, FLAG_MENU)
    assert page.locator('header a[href$="/lang/en"]').is_visible()


def test_wrong_password_shows_error_and_does_not_log_in(page, artifacts_dir):
    login(page, "clerk", "not-the-password")
    assert "/login" in page.url, "a wrong password stays on the login page"
    alert = page.locator(".alert")
    alert.first.wait_for(state="visible")
    message = alert.first.inner_text()
    assert CJK.search(message) and "密码" in message, f"a Chinese message about the password, got {message!r}"
    assert page.locator("input#quick-search").count() == 0, "no staff navbar: not logged in"
    page.screenshot(path=str(artifacts_dir / "clerk-05-wrong-password.png"), full_page=True)

    page.goto("ownermodelview/list/")
    assert "/login" in page.url, "the owner archive still asks for a login"
