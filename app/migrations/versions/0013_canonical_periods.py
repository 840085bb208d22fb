"""canonical periods; a charge billed once per unit, item, period and payer

Revision ID: 0013_canonical_periods
Revises: 0012_late_fees
Create Date: 2026-12-07 19:00:00

Before this, a period was stored as typed: " 2027-02", "２０２７-０２" and "2027-02" were three
months to billing, which billed the estate once per spelling. This migration

1. adds charge.payer_occupancy_id (0 for every existing charge: one payer per month);
2. rewrites every stored period of charges, meter readings and apportionments to "YYYY-MM"
   (and the billing keys built from them);
3. adds the partial unique index uq_charge_billed_once on (unit, item, period, payer) for
   billing charges, so the database itself refuses a second billing.

Money records are never deleted, so duplicates that the canonical spelling reveals (two billing
charges of one unit, item and month; two readings of one meter and month) are not merged here:
the migration stops, lists them, and changes nothing. Void the extra charges (a manual
correction) and run it again. The canonicaliser is a frozen copy of
app.fees.rules.canonical_period so the migration keeps meaning what it meant when written.
"""
import re
import unicodedata
from collections import Counter

from alembic import op
import sqlalchemy as sa


revision = '0013_canonical_periods'
down_revision = '0012_late_fees'
branch_labels = None
depends_on = None

_FORMS = (re.compile(r"^(\d{4})[-/.](\d{1,2})$", re.ASCII), re.compile(r"^(\d{4})年(\d{1,2})月?$", re.ASCII),
          re.compile(r"^(\d{4})(\d{2})$", re.ASCII))
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"})


def canonical(text):
    norm = "".join(unicodedata.normalize("NFKC", text or "").translate(_DASHES).split())
    for form in _FORMS:
        m = form.match(norm)
        if m and 1 <= int(m.group(2)) <= 12 and 2000 <= int(m.group(1)) <= 2100:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def _refuse(what, rows):
    listed = "; ".join(repr(r) for r in rows[:20])
    raise RuntimeError(f"0013_canonical_periods: {what} ({len(rows)}): {listed}. Nothing was changed; "
                       "correct these rows (void the extra charges) and run the upgrade again.")


def _plan(conn, table):
    """{stored period: canonical} for the spellings that are not canonical yet."""
    # table is one of this file's three literal table names, never input
    periods = [p for (p,) in conn.execute(sa.text(f"SELECT DISTINCT period FROM {table}"))]  # nosec B608
    unreadable = [p for p in periods if canonical(p) is None]
    if unreadable:
        _refuse(f"{table} periods that are not a month", unreadable)
    return {p: canonical(p) for p in periods if canonical(p) != p}


def _no_duplicates(conn, table, columns, where=""):
    """After canonicalising, no two rows may share ``columns``: checked before anything is written."""
    # table, columns and where are literals of this file, never input
    rows = conn.execute(sa.text(f"SELECT {', '.join(columns)}, period FROM {table} {where}")).all()  # nosec B608
    seen = Counter((*r[:-1], canonical(r[-1])) for r in rows)
    dups = [k for k, n in seen.items() if n > 1]
    if dups:
        _refuse(f"{table} rows that are the same {' + '.join(columns)} + period once the period is canonical", dups)


def upgrade():
    conn = op.get_bind()
    plans = {t: _plan(conn, t) for t in ("charge", "meter_reading", "apportionment")}
    if plans["charge"]:
        _no_duplicates(conn, "charge", ["unit_id", "fee_item_id"], "WHERE source = 'billing'")
    if plans["meter_reading"]:
        _no_duplicates(conn, "meter_reading", ["meter_id"])
    if plans["apportionment"]:
        _no_duplicates(conn, "apportionment", ["meter_id"])

    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payer_occupancy_id', sa.Integer(), server_default='0', nullable=False))

    for old, new in plans["charge"].items():
        for cid, key in conn.execute(sa.text("SELECT id, billing_key FROM charge WHERE period = :p"), {"p": old}).all():
            # keys built from the period: unit:item:period (billing) and meter:id:period (readings)
            if key and key.endswith(":" + old):
                key = key[: -len(old)] + new
            conn.execute(sa.text("UPDATE charge SET period = :new, billing_key = :key WHERE id = :id"),
                         {"new": new, "key": key, "id": cid})
    for table in ("meter_reading", "apportionment"):
        for old, new in plans[table].items():
            # table is one of two literal names above; the values are bound parameters
            conn.execute(sa.text(f"UPDATE {table} SET period = :new WHERE period = :old"),  # nosec B608
                         {"new": new, "old": old})

    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.create_index('uq_charge_billed_once', ['unit_id', 'fee_item_id', 'period', 'payer_occupancy_id'],
                              unique=True, sqlite_where=sa.text("source = 'billing'"),
                              postgresql_where=sa.text("source = 'billing'"))


def downgrade():
    # the periods stay canonical: every older version reads "YYYY-MM" too
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.drop_index('uq_charge_billed_once', sqlite_where=sa.text("source = 'billing'"),
                            postgresql_where=sa.text("source = 'billing'"))
        batch_op.drop_column('payer_occupancy_id')
