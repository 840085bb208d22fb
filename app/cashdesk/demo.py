"""The demo estate's cash history kept as a real office keeps it: each past day's cash and
cheques deposited at the bank that day and confirmed by the accountant the next morning, and
every three days reconciled and signed off, up to yesterday. So the new-deposit page starts
with today's cash only, and the reconciliation is due on the day the office expects it.

Runs after every other demo seed that posts receipts (fees, paid repairs ...), through the
same services as the pages (record_deposit, confirm_deposit, prepare_reconciliation, sign_off).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from app.cashdesk import deposits
from app.cashdesk.reconciliation import last_reconciled, prepare_reconciliation, sign_off
from app.extensions import db

DEPOSIT_TIME = dt.time(16, 30)  # the afternoon bank run
CONFIRM_TIME = dt.time(9, 30)  # the accountant checks the bank statement next morning
RECONCILE_DAYS = 3


def seed_cash_history(estate, today: dt.date, clerk, accountant) -> None:
    """Deposit and confirm every day before ``today``, reconcile the days before it in
    three-day ranges (the last one ending yesterday). Nothing happens a second time."""
    by_day: dict[dt.date, list] = defaultdict(list)
    for row in deposits.undeposited_receipts(estate.id):
        if row.business_date < today:
            by_day[row.business_date].append(row)
    rows: list = []
    for day in sorted(by_day):
        rows += by_day[day]
        total = sum((r.amount for r in rows), deposits.ZERO)
        if total <= 0:  # a day of only refunds: they go with the next day's slip
            continue
        deposit = deposits.record_deposit(
            estate.id, [r.id for r in rows], total, day, clerk, dt.datetime.combine(day, DEPOSIT_TIME),
            bank=estate.bank_name, slip_number=f"{day:%Y%m%d}-01")
        deposits.confirm_deposit(deposit.id, accountant,
                                 dt.datetime.combine(day + dt.timedelta(days=1), CONFIRM_TIME))
        rows = []
    first = min(by_day, default=None)
    if first is None or last_reconciled(estate.id) is not None:
        return
    end = today - dt.timedelta(days=1)
    ranges = []
    while end >= first:
        ranges.append((max(first, end - dt.timedelta(days=RECONCILE_DAYS - 1)), end))
        end -= dt.timedelta(days=RECONCILE_DAYS)
    for date_from, date_to in reversed(ranges):
        when = dt.datetime.combine(date_to + dt.timedelta(days=1), CONFIRM_TIME)
        rec = prepare_reconciliation(estate.id, date_from, date_to, clerk, when)
        sign_off(rec.id, rec.system_total, None, accountant, when)
    db.session.expire_all()
