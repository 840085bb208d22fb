"""Helpers of the security tests.

- ``browser(username)``: a test client logged in as ``username`` (None = anonymous) with the
  CSRF token of its session, cached per module: the matrix walks hundreds of cells.
- ``sec_ids``: plain ids of the fixture data. No ORM object and no pushed app context is
  kept while requests run: with an app context pushed (the ``app_ctx``/``demo_estate``
  fixtures), every request of the test shares one ``flask.g``, so the estate ids cached by
  ``EstateSecurityManager.current_estate_ids`` and Flask-Login's user would leak from one
  logged-in user to the next.
- ``throwaway``: records created for a test to delete (or to fail to delete), removed at
  the end of the module whatever happened.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from tests.conftest import OTHER_ESTATE, PASSWORD, csrf_token

OTHER_OWNER = "乙小区业主"
ROOM = "3-2-501"


def uniq(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


def path_of(response) -> str | None:
    loc = response.headers.get("Location")
    return urlparse(loc).path if loc else None


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and path_of(response) == "/login/"


class Browser:
    """A test client with its own cookie jar, logged in as ``username`` (None: anonymous)."""

    def __init__(self, app, username: str | None, password: str = PASSWORD):
        self.app = app
        self.username = username
        self.client = app.test_client()
        # Flask-WTF keeps the raw token in the session; the token of the login page stays
        # valid after the login (FAB does not reset the session).
        self.token = csrf_token(self.client, "/login/")
        if username:
            resp = self.client.post(
                "/login/", data={"username": username, "password": password, "csrf_token": self.token}
            )
            assert resp.status_code == 302 and path_of(resp) != "/login/", f"login of {username} failed"

    # requests -------------------------------------------------------------------------
    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post_form(self, url, data=None):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})})

    def api(self, method: str, url: str, json=None):
        return self.client.open(url, method=method, json=json, headers={"X-CSRFToken": self.token})

    def html(self, url) -> str:
        resp = self.get(url)
        assert resp.status_code == 200, f"{self.username}: GET {url} -> {resp.status_code}"
        return resp.get_data(as_text=True)


@pytest.fixture(scope="module")
def browser(app):
    cache: dict[str | None, Browser] = {}

    def _browser(username: str | None) -> Browser:
        if username not in cache:
            cache[username] = Browser(app, username)
        return cache[username]

    return _browser


@pytest.fixture(scope="module")
def sec_ids(app):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate, Unit
    from app.extensions import db
    from app.owners.models import Occupancy, Owner

    with app.app_context():
        demo = db.session.query(Estate).filter_by(name=ESTATE_NAME).one()
        other = db.session.query(Estate).filter_by(name=OTHER_ESTATE).one()
        b_owner = db.session.query(Owner).filter_by(estate_id=other.id, name=OTHER_OWNER).one()
        b_unit = db.session.query(Unit).filter_by(estate_id=other.id, code=ROOM).one()
        demo_unit = db.session.query(Unit).filter_by(estate_id=demo.id, code=ROOM).one()
        # a demo owner with a mobile phone, an 18-character ID, an emergency phone and a
        # unit; the first such by id, so every run picks the same one
        occ = (
            db.session.query(Occupancy)
            .join(Owner, Occupancy.owner_id == Owner.id)
            .filter(
                Owner.estate_id == demo.id,
                Owner.phone.isnot(None),
                Owner.emergency_phone.isnot(None),
                Owner.id_number.isnot(None),
                Occupancy.move_out_date.is_(None),
            )
            .order_by(Owner.id)
            .first()
        )
        owner = occ.owner
        assert len(owner.phone) == 11 and len(owner.id_number) == 18
        assert db.session.query(Owner).filter_by(name=owner.name).count() == 1, "pick a unique name"
        return SimpleNamespace(
            demo=demo.id,
            other=other.id,
            b_owner=b_owner.id,
            b_unit=b_unit.id,
            demo_unit=demo_unit.id,
            owner=owner.id,
            owner_name=owner.name,
            owner_phone=owner.phone,
            owner_emergency_phone=owner.emergency_phone,
            owner_id_number=owner.id_number,
            owner_occupancy=occ.id,
            owner_unit=occ.unit_id,
        )


class Throwaway:
    """Makes records nobody else uses; ``cleanup`` removes what the tests left behind."""

    def __init__(self, app, demo_id: int):
        self.app = app
        self.demo_id = demo_id
        self.made: list[tuple[type, int]] = []

    # -- factories, by model class name --------------------------------------------------
    def make(self, model_name: str) -> tuple[type, int]:
        from app.core.audit import acting_as
        from app.extensions import db

        factory = getattr(self, f"_make_{model_name}", None)
        if factory is None:
            raise KeyError(model_name)
        with self.app.app_context(), acting_as(name="security-tests"):
            obj = factory(db.session)
            db.session.commit()
            made = (type(obj), obj.id)
        return made

    def can_make(self, model_name: str) -> bool:
        return hasattr(self, f"_make_{model_name}")

    def _add(self, session, obj):
        session.add(obj)
        session.flush()
        self.made.append((type(obj), obj.id))
        return obj

    def _first(self, session, model):
        return session.query(model).filter_by(estate_id=self.demo_id).order_by(model.id).first()

    def _make_Estate(self, s):
        from app.estate.models import Estate

        return self._add(s, Estate(name=uniq("删测小区-")))

    def _make_Zone(self, s):
        from app.estate.models import Zone

        return self._add(s, Zone(estate_id=self.demo_id, name=uniq("删测组团-")))

    def _make_Building(self, s):
        from app.estate.models import Building, Zone

        return self._add(s, Building(zone=self._first(s, Zone), estate_id=self.demo_id, number=uniq("X")))

    def _make_Entrance(self, s):
        from app.estate.models import Building, Entrance

        return self._add(s, Entrance(building=self._first(s, Building), estate_id=self.demo_id, number=uniq("X")))

    def _make_Unit(self, s):
        from app.estate.models import Entrance, Unit

        unit = Unit(entrance=self._first(s, Entrance), estate_id=self.demo_id, room_number=uniq("X"),
                    chargeable_area=Decimal("50.00"), property_type="multi_storey", status="vacant")
        unit.derive()
        return self._add(s, unit)

    def _make_Owner(self, s):
        from app.owners.models import Owner

        return self._add(s, Owner(estate_id=self.demo_id, name=uniq("删测业主-")))

    def _make_Occupancy(self, s):
        from app.owners.models import Occupancy

        unit, owner = self._make_Unit(s), self._make_Owner(s)
        return self._add(s, Occupancy(unit=unit, owner=owner, estate_id=self.demo_id, relation="owner"))

    def _make_User(self, s):
        sm = self.app.appbuilder.sm
        name = uniq("tmp_").lower()
        user = sm.add_user(name, "临时", "用户", f"{name}@test.invalid", sm.find_role("Public"),
                           password=uuid.uuid4().hex)
        assert user, "could not create a throwaway user"
        self.made.append((type(user), user.id))
        return user

    def _make_StaffEstate(self, s):
        from app.security.models import StaffEstate

        user = self._make_User(s)
        return self._add(s, StaffEstate(user_id=user.id, estate_id=self.demo_id))

    def _make_Role(self, s):
        sm = self.app.appbuilder.sm
        role = sm.add_role(uniq("TmpRole_"))
        self.made.append((type(role), role.id))
        return role

    def _make_Group(self, s):
        sm = self.app.appbuilder.sm
        name = uniq("tmpgroup_")
        group = sm.add_group(name, name, "security tests")
        self.made.append((type(group), group.id))
        return group

    # -- checks and cleanup ----------------------------------------------------------------
    def exists(self, model, pk) -> bool:
        from app.extensions import db

        with self.app.app_context():
            return db.session.get(model, pk) is not None

    def cleanup(self) -> None:
        from app.core.audit import acting_as
        from app.extensions import db

        with self.app.app_context(), acting_as(name="security-tests"):
            for model, pk in reversed(self.made):  # children were made after their parents
                obj = db.session.get(model, pk)
                if obj is not None:
                    db.session.delete(obj)
                    db.session.flush()
            db.session.commit()
            left = [(m.__name__, pk) for m, pk in self.made if db.session.get(m, pk) is not None]
        self.made.clear()
        assert not left, f"throwaway records left behind: {left}"


@pytest.fixture(scope="module")
def throwaway(app, sec_ids):
    made = Throwaway(app, sec_ids.demo)
    yield made
    made.cleanup()
