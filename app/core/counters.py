"""Gapless number series (receipts, payment reminders): one counter row per estate and year,
updated inside the transaction that uses the number. A rolled-back transaction gives its
number back, so the series has no gaps and never reuses a number; concurrent writers wait
on the row (PostgreSQL) or on the write lock (SQLite, BEGIN IMMEDIATE)."""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def next_in_series(counter_model, estate_id: int, year: int) -> int:
    """Take the next number of ``counter_model``'s series (columns estate_id, year, last_number)."""
    dialect = db.session.get_bind().dialect.name
    ins = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if ins is None:
        raise RuntimeError(f"unsupported database {dialect}")
    db.session.execute(
        ins(counter_model).values(estate_id=estate_id, year=year, last_number=0).on_conflict_do_nothing()
    )
    return db.session.execute(
        update(counter_model)
        .where(counter_model.estate_id == estate_id, counter_model.year == year)
        .values(last_number=counter_model.last_number + 1)
        .returning(counter_model.last_number)
    ).scalar_one()
