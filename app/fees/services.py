"""Fee items, schedules and the price list: the checks of every save path, publishing and
versions, and the schedule in force on a date."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.audit import acting_as
from app.core.money import parse_money
from app.estate.rules import PROPERTY_TYPES
from app.exceptions import DomainError
from app.extensions import db
from app.fees import rules
from app.fees.models import FeeItem, FeeRate, FeeSchedule, ServiceContent, ServicePrice


def _text(value, field, message, max_len=200):
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > max_len:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=max_len), field=field)
    return value


def check_fee_item(item: FeeItem) -> None:
    item.code = _text(item.code, "code", _l("Enter a short code, e.g. property."), 30)
    item.name = _text(item.name, "name", _l("Enter the name of the fee item."), 100)
    item.unit_label = _text(item.unit_label, "unit_label", _l("Enter the unit of charge, e.g. 元/m²·月."), 30)
    if item.kind not in rules.FEE_KINDS:
        raise DomainError(_l("Pick one of the listed values."), field="kind")
    if item.basis not in rules.BASES:
        raise DomainError(_l("Pick one of the listed values."), field="basis")
    item.recurring = item.basis in rules.RECURRING_BASES
    if item.late_fee_daily_rate is not None and not (0 <= item.late_fee_daily_rate <= Decimal("0.01")):
        raise DomainError(_l("A daily late-fee rate is between 0 and 0.01 (1% a day)."), field="late_fee_daily_rate")
    if item.late_fee_grace_days is None or not (0 <= item.late_fee_grace_days <= 365):
        raise DomainError(_l("Grace days are between 0 and 365."), field="late_fee_grace_days")
    if item.due_days is None or not (0 <= item.due_days <= 365):
        raise DomainError(_l("Days until due are between 0 and 365."), field="due_days")
    estate_id = item.estate_id or (item.estate.id if item.estate else None)
    dup = db.session.scalar(select(FeeItem.id).where(
        FeeItem.estate_id == estate_id, FeeItem.code == item.code, FeeItem.id != (item.id or 0)))
    if dup:
        raise DomainError(_l("This estate already has a fee item with this code."), field="code")


def schedule_locked_reason(schedule: FeeSchedule):
    """Why the schedule (and its rates and service contents) can no longer change, or None."""
    if schedule is not None and schedule.status != "draft":
        return _l("A published fee schedule cannot be changed. Make a new version and publish it.")
    return None


def _draft_only(schedule: FeeSchedule | None) -> None:
    if schedule is None:
        raise DomainError(_l("Choose the fee schedule."), field="schedule")
    if schedule.status != "draft":
        raise DomainError(
            _l("A published fee schedule cannot be changed. Make a new version and publish it."),
            field="schedule",
        )


def check_schedule(schedule: FeeSchedule) -> None:
    if schedule.id is not None:
        was = db.session.scalar(select(FeeSchedule.status).where(FeeSchedule.id == schedule.id))
        if was == "published":
            raise DomainError(
                _l("A published fee schedule cannot be changed. Make a new version and publish it."),
                field="title",
            )
    schedule.title = _text(schedule.title, "title", _l("Enter a title."), 200)
    if schedule.effective_from is None:
        raise DomainError(_l("Enter the date from which the schedule applies."), field="effective_from")
    schedule.status = "draft"  # published only through publish_schedule
    if schedule.version is None:
        estate_id = schedule.estate_id or (schedule.estate.id if schedule.estate else None)
        last = db.session.scalar(select(func.max(FeeSchedule.version)).where(FeeSchedule.estate_id == estate_id))
        schedule.version = (last or 0) + 1


def check_rate(rate: FeeRate) -> None:
    _draft_only(rate.schedule)
    if rate.fee_item is None:
        raise DomainError(_l("Choose the fee item."), field="fee_item")
    if rate.fee_item.estate_id != rate.schedule.estate_id:
        raise DomainError(_l("The fee item belongs to another estate."), field="fee_item")
    if rate.property_type not in (rules.ALL_TYPES, *PROPERTY_TYPES):
        raise DomainError(_l("Pick one of the listed values."), field="property_type")
    rate.rate = rules.parse_rate(rate.rate)
    dup = db.session.scalar(select(FeeRate.id).where(
        FeeRate.schedule_id == rate.schedule.id, FeeRate.fee_item_id == rate.fee_item.id,
        FeeRate.property_type == rate.property_type, FeeRate.id != (rate.id or 0)))
    if dup:
        raise DomainError(_l("This schedule already has a rate for this item and property type."), field="fee_item")


def check_content(content: ServiceContent) -> None:
    _draft_only(content.schedule)
    if content.area not in rules.SERVICE_AREAS:
        raise DomainError(_l("Pick one of the listed values."), field="area")
    content.content = _text(content.content, "content", _l("Describe the service."), 2000)


def check_price(price: ServicePrice) -> None:
    if price.kind not in rules.PRICE_KINDS:
        raise DomainError(_l("Pick one of the listed values."), field="kind")
    price.name = _text(price.name, "name", _l("Enter the name of the service."), 100)
    price.unit_label = _text(price.unit_label, "unit_label", _l("Enter the unit, e.g. 页 or 次."), 30)
    price.price = parse_money(price.price, field="price", allow_zero=True)


def publish_schedule(schedule_id: int, actor, now: dt.datetime) -> FeeSchedule:
    """Freeze a draft and make it the published version (in force from its date)."""
    schedule = db.session.get(FeeSchedule, schedule_id)
    if schedule is None:
        raise DomainError(_l("This fee schedule does not exist."))
    if schedule.status == "published":
        raise DomainError(_l("This fee schedule is already published."))
    if not schedule.rates:
        raise DomainError(_l("A fee schedule without rates cannot be published."))
    with acting_as(actor):
        schedule.status = "published"
        schedule.published_at = now
        schedule.published_by_id = getattr(actor, "id", None)
        db.session.commit()
    return schedule


def new_version(schedule_id: int, actor, effective_from: dt.date | None = None) -> FeeSchedule:
    """A draft copy of a schedule (rates and service contents) to edit and publish."""
    source = db.session.get(FeeSchedule, schedule_id)
    if source is None:
        raise DomainError(_l("This fee schedule does not exist."))
    last = db.session.scalar(select(func.max(FeeSchedule.version)).where(FeeSchedule.estate_id == source.estate_id))
    with acting_as(actor):
        copy = FeeSchedule(
            estate_id=source.estate_id, version=(last or 0) + 1, title=source.title,
            pricing_basis=source.pricing_basis, service_grade=source.service_grade,
            effective_from=effective_from or source.effective_from, status="draft", notes=source.notes,
        )
        db.session.add(copy)
        for r in source.rates:
            db.session.add(FeeRate(schedule=copy, fee_item_id=r.fee_item_id, property_type=r.property_type,
                                   rate=r.rate, notes=r.notes, estate_id=source.estate_id))
        for c in source.contents:
            db.session.add(ServiceContent(schedule=copy, area=c.area, content=c.content,
                                          sort_order=c.sort_order, estate_id=source.estate_id))
        db.session.commit()
    return copy


def schedule_in_force(estate_id: int, on: dt.date) -> FeeSchedule | None:
    """The published schedule that applies on a date: latest effective date, then version."""
    return db.session.scalar(
        select(FeeSchedule)
        .where(FeeSchedule.estate_id == estate_id, FeeSchedule.status == "published",
               FeeSchedule.effective_from <= on)
        .order_by(FeeSchedule.effective_from.desc(), FeeSchedule.version.desc())
        .limit(1)
    )


def published_versions(estate_id: int) -> list[FeeSchedule]:
    return list(db.session.scalars(
        select(FeeSchedule).where(FeeSchedule.estate_id == estate_id, FeeSchedule.status == "published")
        .order_by(FeeSchedule.effective_from.desc(), FeeSchedule.version.desc())))


def sell_service(unit_id: int, price_id: int, quantity, actor, now: dt.datetime, note: str | None = None):
    """A sale from the service price list (typing, copying, a paid repair): a charge of
    price × quantity on the unit, due at once, then paid at the cash desk like any other."""
    from app.core.money import quantize
    from app.estate.models import Unit
    from app.fees.models import Charge

    unit = db.session.get(Unit, unit_id)
    price = db.session.get(ServicePrice, price_id)
    if unit is None:
        raise DomainError(_l("This unit does not exist."), field="unit")
    if price is None or price.estate_id != unit.estate_id or not price.active:
        raise DomainError(_l("Choose a service from this estate's price list."), field="price")
    try:
        qty = Decimal(str(quantity).strip())
    except Exception:  # noqa: BLE001 - any parse failure is the same message
        qty = None
    if qty is None or not qty.is_finite() or qty <= 0 or qty.as_tuple().exponent < -2 or qty > 100000:
        raise DomainError(_l("Enter a quantity greater than zero, at most 2 decimals."), field="quantity")
    amount = quantize(price.price * qty)
    if amount <= 0:
        raise DomainError(_l("This service is free: nothing to charge."), field="price")
    item = db.session.scalar(select(FeeItem).where(FeeItem.estate_id == unit.estate_id, FeeItem.basis == "per_sale"))
    if item is None:
        raise DomainError(_l("Set up a fee item charged per sale first."), field="price")
    with acting_as(actor):
        charge = Charge(
            unit_id=unit.id, estate_id=unit.estate_id, fee_item_id=item.id, period=rules.period_of(now.date()),
            period_start=now.date(), period_end=now.date(), due_date=now.date(), quantity=qty.quantize(Decimal("0.0001")),
            rate=Decimal(price.price).quantize(Decimal("0.0001")), amount=amount, paid=Decimal("0.00"), source="sale",
            description=f"{price.name} × {qty.normalize()} {price.unit_label}" + (f"（{note.strip()[:100]}）" if note and note.strip() else ""),
            created_at=now,
        )
        db.session.add(charge)
        db.session.commit()
    return charge
