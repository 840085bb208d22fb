"""The signature pad in a real browser: the owner signs on the canvas with the mouse, the
visit is saved with the drawing as a PNG and its page shows it (brief "visits"; the other
visit tests are in tests/visits/)."""
from __future__ import annotations

import re

from tests.browser.conftest import login


def test_owner_signs_on_screen_and_the_signature_is_shown(page, artifacts_dir):
    login(page, "clerk")
    page.goto("visitmodelview/add")
    assert page.locator("form[data-visit-form] canvas").is_visible()
    assert not page.locator("#signature_scan").is_visible()  # the scan field is for paper signatures
    page.fill("#unit_code", "3-2-501")
    page.fill("#met_person", "浏览器签名")
    box = page.locator("form[data-visit-form] canvas").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 60)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 30 + i * 25, box["y"] + 60 + (20 if i % 2 else -20), steps=3)
    page.mouse.up()
    page.screenshot(path=str(artifacts_dir / "visits-01-form-signed.png"), full_page=True)
    # the drawing went into the form as a PNG file (or a data URL)
    page.wait_for_function(
        "() => { const f = document.querySelector('[data-signature-file]');"
        " const d = document.querySelector('[data-signature-data]');"
        " return (f.files && f.files.length === 1) || d.value.startsWith('data:image/png'); }")
    with page.expect_navigation():
        page.click("form[data-visit-form] button[type=submit]")
    assert re.search(r"/visitmodelview/show/\d+", page.url), page.url
    img = page.locator("img.signature-image")
    img.wait_for()
    assert page.evaluate("() => document.querySelector('img.signature-image').naturalWidth") == 600
    page.screenshot(path=str(artifacts_dir / "visits-02-visit-with-signature.png"), full_page=True)
    page.goto("visits/quota")
    page.screenshot(path=str(artifacts_dir / "visits-03-quota-panel.png"), full_page=True)
    page.goto("search/?q=3-2-501")
    page.screenshot(path=str(artifacts_dir / "visits-04-unit-timeline.png"), full_page=True)


def test_paper_signature_shows_the_scan_field(page):
    login(page, "clerk")
    page.goto("visitmodelview/add")
    page.check("input[name=signature_kind][value=paper]")
    assert page.locator("#signature_scan").is_visible()
    assert not page.locator("form[data-visit-form] canvas").is_visible()
