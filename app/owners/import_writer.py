"""Writing an owner-archive import: validate, then carry out the row plans in one transaction.

import_rows is the entry point of an import (page and tests): it refuses the whole file while
any row is bad (unless "import good rows only"), writes units, owners and occupancies through
the same estate / owner checks as every other save path, commits once under the importing
user (audit log) and counts what it did in an ImportResult. The plans come from
app.owners.import_plans.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.core.audit import acting_as
from app.estate import services as estate_services
from app.estate.models import Unit
from app.exceptions import DomainError, ImportRejected
from app.owners import services
from app.owners.import_plans import RowPlan, _chosen_estate, validate_rows
from app.owners.models import Occupancy, Owner


@dataclass
class ImportResult:
    units_created: int = 0
    units_updated: int = 0
    owners_created: int = 0
    owners_updated: int = 0
    occupancies_created: int = 0
    occupancies_updated: int = 0
    rows_imported: int = 0
    rows_unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def import_rows(rows: list[dict], estate_ids, session, *, estate_id: int | None = None,
                actor=None, good_rows_only: bool = False,
                update_existing: bool = False) -> ImportResult:
    """Validate, then write the rows in ONE transaction (committed here) as ``actor``.

    Refuses the whole file (ImportRejected, nothing written) when any row is bad, unless
    ``good_rows_only``: then the good rows are written and the bad ones listed in ``skipped``."""
    try:
        if not rows:
            raise ImportRejected(_l("The file has no data rows."), [])
        plans, errors = validate_rows(rows, estate_ids, session, estate_id=estate_id,
                                      update_existing=update_existing)
        if errors and not good_rows_only:
            bad_rows = len({row for row, _m in errors})
            raise ImportRejected(_l("Nothing was imported: %(n)d row(s) of the file have errors.",
                                    n=bad_rows), errors)
        if not plans:
            raise ImportRejected(_l("Nothing was imported: no row is without errors."), errors)
        result = ImportResult(skipped=errors)
        # no actor given: the audit log falls back to the logged-in user (see audit.current_actor)
        with acting_as(actor) if actor is not None else nullcontext(), session.no_autoflush:
            _write(plans, session, result, _chosen_estate(estate_ids, estate_id))
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def _write(plans: list[RowPlan], session, result: ImportResult, estate_id: int) -> None:
    created: dict[tuple, Owner] = {}
    units: dict[tuple, Unit] = {}  # the units this import created or updated, by (entrance, room)
    changed_rows: dict[int, bool] = {}
    for p in plans:
        try:
            changed = _write_row(p, session, result, created, units, estate_id)
        except DomainError as err:
            raise ImportRejected(_l("Nothing was imported: row %(row)d was refused.", row=p.row),
                                 [(p.row, str(err))])
        changed_rows[p.row] = changed_rows.get(p.row, False) or changed
    result.rows_imported = sum(1 for c in changed_rows.values() if c)
    result.rows_unchanged = len(changed_rows) - result.rows_imported


def _write_row(p: RowPlan, session, result: ImportResult, created: dict[tuple, Owner],
               units: dict[tuple, Unit], estate_id: int) -> bool:
    changed = False
    where = (p.entrance.id, p.room) if p.entrance is not None else None
    unit = p.unit or units.get(where)
    if where is None:
        pass  # a person without a unit
    elif unit is None:
        unit = Unit(entrance=p.entrance, room_number=p.room, estate_id=p.entrance.estate_id,
                    **{k: v for k, v in p.unit_values.items() if v is not None})
        estate_services.check_unit(unit)
        session.add(unit)
        units[where] = unit
        result.units_created += 1
        changed = True
    elif p.unit_changes and where not in units:  # the room's later rows carry the same changes
        _apply(unit, p.unit_changes, estate_services.check_unit)
        units[where] = unit
        result.units_updated += 1
        changed = True
    session.flush()
    op = p.owner
    if op is None:
        return changed
    if op.existing is not None:
        owner = op.existing
        if op.changes:
            _apply(owner, op.changes, services.check_owner)
            result.owners_updated += 1
            changed = True
    elif op.same_as is not None:
        owner = created[op.same_as]
    else:
        owner = Owner(estate_id=estate_id, **{k: v for k, v in op.values.items() if v is not None})
        services.check_owner(owner)
        session.add(owner)
        created[p.key] = owner
        result.owners_created += 1
        changed = True
    session.flush()
    if unit is None:
        return changed
    if op.occupancy is not None:
        if op.occupancy_changes:
            _apply(op.occupancy, op.occupancy_changes, services.check_occupancy)
            result.occupancies_updated += 1
            changed = True
    else:
        occ = Occupancy(unit=unit, owner=owner, relation=op.relation, move_in_date=op.move_in_date,
                        estate_id=unit.estate_id)
        services.check_occupancy(occ)
        session.add(occ)
        result.occupancies_created += 1
        changed = True
    session.flush()
    return changed


def _apply(record, changes: dict, check) -> None:
    """Set the planned changes on an existing record and run its register's checks on it."""
    for key, value in changes.items():
        setattr(record, key, value)
    check(record)
