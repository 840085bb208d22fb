"""The security log keeps UTC and shows and searches the office clock, to the second."""
import datetime as dt

from app.core.history import local_time
from app.extensions import db
from app.security.event_models import SecurityEvent
from tests.conftest import do_login


def test_security_log_reads_and_searches_local_time(app, client):
    do_login(client, "admin")
    with app.app_context():
        event = db.session.query(SecurityEvent).order_by(SecurityEvent.id.desc()).first()
        local = local_time(event.at)
    html = client.get("/securityeventmodelview/list/").get_data(as_text=True)
    assert local.strftime("%Y-%m-%d %H:%M:%S") in html, "the latest login, on the office clock"
    assert event.at.strftime("%Y-%m-%d %H:%M:%S") not in html or local == event.at
    minute = dt.timedelta(minutes=1)

    def listed(index, moment):
        url = f"/securityeventmodelview/list/?_flt_{index}_at={moment:%Y-%m-%d %H:%M:%S}"
        return local.strftime("%Y-%m-%d %H:%M:%S") in client.get(url).get_data(as_text=True)

    assert listed(0, local - minute) and not listed(0, local + minute)
    assert listed(1, local + minute)
