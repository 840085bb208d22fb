"""Monthly billing: from the schedule in force, once per unit/item/period, prorated by day."""
import datetime as dt
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from app.core import clock
from app.estate.models import Unit
from app.exceptions import DomainError
from app.extensions import db
from app.fees import billing
from app.fees.models import Charge, FeeItem
from app.owners.models import Occupancy, Owner

# Months of next year: after every month the demo billed (up to the office's month, see
# app/fees/demo.py) on whatever day the suite's clock is pinned to (tests/conftest.py).
Y = clock.today().year + 1
NOW = dt.datetime(Y, 3, 1, 8, 0)


def test_billing_twice_creates_nothing_new(app_ctx, demo_estate):
    first = billing.generate(demo_estate.id, f"{Y}-03", NOW)
    assert first.created > 500  # every unit with an owner, two monthly items
    second = billing.generate(demo_estate.id, f"{Y}-03", NOW)
    assert second.created == 0 and second.skipped == first.created
    keys = [k for (k,) in db.session.query(Charge.billing_key).filter(Charge.period == f"{Y}-03")]
    assert len(keys) == len(set(keys)) == first.created


def test_amount_is_rate_times_area_from_schedule(app_ctx, demo_estate):
    billing.generate(demo_estate.id, f"{Y}-04", NOW)
    unit = db.session.query(Unit).filter_by(estate_id=demo_estate.id, code="3-2-501").one()
    prop = db.session.query(FeeItem).filter_by(estate_id=demo_estate.id, code="property").one()
    charge = db.session.query(Charge).filter_by(unit_id=unit.id, fee_item_id=prop.id, period=f"{Y}-04").one()
    assert charge.rate == D("1.2000")  # 多层
    assert charge.amount == (D("1.20") * unit.chargeable_area).quantize(D("0.01"))
    assert charge.due_date == dt.date(Y, 5, 1)


def test_mid_month_move_in_is_prorated(app_ctx, demo_estate):
    unit = (db.session.query(Unit).filter(Unit.estate_id == demo_estate.id, ~Unit.occupancies.any())
            .order_by(Unit.id).first())
    owner = Owner(estate_id=demo_estate.id, name="新业主", phone="13600000001")
    db.session.add_all([owner, Occupancy(unit=unit, owner=owner, relation="owner", move_in_date=dt.date(Y, 6, 16))])
    db.session.commit()
    billing.generate(demo_estate.id, f"{Y}-06", NOW)
    garbage = db.session.query(FeeItem).filter_by(estate_id=demo_estate.id, code="garbage").one()
    charge = db.session.query(Charge).filter_by(unit_id=unit.id, fee_item_id=garbage.id, period=f"{Y}-06",
                                                billed_to="owner").one()
    assert charge.amount == D("5.00")  # 10.00 a month, 15 of 30 days
    billing.generate(demo_estate.id, f"{Y}-05", NOW)
    # before the move-in the unit was unsold: the demo estate bills the developer (70%), not the owner
    may = db.session.query(Charge).filter_by(unit_id=unit.id, period=f"{Y}-05").all()
    assert may and {c.billed_to for c in may} == {"developer"}


def test_no_schedule_in_force_is_refused(app_ctx, demo_estate):
    before = db.session.query(Charge).count()
    with pytest.raises(DomainError):
        billing.generate(demo_estate.id, "2001-01", NOW)
    assert db.session.query(Charge).count() == before


def test_billing_command(app):
    """`flask --app run.py billing generate --period ...` against the session database."""
    root = Path(__file__).resolve().parents[2]
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": app.instance_path,
           "PATH": "/usr/bin:/bin", "HOME": app.instance_path, "OFFICE_TODAY": app.config["OFFICE_TODAY"],
           # the same key as the test app: receipts the run posts (prepaid applied) are sealed with it
           "SECRET_KEY": app.config["SECRET_KEY"]}
    run = lambda *a: subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", *a], cwd=root, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    out = run("billing", "generate", "--period", f"{Y}-08", "--estate", "山水湖畔小区")
    assert out.returncode == 0, out.stderr
    assert "charges created" in out.stdout
    again = run("billing", "generate", "--period", f"{Y}-08", "--estate", "山水湖畔小区")
    assert again.returncode == 0 and " 0 charges created" in again.stdout
    bad = run("billing", "generate", "--period", f"{Y}-13")
    assert bad.returncode != 0


def test_billing_settles_new_charges_from_prepaid(app_ctx, demo_estate):
    """An owner who paid ahead is not in arrears after billing: the new charges are settled
    from the prepaid balance with a 0.00 receipt "from prepaid balance"."""
    from app.cashdesk import services as cash
    from app.cashdesk.models import Receipt

    clerk = app_ctx.appbuilder.sm.find_user(username="clerk")
    unit = db.session.query(Unit).filter_by(estate_id=demo_estate.id, code="5-1-301").one()
    cash.post_payment(unit.id, "5000.00", "cash", clerk, dt.datetime(Y, 9, 30, 9))
    prepaid = cash.prepaid_balance(unit.id)
    assert prepaid > 0 and cash.arrears_total(unit.id) == 0
    billing.generate(demo_estate.id, f"{Y}-10", dt.datetime(Y, 10, 1, 8))
    billed = sum(c.amount for c in db.session.query(Charge).filter_by(unit_id=unit.id, period=f"{Y}-10"))
    assert billed > 0
    assert cash.arrears_total(unit.id) == 0
    assert cash.prepaid_balance(unit.id) == prepaid - billed
    last = db.session.query(Receipt).filter_by(unit_id=unit.id).order_by(Receipt.id.desc()).first()
    assert (last.method, last.amount, last.from_prepaid) == ("prepaid", D("0.00"), billed)


def test_billing_command_refuses_bad_input_in_words_before_starting(app):
    """A bad period or an unknown estate: a translated message naming the problem, exit code 1
    or 2, no progress bar started and nothing billed."""
    runner = app.test_cli_runner()
    with app.app_context():
        before = db.session.query(Charge).count()
    bad = runner.invoke(args=["billing", "generate", "--period", f"{Y}-13"])
    assert bad.exit_code == 2 and "--period" in bad.output and "年-月" in bad.output, bad.output
    assert "户/s" not in bad.output  # refused before any estate was started
    unknown = runner.invoke(args=["billing", "generate", "--period", f"{Y}-09", "--estate", "没有这个小区"])
    assert unknown.exit_code == 1 and "没有名为“没有这个小区”的小区" in unknown.output, unknown.output
    with app.app_context():
        assert db.session.query(Charge).count() == before


def test_reminder_command_names_an_unknown_user_or_estate_in_words(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "r.pdf"
    nobody = runner.invoke(args=["reminders", "print", "--out", str(out), "--user", "nobody"])
    assert nobody.exit_code == 1 and "没有登录名为“nobody”的员工" in nobody.output, nobody.output
    elsewhere = runner.invoke(args=["reminders", "print", "--out", str(out), "--estate", "没有这个小区"])
    assert elsewhere.exit_code == 1 and "没有名为“没有这个小区”的小区" in elsewhere.output, elsewhere.output
    assert not out.exists()
