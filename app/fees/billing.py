"""Monthly billing: one charge per unit × recurring item × period × payer, from the schedule in force.

The period is made canonical first ("２０２７-０２ " is 2027-02), so every spelling bills the
same month. Idempotent: a (unit, item, period) already billed is skipped, and the database
refuses a second charge of one unit, item, period and payer (uq_charge_billed_once), so a
second run, or a run racing this one, creates nothing. Proration: each owner pays for the days
they held the unit (move-in and move-out days included); a month handed over from one owner to
the next is split between them and the parts add up to the whole month's charge. Units without
an owner on record (unsold) are billed as the estate says (Estate.vacant_payer): to the
developer for the days before the first owner moved in, at the vacancy percentage, or not at all.

Prepaid balances: the charges are committed, then each unit's prepaid balance settles its open
charges (one transaction per unit, in the cash desk). Every run does that step, also a run that
creates nothing, so a rerun after an interrupted run (kill -9, power cut) completes it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.core.audit import AuditLog, current_actor
from app.estate.models import Estate, Unit
from app.exceptions import DomainError
from app.extensions import db
from app.fees import rules
from app.fees.models import Charge, FeeItem
from app.fees.services import schedule_in_force
from app.owners.models import Occupancy, Owner


ZERO = Decimal("0.00")
ONE = Decimal("1")


@dataclass
class BillingResult:
    period: str
    created: int
    skipped: int
    total: Decimal


def billing_key(unit_id: int, fee_item_id: int, period: str) -> str:
    return f"{unit_id}:{fee_item_id}:{period}"


def _insert_rows(rows: list[dict]) -> None:
    """One DB-API executemany of the charges, each value converted once by its column type's
    own bind processor (the same stored form as any other insert). The ORM's bulk insert did
    the same work at three times the cost of the insert itself. The audit log gets one row for
    the run (who, when, which period, how many), not ten per charge."""
    conn = db.session.connection()
    dialect = conn.dialect
    columns = list(rows[0])
    table = Charge.__table__
    compiled = table.insert().compile(dialect=dialect, column_keys=columns)
    order = list(compiled.positiontup) if compiled.positional else columns
    convert = []
    for name in order:
        process = table.c[name].type._cached_bind_processor(dialect)
        if process is None:
            convert.append(None)
            continue
        memo: dict = {}  # the rows repeat their values (dates, rates, areas): convert each once

        def once(value, _process=process, _memo=memo):
            try:
                return _memo[value]
            except KeyError:
                out = _memo[value] = _process(value)
                return out

        convert.append(once)
    pairs = list(zip(order, convert))
    converted = [tuple(f(row[c]) if f else row[c] for c, f in pairs) for row in rows]
    if not compiled.positional:
        converted = [dict(zip(order, values)) for values in converted]
    conn.exec_driver_sql(str(compiled), converted)


def _parts(estate_id: int, start: dt.date, end: dt.date) -> dict[int, list[rules.BillingPart]]:
    """For each unit with an owner on record for some day of [start, end]: who pays which days.
    Most units have one owner all month: their part is made here without the day-by-day rule
    (10,000 calls of it cost a third of a whole billing run)."""
    rows = db.session.execute(
        select(Occupancy.id, Occupancy.unit_id, Occupancy.move_in_date, Occupancy.move_out_date)
        .where(Occupancy.estate_id == estate_id, Occupancy.relation == "owner")
        .where((Occupancy.move_in_date.is_(None)) | (Occupancy.move_in_date <= end))
        .where((Occupancy.move_out_date.is_(None)) | (Occupancy.move_out_date >= start))
    ).all()
    stays: dict[int, list[rules.Stay]] = {}
    partial: set[int] = set()
    for occ_id, unit_id, moved_in, moved_out in rows:
        stays.setdefault(unit_id, []).append(rules.Stay(occ_id, moved_in, moved_out))
        if (moved_in is not None and moved_in > start) or (moved_out is not None and moved_out < end):
            partial.add(unit_id)
    days = (end - start).days + 1
    parts = {}
    for unit_id, unit_stays in stays.items():
        if unit_id in partial:
            parts[unit_id] = rules.billing_parts(unit_stays, start, end)
        else:  # the same payer as billing_parts would pick: the longest-standing owner
            first = min(unit_stays, key=lambda st: (st.move_in or dt.date.min, st.payer))
            parts[unit_id] = [rules.BillingPart(first.payer, start, end, days)]
    return parts


def developer_parts(estate_id: int, unit_ids, start: dt.date, end: dt.date) -> dict[int, rules.BillingPart]:
    """The developer's days of [start, end] for each unit that has some: the days before the
    unit's first owner moved in (every day of an unsold unit). Billing puts them in front of
    the owners' parts; an apportionment bills a unit unsold all month to the developer."""
    q = (select(Occupancy.unit_id, func.min(Occupancy.move_in_date), func.count(), func.count(Occupancy.move_in_date))
         .where(Occupancy.estate_id == estate_id, Occupancy.relation == "owner").group_by(Occupancy.unit_id))
    unit_ids = list(unit_ids)
    if len(unit_ids) <= 500:  # a meter reading or an apportionment asks for a few units, not the estate
        q = q.where(Occupancy.unit_id.in_(unit_ids))
    owned = {unit_id: (first, everyone == dated) for unit_id, first, everyone, dated in db.session.execute(q)}
    out = {}
    for unit_id in unit_ids:
        first, all_dated = owned.get(unit_id, (None, True))
        # an owner with no move-in date on record has held the unit since before any billing
        dev = rules.developer_days(first if all_dated else None, unit_id in owned, start, end)
        if dev is not None:
            out[unit_id] = dev
    return out


