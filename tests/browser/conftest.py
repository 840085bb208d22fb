"""Browser tests: Playwright (sync API) driving Debian's Chromium against a live Estate Desk.

One server per test session: ``python -m tests.browser.live_server`` in its own process, with its
own temporary instance folder and SQLite file (not the Flask-test-client ``app`` of
tests/conftest.py), seeded by the real first start. Each test gets a fresh browser context
(own cookies) in the Chinese locale; a failing test leaves a screenshot in tests/artifacts/.

Without a Chromium the tests are skipped with the reason, except under CI (CI=true) or with
REQUIRE_BROWSER_TESTS=1, where a missing browser is an error: CI installs it, so the tests
must really run there. CHROMIUM_PATH points to another Chromium binary.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.live_server import PASSWORD, READY_PREFIX
from tests.conftest import OFFICE_TODAY

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 180  # seconds: migrations + demo seed take ~5 s here
VIEWPORT = {"width": 1366, "height": 900}  # the office's usual screen


def _browser_required() -> bool:
    flags = (os.environ.get("CI", ""), os.environ.get("REQUIRE_BROWSER_TESTS", ""))
    return any(v.strip().lower() in ("1", "true", "yes") for v in flags)


def _unavailable(reason: str):
    if _browser_required():
        pytest.fail(f"browser tests must run here (CI / REQUIRE_BROWSER_TESTS) but {reason}", pytrace=False)
    pytest.skip(reason)


def _find_chromium() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(candidate)


# --- failure screenshots -----------------------------------------------------------------
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("FAILED-*.png"):  # from an earlier run
        old.unlink()
    return ARTIFACTS


# --- the live server ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> str:
    """Base URL (``http://127.0.0.1:<port>/``) of a real Estate Desk with the demo estate."""
    instance = tmp_path_factory.mktemp("browser-instance")
    log_path = instance / "server.log"
    # the server's office clock is pinned to the suite's day (tests/conftest.py), so that the
    # pages show what the tests compute from that day
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "OFFICE_TODAY": OFFICE_TODAY}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.live_server", str(instance)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        url = _wait_until_serving(proc, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log_path, ARTIFACTS / "browser-server.log")


def _wait_until_serving(proc: subprocess.Popen, log_path: Path) -> str:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    url = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"live server exited with {proc.returncode}:\n{_tail(log_path)}")
        if url is None:
            m = re.search(rf"^{READY_PREFIX}(\S+)$", log_path.read_text("utf-8", "replace"), re.M)
            url = m.group(1) if m else None
        if url is not None:
            try:
                with urllib.request.urlopen(url + "login/", timeout=5) as resp:
                    if resp.status == 200:
                        return url
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"live server did not answer within {SERVER_START_TIMEOUT} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])


# --- the browser -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _find_chromium()
    if path is None:
        _unavailable(
            f"no Chromium at {os.environ.get('CHROMIUM_PATH', DEFAULT_CHROMIUM)!r} "
            "(apt-get install chromium, or set CHROMIUM_PATH)"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -r requirements.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, live_server, artifacts_dir, request):
    """A fresh, logged-out tab (own cookies) on the live server, Chinese browser locale."""
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on(
        "response",
        lambda resp: problems.append(f"HTTP {resp.status} from {resp.url}") if resp.status >= 500 else None,
    )
    # a script or style the Content-Security-Policy blocked (app/security/headers.py)
    page.on("console", lambda msg: problems.append(f"CSP: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    yield page
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(artifacts_dir / f"FAILED-{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
            pass
    context.close()
    # A page that "worked" for the test but hit a server error or a script error is still broken
    # (see tests/artifacts/browser-server.log for the server side).
    if call is not None and call.passed and not hasattr(call, "wasxfail") and problems:
        pytest.fail("the browser saw errors:\n" + "\n".join(problems), pytrace=False)


def login(page, username: str, password: str = PASSWORD):
    """Log in through the real login form, as a person would."""
    page.goto("login/")
    page.fill("input#username", username)
    page.fill("input#password", password)
    with page.expect_navigation():
        page.click("form[name=login] input[type=submit]")
    return page


@pytest.fixture()
def clerk_page(page):
    """``page`` logged in as the demo clerk."""
    login(page, "clerk")
    assert "/login" not in page.url, "the clerk could not log in"
    return page
