"""Arrears (欠费) as of a date: the arrears list with its ageing buckets, filters and sort
orders, and one unit's overdue charges with their late fees and its place on the collection
ladder.

Amounts follow app.cashdesk.services (open charges, arrears_total) and the late fees owed of
app.latefees.services.late_fees_owed — fetched for all
units of the list at once — so the arrears list always agrees with the cash desk and the fee
ledger (tests compare them for every demo unit).
Nothing here writes; every function takes an explicit ``as_of``. The case file, the logged
collection steps and the payment reminders built on these rows are in app.collection.services.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.collection import rules
from app.collection.models import CollectionAction
from app.core.money import parse_money
from app.estate.models import Building, Unit, Zone
from app.exceptions import DomainError
from app.extensions import db
from app.fees.models import Charge, FeeItem
from app.latefees.services import late_fees_owed
from app.owners.models import Occupancy

ZERO = Decimal("0.00")
SORTS = ("amount", "age", "room")


@dataclass
class ArrearsItem:
    charge_id: int
    fee_item_id: int
    item: str
    period: str
    due_date: dt.date
    outstanding: Decimal
    late_fee: Decimal | None  # None: the item has no late fee


@dataclass
class ArrearsRow:
    unit_id: int
    estate_id: int
    unit_code: str
    sort_key: str
    building: str
    zone: str
    owner_names: list[str]
    owner_lang: str
    total: Decimal  # = app.cashdesk.services.arrears_total(unit_id, as_of)
    late_fee: Decimal
    oldest_period: str
    oldest_due: dt.date
    days: int
    buckets: dict[str, Decimal]
    items: list[ArrearsItem]
    step: rules.NextStep
    last_action: str = ""
    last_action_at: dt.datetime | None = None
    billed_to: str | None = None  # owner / developer: the list's rows; None: the whole unit

    @property
    def stage(self) -> str:
        return self.step.stage


@dataclass
class ArrearsFilter:
    building: str | None = None  # building number, as staff say it
    zone_id: int | None = None
    min_amount: Decimal | None = None
    min_days: int | None = None
    stage: str | None = None  # rules.STAGES key
    fee_item_id: int | None = None
    unit_ids: list[int] | None = None  # an explicit selection


@dataclass
class ArrearsReport:
    as_of: dt.date
    rows: list[ArrearsRow] = field(default_factory=list)
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(rules.BUCKET_KEYS, ZERO))
    total: Decimal = ZERO
    late_fee: Decimal = ZERO
    # the developer's debt for unsold days, listed apart: never in an owner's row or reminder
    developer_rows: list[ArrearsRow] = field(default_factory=list)
    developer_total: Decimal = ZERO
    developer_late_fee: Decimal = ZERO


def _listed_id(raw: dict, key: str, model, estate_ids: list[int]) -> int | None:
    """The id of a zone or fee item picked from a list (None: not picked); one that is not a
    number or not of the user's estates is a DomainError naming the field."""
    value = raw.get(key)
    if value in (None, ""):
        return None
    try:
        picked = int(value)
    except (TypeError, ValueError):
        raise DomainError(_l("Pick one of the listed values."), field=key)
    if db.session.scalar(select(model.id).where(model.id == picked, model.estate_id.in_(estate_ids))) is None:
        raise DomainError(_l("Pick one of the listed values."), field=key)
    return picked


