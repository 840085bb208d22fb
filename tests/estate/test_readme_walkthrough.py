"""The README's walk-through holds on any office day (CI runs this folder with the clock pinned
to awkward days, see .ci/run): log in as clerk, type 3-2-501 in the search box, and the unit
opens with what it owes as of today, the people who live there and its timeline."""
from __future__ import annotations

import re

from app.core import clock


def test_clerk_types_3_2_501_and_sees_what_it_owes_as_of_today(app, login):
    client = login("clerk")
    resp = client.get("/search/?q=3-2-501")
    assert resp.status_code == 302 and "/unitmodelview/show/" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        today = clock.today()
    account = re.search(r'<div class="unit-account[^"]*"\s+data-as-of="([^"]+)"', page)
    assert account, "the unit page opens with what the unit owes"
    assert account.group(1) == today.isoformat(), "as of the office's day"
    # one of: the unpaid total (and how much of it is overdue since when), or nothing owed
    assert re.search(r'data-figure="(unpaid|nothing-owed)"', page)
    since = re.search(r'data-figure="since">([^<]+)<', page)
    if since:  # an overdue period is never after the office's month
        period = re.search(r"\d{4}-\d{2}", since.group(1)).group(0)
        assert period <= f"{today:%Y-%m}", since.group(1)
    assert 'class="panel panel-info unit-occupants"' in page and "3-2-501" in page
    assert "timeline" in page
