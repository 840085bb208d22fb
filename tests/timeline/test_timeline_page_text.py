"""What the unit timeline page says: a date-only event (a charge's period) reads as a date, an
event with a time of day keeps it; who changed an owner record reads as a name, not a login."""
import re

from tests.conftest import do_login


def _unit_page(client, code="3-2-501") -> str:
    """The unit's whole timeline (the unit page shows only the latest events, which other tests'
    work orders may fill)."""
    resp = client.get(f"/search/?q={code}")
    unit_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    return client.get(f"/timeline/unit/{unit_id}").get_data(as_text=True)


def test_charges_read_as_dates_and_receipts_keep_their_time(app, client):
    do_login(client, "clerk")
    html = _unit_page(client)
    stamps = re.findall(r'timeline-at text-muted">([^<]+)<', html)
    assert stamps, "the unit has a timeline"
    assert not any(s.endswith("00:00") for s in stamps), stamps
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) for s in stamps)  # the charges
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", s) for s in stamps)  # the receipts


def test_owner_record_changes_name_the_process_not_its_login(app, client):
    do_login(client, "clerk")
    html = _unit_page(client)
    assert "demo-seed" not in html and "test-seed" not in html