def parse_filters(raw: dict, estate_ids: list[int]) -> ArrearsFilter:
    """Filters from a form or the command line, checked: an unknown building, zone, stage or
    fee item, a negative amount or a negative age is a DomainError naming the field."""
    f = ArrearsFilter()
    building = (str(raw.get("building") or "")).strip()
    if building:
        found = db.session.scalar(
            select(Building.id).where(Building.number == building, Building.estate_id.in_(estate_ids)))
        if found is None:
            raise DomainError(_l("There is no building %(n)s in your estates.", n=building), field="building")
        f.building = building
    f.zone_id = _listed_id(raw, "zone_id", Zone, estate_ids)
    amount = raw.get("min_amount")
    if amount not in (None, ""):
        f.min_amount = parse_money(amount, field="min_amount", allow_zero=True)
    days = raw.get("min_days")
    if days not in (None, ""):
        try:
            f.min_days = int(str(days).strip())
        except ValueError:
            raise DomainError(_l("Enter a whole number of days."), field="min_days")
        if f.min_days < 0:
            raise DomainError(_l("The number of days cannot be negative."), field="min_days")
    stage = (raw.get("stage") or "").strip()
    if stage:
        if stage not in rules.STAGES:
            raise DomainError(_l("Unknown stage %(s)s: use one of %(all)s.", s=stage,
                                 all=", ".join(rules.STAGES)), field="stage")
        f.stage = stage
    f.fee_item_id = _listed_id(raw, "fee_item_id", FeeItem, estate_ids)
    return f


def _candidate_units(estate_ids, as_of: dt.date, f: ArrearsFilter) -> list[Unit]:
    """Units with an open charge due by ``as_of`` (and matching the cheap filters)."""
    q = (select(Unit).join(Charge, Charge.unit_id == Unit.id)
         .where(Unit.estate_id.in_(list(estate_ids)), Charge.voided_at.is_(None), Charge.paid < Charge.amount,
                Charge.due_date <= as_of)
         .options(joinedload(Unit.building).joinedload(Building.zone), joinedload(Unit.estate),
                  selectinload(Unit.occupancies).joinedload(Occupancy.owner))
         .distinct().order_by(Unit.sort_key))
    if f.building:
        q = q.join(Building, Unit.building_id == Building.id).where(Building.number == f.building)
    if f.zone_id:
        q = q.where(Unit.building_id.in_(select(Building.id).where(Building.zone_id == f.zone_id)))
    if f.fee_item_id:
        q = q.where(Charge.fee_item_id == f.fee_item_id)
    if f.unit_ids is not None:
        q = q.where(Unit.id.in_(f.unit_ids))
    return list(db.session.scalars(q).unique())


def actions_by_unit(unit_ids: list[int]) -> dict[int, list[CollectionAction]]:
    """The logged collection steps of many units in one query, oldest first."""
    out: dict[int, list[CollectionAction]] = {}
    if not unit_ids:
        return out
    for a in db.session.scalars(select(CollectionAction).where(CollectionAction.unit_id.in_(unit_ids))
                                .order_by(CollectionAction.at, CollectionAction.id)):
        out.setdefault(a.unit_id, []).append(a)
    return out


def fact_of(a: CollectionAction) -> rules.ActionFact:
    return rules.ActionFact(a.kind, a.at.date(), a.reached, a.promise_date, decided=a.decision is not None)


def _owners(unit: Unit, billed_to: str | None = None) -> tuple[list[str], str]:
    """Who the row (and its reminder) is addressed to: the developer for its own debt; else the
    current owners, or the last owner on record when the unit has none now (their debt stays
    theirs); nobody when the unit never had one."""
    if billed_to == "developer":
        return [unit.estate.developer_name or ""], "zh_CN"
    owners = [o.owner for o in unit.current_occupants if o.relation == "owner" and o.owner]
    if not owners:
        past = [o for o in unit.occupancies if o.relation == "owner" and o.owner]
        past.sort(key=lambda o: (o.move_out_date or dt.date.max, o.id))
        owners = [past[-1].owner] if past else []
    lang = owners[0].language if owners else "zh_CN"
    return [o.name for o in owners], lang or "zh_CN"


def _open_due(unit_ids: list[int], as_of: dt.date) -> dict[int, list[Charge]]:
    """The open charges due by ``as_of`` of many units in one query, oldest first."""
    out: dict[int, list[Charge]] = {}
    if not unit_ids:
        return out
    for c in db.session.scalars(
        select(Charge).options(joinedload(Charge.fee_item))
        .where(Charge.unit_id.in_(unit_ids), Charge.voided_at.is_(None), Charge.paid < Charge.amount,
               Charge.due_date <= as_of)
        .order_by(Charge.period_start, Charge.due_date, Charge.id)
    ):
        out.setdefault(c.unit_id, []).append(c)
    return out


