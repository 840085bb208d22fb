"""Retry a write transaction that met a busy database, a bounded number of times.

SQLite lets one writer at a time: ``BEGIN IMMEDIATE`` waits ``busy_timeout`` for the lock and
then fails with "database is locked" (16 cashiers on a loaded 2-core machine saw 7 of 960
postings fail that way). PostgreSQL may answer a serialization failure or a deadlock. Each is
transient: the whole unit of work (from its first read, since what it read may have changed) is
rolled back and run again after a short random pause.

A commit can also succeed while its answer is lost (the error comes after the data is on disk).
Running the work again would then post twice, so before each new attempt ``find_done`` looks
for the result of an earlier attempt (a receipt by its request key): found, it is returned as
the result and nothing runs again.
"""
from __future__ import annotations

import random
import time
from typing import Callable, TypeVar

from sqlalchemy.exc import DBAPIError

from app.core.sqlite import read_transaction_mode
from app.extensions import db

T = TypeVar("T")
ATTEMPTS = 8  # the first try and seven retries; each may wait busy_timeout for the lock
# SQLSTATEs: serialization_failure, deadlock_detected
_PG_TRANSIENT = {"40001", "40P01"}
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database is busy")
# how many attempts of this process met a busy database (read by the concurrency test and the
# posting benchmark: proof that the retry ran, and how often)
stats = {"retried": 0}


def is_transient(err: BaseException) -> bool:
    """A busy database (SQLite) or a serialization failure / deadlock (PostgreSQL)."""
    if not isinstance(err, DBAPIError):
        return False
    orig = err.orig
    if getattr(orig, "sqlstate", None) in _PG_TRANSIENT or getattr(orig, "pgcode", None) in _PG_TRANSIENT:
        return True
    return any(text in str(orig).lower() for text in _SQLITE_TRANSIENT)


def _pause(attempt: int) -> None:
    # random, growing pauses: writers that collided do not collide again in step (a jitter, not
    # a secret: the random module is right here)
    time.sleep(random.uniform(0, min(1.0, 0.05 * 2**attempt)))  # nosec B311


def write_retrying(work: Callable[[], T], find_done: Callable[[], T | None] | None = None) -> T:
    """``work()`` (which commits) until it succeeds, at most ATTEMPTS times on a transient error.
    ``find_done()``: the result of an attempt whose commit went through despite the error, or
    None. A non-transient error (a DomainError, an integrity error) is raised at once."""
    for attempt in range(ATTEMPTS):
        try:
            return work()
        except DBAPIError as err:
            db.session.rollback()
            if not is_transient(err):
                raise
            stats["retried"] += 1
            if find_done is not None:
                done = _look(find_done)
                if done is not None:
                    return done
            if attempt == ATTEMPTS - 1:
                raise
            _pause(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _look(find_done):
    """``find_done()`` in a read transaction of its own (on SQLite a plain BEGIN: it does not
    wait for the write lock the other writers hold), ended before the next attempt writes;
    itself retried on a busy database: a posting that committed must be found."""
    for attempt in range(ATTEMPTS):
        try:
            with read_transaction_mode():
                done = find_done()
                db.session.rollback()  # ends the read (nothing written); later statements begin as writes
            return done
        except DBAPIError as err:
            db.session.rollback()
            if not is_transient(err) or attempt == ATTEMPTS - 1:
                raise
            _pause(attempt)
    return None  # pragma: no cover