def _payer_names(occupancy_ids: set[int]) -> dict[int, str]:
    if not occupancy_ids:
        return {}
    return dict(db.session.execute(
        select(Occupancy.id, Owner.name).join(Owner, Owner.id == Occupancy.owner_id)
        .where(Occupancy.id.in_(occupancy_ids))).all())


def generate(estate_id: int, period: str, now: dt.datetime, progress=None) -> BillingResult:
    """Create the period's charges. ``progress(n)`` is called as units are done (CLI bar)."""
    period = rules.canonical_period(period)
    start, end = rules.parse_period(period)
    month_days = (end - start).days + 1
    schedule = schedule_in_force(estate_id, start)
    if schedule is None:
        raise DomainError(_l("No published fee schedule is in force on %(day)s.", day=start.isoformat()))
    items = {i.id: i for i in db.session.scalars(
        select(FeeItem).where(FeeItem.estate_id == estate_id, FeeItem.recurring.is_(True), FeeItem.active.is_(True)))}
    rates = {(r.fee_item_id, r.property_type): r.rate for r in schedule.rates if r.fee_item_id in items}
    if not rates:
        raise DomainError(_l("The fee schedule in force has no monthly fee items."))
    already: dict[tuple[int, int], int] = {}  # (unit, item) billed in this period -> its charges
    for unit_id, item_id in db.session.execute(
            select(Charge.unit_id, Charge.fee_item_id).where(
                Charge.estate_id == estate_id, Charge.period == period, Charge.source == "billing")):
        already[(unit_id, item_id)] = already.get((unit_id, item_id), 0) + 1
    payers = _parts(estate_id, start, end)
    units = db.session.execute(
        select(Unit.id, Unit.property_type, Unit.chargeable_area).where(Unit.estate_id == estate_id).order_by(Unit.id)
    ).all()
    estate = db.session.get(Estate, estate_id)
    if estate.vacant_payer == "developer":
        for unit_id, dev in developer_parts(estate_id, [u[0] for u in units], start, end).items():
            payers[unit_id] = [dev, *payers.get(unit_id, ())]
    percent = estate.vacant_fee_percent
    rows, skipped, total = [], 0, Decimal("0.00")
    due = {item_id: start + dt.timedelta(days=item.due_days) for item_id, item in items.items()}
    # most units share a type and an area: compute each month's amount once
    monthly: dict[tuple, tuple | None] = {}
    split_payers: set[int] = set()
    for n, (unit_id, ptype, area) in enumerate(units, 1):
        parts = payers.get(unit_id, ())
        for item_id, item in items.items() if parts else ():
            if (unit_id, item_id) in already:
                skipped += already[(unit_id, item_id)]
                continue
            cache_key = (item_id, ptype, area)
            if cache_key not in monthly:
                rate = rules.pick_rate(rates, item_id, ptype)
                monthly[cache_key] = None if rate is None else (
                    rate, rules.monthly_amount_exact(item.basis, rate, area),
                    rules.monthly_amount(item.basis, rate, area))
            found = monthly[cache_key]
            if found is None:
                continue
            rate, exact, whole = found
            if len(parts) == 1 and parts[0].days == month_days:
                amounts = [whole]
            else:  # prorated by day from the unrounded amount, rounded once
                amounts = rules.split_month(exact, parts, month_days)
                split_payers.update(p.payer for p in parts)
            if parts[0].payer == rules.DEVELOPER and percent != 100:
                amounts[0] = rules.vacancy_amount(exact, parts[0].days, month_days, percent)
            for part, amount in zip(parts, amounts):
                if amount <= 0:
                    continue
                # one payer in the month keeps the key it always had; a split month names the payer
                key = f"{unit_id}:{item_id}:{period}" + (f":{part.payer}" if len(parts) > 1 else "")
                rows.append(dict(
                    estate_id=estate_id, unit_id=unit_id, fee_item_id=item_id, period=period,
                    period_start=part.first_day, period_end=part.last_day, due_date=due[item_id],
                    quantity=area if item.basis == "per_area_month" else ONE, rate=rate,
                    amount=amount, paid=ZERO, source="billing", billing_key=key, created_at=now,
                    description=None, payer_occupancy_id=part.payer,
                    billed_to="developer" if part.payer == rules.DEVELOPER else "owner",
                ))
                total += amount
        if progress and n % 100 == 0:
            progress(100)
    if progress:
        progress(len(units) % 100)
    if split_payers or any(row["billed_to"] == "developer" for row in rows):
        names = _payer_names(split_payers)
        names[rules.DEVELOPER] = estate.developer_name or ""
        for row in rows:
            payer = row["payer_occupancy_id"]
            if payer in split_payers:  # who pays which days, on the charge itself
                row["description"] = (f"{names.get(payer, '')} "
                                      f"{row['period_start'].isoformat()}~{row['period_end'].isoformat()}").strip()
            if row["billed_to"] == "developer":
                row["description"] = (row["description"] or names[payer]) + (
                    f" ×{percent.normalize():f}%" if percent != 100 else "")
    if rows:
        try:
            _insert_rows(rows)
        except IntegrityError:
            # another run billed (some of) this period meanwhile: the unique index refused it
            db.session.rollback()
            raise DomainError(_l("Another billing run for this period is under way or has just finished. "
                                 "Run the billing again: what is billed already is skipped.")) from None
        user_id, username = current_actor()
        db.session.execute(insert(AuditLog), [dict(
            at=clock.utcnow(), user_id=user_id, username=username, estate_id=estate_id,
            table_name="charge", record_id=f"billing:{period}", action="insert", field="billing_run",
            old_value=None, new_value=f"{len(rows)} charges, total {total}",
        )])
    db.session.commit()
    # also when nothing new was billed: a run interrupted after its charges were committed left
    # units with prepaid money and open charges, and this rerun settles them
    from app.cashdesk.services import apply_prepaid

    apply_prepaid(estate_id, _actor(), now)
    # its reads opened a transaction (BEGIN IMMEDIATE on SQLite: the write lock) that a run
    # settling nothing would otherwise leave open for the caller (the CLI, the next writer)
    db.session.commit()
    return BillingResult(period=period, created=len(rows), skipped=skipped, total=total)


def _actor():
    """Who bills: the logged-in user or the acting process (CLI), as the audit log sees it."""
    from types import SimpleNamespace

    user_id, username = current_actor()
    return SimpleNamespace(id=user_id, username=username, first_name="")
