"""Owner archive services: validation on every save path, history, move-in/out."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.core import audit
from app.exceptions import DomainError
from app.extensions import db
from app.owners import rules
from app.owners.models import Occupancy, Owner


def check_owner(owner: Owner) -> None:
    owner.name = rules.clean_name(owner.name)
    owner.phone = rules.normalize_phone(owner.phone, "phone")
    owner.phone2 = rules.normalize_phone(owner.phone2, "phone2")
    owner.emergency_phone = rules.normalize_phone(owner.emergency_phone, "emergency_phone")
    owner.id_number = rules.normalize_id_number(owner.id_number)
    if owner.emergency_contact:
        owner.emergency_contact = rules.clean_name(owner.emergency_contact, "emergency_contact")
    if owner.language not in rules.LANGUAGES:
        owner.language = "zh_CN"
    if owner.estate_id is None and owner.estate is None:
        raise DomainError(_l("Choose the estate."), field="estate")
    owner.important_client = bool(owner.important_client)


def check_occupancy(occ: Occupancy) -> None:
    if occ.unit is None:
        raise DomainError(_l("Choose the unit."), field="unit")
    if occ.owner is None:
        raise DomainError(_l("Choose the owner or occupant."), field="owner")
    if occ.relation not in rules.RELATIONS:
        raise DomainError(_l("Pick one of the listed values."), field="relation")
    if occ.owner.estate_id != occ.unit.estate_id:
        raise DomainError(_l("The owner and the unit belong to different estates."), field="unit")
    if occ.move_in_date and occ.move_out_date and occ.move_out_date < occ.move_in_date:
        raise DomainError(_l("The move-out date is before the move-in date."), field="move_out_date")
    if occ.move_out_date is None:
        dup = db.session.scalar(
            select(Occupancy.id).where(
                Occupancy.unit_id == occ.unit.id,
                Occupancy.owner_id == occ.owner.id,
                Occupancy.move_out_date.is_(None),
                Occupancy.id != (occ.id or 0),
            )
        )
        if dup:
            raise DomainError(_l("This person is already registered in this unit."), field="owner")


def owner_history(owner_id: int) -> list[audit.AuditLog]:
    """Every recorded change of the owner and of their occupancies, newest first."""
    occ_ids = [str(i) for (i,) in db.session.query(Occupancy.id).filter(Occupancy.owner_id == owner_id)]
    q = db.session.query(audit.AuditLog).options(selectinload(audit.AuditLog.user)).filter(
        or_(
            (audit.AuditLog.table_name == "owner") & (audit.AuditLog.record_id == str(owner_id)),
            (audit.AuditLog.table_name == "occupancy") & (audit.AuditLog.record_id.in_(occ_ids)),
        )
    )
    return q.order_by(audit.AuditLog.at.desc(), audit.AuditLog.id.desc()).limit(500).all()


def search_owners(estate_ids: list[int], text: str, limit: int = 20) -> list[Owner]:
    """By phone (whole number or its last 4 digits) or by name (part of it)."""
    text = (text or "").strip()
    if not text or not estate_ids:
        return []
    q = select(Owner).where(Owner.estate_id.in_(estate_ids))
    digits = text.replace("-", "").replace(" ", "")
    if digits.isdigit():
        if len(digits) == 4:
            cond = or_(Owner.phone.endswith(digits), Owner.phone2.endswith(digits))
        else:
            cond = or_(Owner.phone == digits, Owner.phone2 == digits, Owner.phone.contains(digits))
    else:
        cond = Owner.name.contains(text)
    return list(db.session.scalars(q.where(cond).order_by(Owner.name).limit(limit)))
