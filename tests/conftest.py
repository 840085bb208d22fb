"""Shared fixtures: one app per test session on a fresh database, migrated and seeded with the
demo estate (as `python run.py` does), plus a small second estate for scope tests.

CSRF stays ON (a GET on FAB's delete URL deletes when it is off): use ``login`` and
``csrf_token`` to post forms as a browser would.
"""
from __future__ import annotations

import os
import re

import pytest

# The office clock is pinned for the whole suite, so that its expectations hold on any day:
# OFFICE_TODAY from the environment (CI runs the date-sensitive tests on awkward days with it,
# see .ci/run), else this day. Set in the environment before the app is imported, so that
# config.py, code outside an app context (app.core.clock reads the environment then) and the
# browser tests' live server (a subprocess) all see the same day. Expected dates in tests are
# computed from clock.today(), never written as a month that is only true this month.
DEFAULT_OFFICE_TODAY = "2026-12-07"
OFFICE_TODAY = os.environ.get("OFFICE_TODAY", "").strip() or DEFAULT_OFFICE_TODAY
os.environ["OFFICE_TODAY"] = OFFICE_TODAY

from app import create_app  # noqa: E402 - after the pin above

PASSWORD = "demo-password-2026"
# every app the tests build signs with this (PyJWT wants an HMAC key of at least 32 bytes)
TEST_SECRET_KEY = "test-secret-key-of-the-estate-desk-suite-2026"
OTHER_ESTATE = "测试小区B"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'test.db'}"
    app = create_app(
        SQLALCHEMY_DATABASE_URI=url,
        INSTANCE_PATH=str(instance),
        TESTING=True,
        SECRET_KEY=TEST_SECRET_KEY,
        DEMO_PASSWORD=PASSWORD,
        OFFICE_TODAY=OFFICE_TODAY,
    )
    with app.app_context():
        from app.bootstrap import first_start

        first_start(seed_demo=True, demo_password=PASSWORD)
        _seed_other_estate(app)
    return app


def _seed_other_estate(app):
    """Estate B with one unit, one owner and its own clerk (clerk_b)."""
    from decimal import Decimal

    from app.core.audit import acting_as
    from app.estate.models import Building, Entrance, Estate, Unit, Zone
    from app.extensions import db
    from app.owners.models import Occupancy, Owner
    from app.security.models import StaffEstate

    with acting_as(name="test-seed"):
        estate = Estate(name=OTHER_ESTATE, company_name="测试物业")
        db.session.add(estate)
        db.session.flush()
        zone = Zone(estate=estate, estate_id=estate.id, name="A区")
        b = Building(zone=zone, number="3")
        e = Entrance(building=b, number="2")
        u = Unit(entrance=e, room_number="501", property_type="high_rise",
                 chargeable_area=Decimal("100.00"), status="occupied")
        u.derive()
        o = Owner(estate_id=estate.id, name="乙小区业主", phone="13900009999", id_number="E12345678")
        db.session.add_all([zone, b, e, u, o, Occupancy(unit=u, owner=o, relation="owner")])
        db.session.flush()
        sm = app.appbuilder.sm
        user = sm.add_user("clerk_b", "乙小区客服", "测试", "clerk_b@demo.invalid", sm.find_role("Clerk"), password=PASSWORD)
        db.session.add(StaffEstate(user_id=user.id, estate_id=estate.id))
        db.session.commit()


@pytest.fixture()
def client(app):
    return app.test_client()


def csrf_token(client, url: str = "/login/") -> str:
    html = client.get(url).get_data(as_text=True)
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert m, f"no CSRF token on {url}"
    return m.group(1)


def do_login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client, "/login/")
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


def logout(client):
    """Log out as the navbar does: a POST with the CSRF token (a GET of /logout/ only asks)."""
    token = csrf_token(client, "/logout/")
    return client.post("/logout/", data={"csrf_token": token})


@pytest.fixture()
def login(client):
    """login("clerk") logs the test client in; returns the client."""

    def _login(username: str, password: str = PASSWORD):
        resp = do_login(client, username, password)
        assert resp.status_code in (200, 302)
        return client

    return _login


@pytest.fixture()
def login_limit(app):
    """The login rate limit's counters emptied before and after the test (app.security.limiter):
    tests that fail logins on purpose must not lock out the tests that follow."""
    from app.security.limiter import reset_login_limit

    reset_login_limit(app)
    yield app.extensions["login_limiter"]
    reset_login_limit(app)


@pytest.fixture()
def count_sql(app):
    """The SQL statements the test runs, as a list it may clear (BEGIN/COMMIT/ROLLBACK left out):
    pages must cost a constant, small number of statements."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def _count(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    yield seen
    event.remove(engine, "before_cursor_execute", _count)


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture()
def demo_estate(app_ctx):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate
    from app.extensions import db

    return db.session.query(Estate).filter_by(name=ESTATE_NAME).one()


@pytest.fixture()
def other_estate(app_ctx):
    from app.estate.models import Estate
    from app.extensions import db

    return db.session.query(Estate).filter_by(name=OTHER_ESTATE).one()


def pytest_configure(config):
    # Noise from FAB/WTForms internals we cannot change; our own warnings still show.
    for line in (
        "ignore::DeprecationWarning:wtforms.*",
        "ignore::DeprecationWarning:flask_appbuilder.*",
        "ignore:.*get_engine.*:DeprecationWarning",
        "ignore::sqlalchemy.exc.LegacyAPIWarning",
        # a short SECRET_KEY signs JWTs weakly: a test app built with one fails (TEST_SECRET_KEY)
        "error::jwt.warnings.InsecureKeyLengthWarning",
    ):
        config.addinivalue_line("filterwarnings", line)