def unit_arrears(unit: Unit, as_of: dt.date, actions: list[CollectionAction] | None = None,
                 charges: list[Charge] | None = None, fees: dict | None = None,
                 billed_to: str | None = None) -> ArrearsRow | None:
    """The unit's overdue charges as of ``as_of`` (None: nothing overdue). The list passes
    ``charges`` and ``fees`` fetched for all its units at once; the total is the same sum as
    cashdesk.services.arrears_total (tests compare them for every demo unit)."""
    if charges is None:
        charges = _open_due([unit.id], as_of).get(unit.id, [])
    if billed_to is not None:
        charges = [c for c in charges if (c.billed_to == "developer") == (billed_to == "developer")]
    total = sum((c.outstanding for c in charges), ZERO)
    if total <= 0:
        return None
    if fees is None:
        fees = late_fees_owed([unit.id], as_of).by_charge
    items = []
    for c in charges:
        has_fee = c.fee_item.late_fee_daily_rate is not None and unit.estate.late_fees_enabled
        items.append(ArrearsItem(c.id, c.fee_item_id, c.fee_item.name, c.period, c.due_date, c.outstanding,
                                 fees.get(c.id, ZERO) if has_fee else None))
    oldest = min(items, key=lambda i: (i.due_date, i.period))
    if actions is None:
        actions = actions_by_unit([unit.id]).get(unit.id, [])
    step = rules.next_step([fact_of(a) for a in actions], as_of, oldest.due_date)
    names, lang = _owners(unit, billed_to)
    last = actions[-1] if actions else None
    return ArrearsRow(
        unit_id=unit.id, estate_id=unit.estate_id, unit_code=unit.code, sort_key=unit.sort_key,
        building=unit.building.number if unit.building else "",
        zone=unit.building.zone.name if unit.building and unit.building.zone else "",
        owner_names=names, owner_lang=lang, total=total,
        late_fee=sum((i.late_fee or ZERO for i in items), ZERO),
        oldest_period=oldest.period, oldest_due=oldest.due_date,
        days=rules.days_overdue(oldest.due_date, as_of),
        buckets=rules.age_amounts([(i.due_date, i.outstanding) for i in items], as_of),
        items=items, step=step,
        last_action=str(rules.KINDS.get(last.kind, last.kind)) if last else "",
        last_action_at=last.at if last else None, billed_to=billed_to,
    )


def arrears_report(estate_ids, as_of: dt.date, f: ArrearsFilter | None = None, sort: str = "amount") -> ArrearsReport:
    """Every unit of ``estate_ids`` with something overdue on ``as_of``, filtered and sorted
    (amount: largest first; age: oldest first; room: building and room order)."""
    f = f or ArrearsFilter()
    if sort not in SORTS:
        raise DomainError(_l("Pick one of the listed values."), field="sort")
    units = _candidate_units(estate_ids, as_of, f)
    unit_ids = [u.id for u in units]
    actions = actions_by_unit(unit_ids)
    charges = _open_due(unit_ids, as_of)
    fees = late_fees_owed(unit_ids, as_of).by_charge
    report = ArrearsReport(as_of=as_of)
    for unit in units:
        for billed_to, listed in (("owner", report.rows), ("developer", report.developer_rows)):
            row = unit_arrears(unit, as_of, actions.get(unit.id, []), charges.get(unit.id, []), fees, billed_to)
            if row is None:
                continue
            if f.min_amount is not None and row.total < f.min_amount:
                continue
            if f.min_days is not None and row.days < f.min_days:
                continue
            if f.stage and row.stage != f.stage:
                continue
            listed.append(row)
    for listed in (report.rows, report.developer_rows):
        if sort == "amount":
            listed.sort(key=lambda r: (-r.total, r.sort_key))
        elif sort == "age":
            listed.sort(key=lambda r: (-r.days, r.sort_key))
    for row in report.rows:
        report.total += row.total
        report.late_fee += row.late_fee
        for k, v in row.buckets.items():
            report.buckets[k] += v
    for row in report.developer_rows:
        report.developer_total += row.total
        report.developer_late_fee += row.late_fee
    return report
