"""Shared model pieces: the estate scope every register row carries, and choice lists."""
from __future__ import annotations

from sqlalchemy import ForeignKey, event, inspect
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column


class EstateScoped:
    """Every register row belongs to one estate; staff see only their estates' rows.

    A row under a parent (a building under its zone, a unit under its entrance...) takes its
    estate from the parent on every flush, named by ``__estate_parent__``, so forms never ask
    for it and it can never disagree with the parent.
    """

    __estate_parent__: str | None = None

    @declared_attr
    def estate_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("estate.id"), nullable=False, index=True)


def record_decision(request, status: str, approver, now, note: str | None) -> None:
    """A request that waits for a decision (a void, a late-fee waiver) is approved or rejected:
    who decided, when and why, the same way on every register."""
    request.status = status
    request.decided_by_id = getattr(approver, "id", None)
    request.decided_at = now
    request.decision_note = note


def estate_of(item) -> int | None:
    """The estate a (possibly unsaved) row belongs to, following its parents."""
    parent_attr = getattr(item, "__estate_parent__", None)
    if parent_attr:
        parent = getattr(item, parent_attr, None)
        if parent is not None:
            return estate_of(parent)
    if type(item).__name__ == "Estate":
        return item.id
    # a relation just set (a form or API moving the row to another estate) wins over the
    # estate_id column, which is only updated at flush
    estate = item.__dict__.get("estate")
    if estate is not None:
        return estate.id
    if getattr(item, "estate_id", None) is not None:
        return item.estate_id
    estate = getattr(item, "estate", None)
    return estate.id if estate is not None else None


def _load_parent(session: Session, obj, parent_attr: str) -> None:
    """A new row given only its parent's id (unit_id=...) gets the parent loaded, so its
    estate can be taken from it."""
    if getattr(obj, parent_attr, None) is not None:
        return
    rel = inspect(type(obj)).relationships[parent_attr]
    fk = next(iter(rel.local_columns)).key
    parent_id = getattr(obj, fk, None)
    if parent_id is not None:
        setattr(obj, parent_attr, session.get(rel.mapper.class_, parent_id))


@event.listens_for(Session, "before_flush")
def _derive_estate(session: Session, _ctx, _instances):
    for obj in list(session.new) + list(session.dirty):
        parent_attr = getattr(obj, "__estate_parent__", None)
        if not parent_attr:
            continue
        _load_parent(session, obj, parent_attr)
        estate_id = estate_of(obj)
        if estate_id is not None and obj.estate_id != estate_id:
            obj.estate_id = estate_id
        hook = getattr(obj, "derive", None)
        if hook:
            hook()
