"""A posting that meets a busy database is retried as a whole, a bounded number of times; a
posting whose commit went through is never reported as failed nor posted twice (issue 12).

The database's answers are simulated on the session's commit (the real concurrent run is
tests/concurrency): "database is locked" from SQLite, a serialization failure from PostgreSQL,
and a commit that succeeded but whose answer was lost on the way back.
"""
import datetime as dt
import sqlite3
import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.cashdesk import services
from app.cashdesk.models import Receipt
from app.core import retry
from app.extensions import db

NOW = dt.datetime(2030, 4, 2, 10, 30)


def _locked():
    return OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))


class _Serialization(Exception):
    sqlstate = "40001"


def _receipts(unit_id):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Receipt).where(Receipt.unit_id == unit_id))


@pytest.fixture()
def commits(monkeypatch):
    """Replace the session's commit: ``plan`` lists what each commit does in turn ("locked",
    "serialization", "lost": commits then raises, "ok"); afterwards commits go through."""
    real = db.session.commit
    state = {"plan": [], "calls": 0}

    def commit():
        state["calls"] += 1
        step = state["plan"].pop(0) if state["plan"] else "ok"
        if step == "locked":
            raise _locked()
        if step == "serialization":
            raise OperationalError("COMMIT", {}, _Serialization("could not serialize access"))
        real()
        if step == "lost":
            raise _locked()

    monkeypatch.setattr(retry, "_pause", lambda attempt: None)  # no sleeping in tests
    monkeypatch.setattr(db.session, "commit", commit, raising=False)
    return state


@pytest.mark.parametrize("errors", [["locked"], ["locked", "locked", "locked"], ["serialization", "locked"]])
def test_a_busy_database_is_retried_and_the_payment_posted_once(fresh_unit, clerk, commits, errors):
    commits["plan"] = list(errors)
    receipt = services.post_payment(fresh_unit.id, "150.00", "cash", clerk, NOW)
    assert commits["calls"] == len(errors) + 1
    assert _receipts(fresh_unit.id) == 1
    assert receipt.amount == D("150.00")
    assert services.arrears_total(fresh_unit.id) == D("150.00")


@pytest.mark.parametrize("key", [None, "form-key"])
def test_a_commit_whose_answer_was_lost_is_found_not_posted_again(fresh_unit, clerk, commits, key):
    commits["plan"] = ["lost"]
    key = key and f"{key}-{uuid.uuid4().hex}"
    receipt = services.post_payment(fresh_unit.id, "150.00", "cash", clerk, NOW, request_key=key)
    assert _receipts(fresh_unit.id) == 1, "the committed posting is found, not posted again"
    assert db.session.get(Receipt, receipt.id).amount == D("150.00")
    assert services.arrears_total(fresh_unit.id) == D("150.00")


def test_retries_are_bounded_and_a_failure_posts_nothing(fresh_unit, clerk, commits):
    commits["plan"] = ["locked"] * 50
    with pytest.raises(OperationalError):
        services.post_payment(fresh_unit.id, "150.00", "cash", clerk, NOW)
    assert commits["calls"] == retry.ATTEMPTS
    commits["plan"] = []
    assert _receipts(fresh_unit.id) == 0
    assert services.arrears_total(fresh_unit.id) == D("300.00")


def test_a_refusal_is_not_retried(fresh_unit, clerk, commits):
    from app.exceptions import DomainError

    with pytest.raises(DomainError):
        services.post_payment(fresh_unit.id, "-1", "cash", clerk, NOW)
    assert commits["calls"] == 0
