"""The demo estate's past cash is deposited, confirmed and reconciled as a real office's is:
the new-deposit page starts with today's cash only, and no reconciliation is overdue."""
import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select

from app.cashdesk import deposits, reconciliation
from app.cashdesk.models import BankDeposit, Reconciliation
from app.core import clock
from app.estate.models import Unit
from app.extensions import db


def _demo_ranges(estate_id):
    today = clock.today()
    return db.session.scalars(select(Reconciliation).where(
        Reconciliation.estate_id == estate_id, Reconciliation.date_to < today,
        Reconciliation.date_from >= today - dt.timedelta(days=800)).order_by(Reconciliation.date_from)).all()


def test_past_days_are_deposited_and_confirmed(app_ctx, demo_estate):
    today = clock.today()
    first = today - dt.timedelta(days=400)  # the demo's year of receipts
    left = [r for r in deposits.undeposited_receipts(demo_estate.id) if first <= r.business_date < today]
    assert left == []
    demo = db.session.scalars(select(BankDeposit).where(
        BankDeposit.estate_id == demo_estate.id, BankDeposit.deposit_date.between(first, today))).all()
    assert len(demo) > 30  # the days of a year the demo owners paid cash or cheque
    for d in demo:
        assert d.confirmed_at is not None and d.amount == d.receipts_total
        assert deposits.deposit_detail(d.id).receipts_sum == d.amount


def test_every_past_day_is_reconciled_in_three_day_ranges_up_to_yesterday(app_ctx, demo_estate):
    today = clock.today()
    ranges = _demo_ranges(demo_estate.id)
    assert ranges[-1].date_to == today - dt.timedelta(days=1)
    for a, b in zip(ranges, ranges[1:]):
        assert b.date_from == a.date_to + dt.timedelta(days=1)  # no gap, no overlap
    assert all(r.signed_off_at is not None and r.difference == 0 for r in ranges)
    assert all((r.date_to - r.date_from).days < 3 for r in ranges)
    assert reconciliation.reconciliation_overdue(demo_estate.id, today) == (False, today - dt.timedelta(days=1))


def test_the_deposit_page_starts_with_todays_cash_only(app, login, demo_estate):
    today = clock.today()
    first = today - dt.timedelta(days=400)  # the demo's year of receipts
    db.session.rollback()  # SQLite: let the page's session write (the login)
    page = login("clerk").get("/deposits/new").get_data(as_text=True)
    days = set(re.findall(r"\b(20\d\d-\d\d-\d\d)\b", page.split('name="receipt"', 1)[-1]))
    # other tests of the run post receipts on days of their own, years away from the demo's
    demo_days = {d for d in days if first <= dt.date.fromisoformat(d) <= today}
    assert demo_days <= {today.isoformat()}


def test_the_readme_counts_the_demo_units(app_ctx, demo_estate):
    from app.demo import LAYOUT

    codes = {f"{n}-{e}-{floor}{door:02d}" for n, (_z, _t, floors, entrances, doors, _a) in LAYOUT.items()
             for e in range(1, entrances + 1) for floor in range(1, floors + 1) for door in range(1, doors + 1)}
    seeded = db.session.scalar(select(func.count()).select_from(Unit).where(
        Unit.estate_id == demo_estate.id, Unit.code.in_(codes)))
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert seeded == len(codes) == 540
    assert f"{seeded} units" in readme
