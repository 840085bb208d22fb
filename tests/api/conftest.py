"""Helpers of the API tests: JWT tokens (a REST client logs in at /api/v1/security/login;
no browser session, no CSRF) and row counts to prove that a refused request wrote nothing."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


def jwt_token(client, username: str, password: str = PASSWORD) -> str:
    resp = client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json["access_token"]


class ApiClient:
    """A test client that sends the JWT of ``username`` with every request."""

    def __init__(self, app, username: str):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {jwt_token(self.client, username)}"}

    def open(self, method: str, url: str, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kw)

    def get(self, url, **kw):
        return self.open("GET", url, **kw)

    def post(self, url, **kw):
        return self.open("POST", url, **kw)

    def put(self, url, **kw):
        return self.open("PUT", url, **kw)

    def delete(self, url, **kw):
        return self.open("DELETE", url, **kw)


@pytest.fixture(scope="module")
def api(app):
    """api("clerk") -> an ApiClient logged in with a JWT, cached per module."""
    cache: dict[str, ApiClient] = {}

    def _api(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = ApiClient(app, username)
        return cache[username]

    return _api


def count_rows(app, *models) -> tuple[int, ...]:
    """Row counts of ``models`` plus the audit log: equal before and after = nothing written."""
    from sqlalchemy import func, select

    from app.core.audit import AuditLog
    from app.extensions import db

    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (*models, AuditLog))


LEAKS = ("select ", "insert ", "update ", "sqlite", "psycopg", "sqlalchemy", "traceback", "integrityerror",
         "operationalerror", 'file "')


def assert_no_leak(resp) -> None:
    body = resp.get_data(as_text=True).lower()
    leaked = [word for word in LEAKS if word in body]
    assert not leaked, f"response leaks {leaked}: {body[:300]}"


@pytest.fixture(scope="module")
def ids_demo(app):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate
    from app.extensions import db

    with app.app_context():
        return db.session.query(Estate.id).filter_by(name=ESTATE_NAME).scalar()
