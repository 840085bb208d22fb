"""A clerk prints payment reminders from the arrears list in a real browser: ticks three units,
presses print and gets one PDF with their three letters, sorted by building and room."""
from __future__ import annotations

import time

from tests.browser.conftest import login
from tests.reports.pdfutil import page_texts, squash


def test_clerk_selects_three_units_and_downloads_their_reminders(page, artifacts_dir, tmp_path):
    login(page, "clerk")
    page.goto("arrears/")
    rows = page.locator("table.arrears-list tbody tr[data-unit]")
    assert rows.count() >= 3, "the demo estate has units in arrears"
    picked = [0, 2, 4] if rows.count() >= 5 else [0, 1, 2]
    rooms = [rows.nth(i).get_attribute("data-unit") for i in picked]
    for i in picked:
        rows.nth(i).locator('input[name="unit"]').check()
    page.screenshot(path=str(artifacts_dir / "arrears-01-three-selected.png"), full_page=False)

    # the form opens a new tab (the list stays where it was); the PDF arrives there as a download
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
    page.click("button.print-reminders")
    deadline = time.monotonic() + 60
    while not downloads and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert downloads, "no PDF was downloaded"
    download = downloads[0]
    assert download.suggested_filename.endswith(".pdf")
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    pages = [squash(t) for t in page_texts(target.read_bytes())]
    assert len(pages) == 3, "one letter a page for the three units ticked"
    for text in pages:
        assert "催缴通知书" in text and "第1页，共1页" in text
    # each letter is one of the ticked rooms; the letters come sorted by building and room
    found = [next(room for room in rooms if f"房号{room}" in text) for text in pages]
    assert sorted(found) == sorted(rooms) and len(set(found)) == 3
    assert page.url.rstrip("/").endswith("arrears"), "the list page stays open"
