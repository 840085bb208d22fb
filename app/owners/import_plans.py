"""Checking parsed import rows against the estate, without writing: what each good row will do.

Loads the estate's buildings, entrances, the units the file names and the owners it may mean
once (_Context), then turns every row into a RowPlan (unit to create or update, owner to match,
create or update, occupancy to add or change) or into its error messages. The rules it applies
are listed in app.owners.importer; app.owners.import_writer carries the plans out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.estate import rules as estate_rules
from app.estate.models import Building, Entrance, Unit
from app.exceptions import PermissionDenied
from app.owners import rules
from app.owners.import_rules import LABELS, OWNER_FIELDS, parse_row
from app.owners.models import Occupancy, Owner


@dataclass
class RowError(Exception):
    messages: list[str]


@dataclass
class OwnerPlan:
    values: dict
    relation: str
    move_in_date: dt.date | None
    existing: Owner | None = None
    changes: dict = field(default_factory=dict)
    same_as_row: int | None = None  # the person is created by that earlier row of the file
    occupancy: Occupancy | None = None
    occupancy_changes: dict = field(default_factory=dict)


@dataclass
class RowPlan:
    row: int
    entrance: Entrance
    room: str
    unit: Unit | None  # the existing unit, None = create
    unit_values: dict
    unit_changes: dict
    owner: OwnerPlan | None


# --- checking the rows against the estate -----------------------------------------------
def validate_rows(rows: list[dict], estate_ids, session, *, estate_id: int | None = None,
                  update_existing: bool = False) -> tuple[list[RowPlan], list[tuple[int, str]]]:
    """Check every row (rules, the estate's buildings, existing units and owners) without
    writing. ``estate_ids``: the estates the user works for; ``estate_id``: the one imported
    into (may be left out when ``estate_ids`` holds exactly one). Returns the plans of the good
    rows and the errors as (Excel row number, translated message), in row order."""
    estate_id = _chosen_estate(estate_ids, estate_id)
    parsed = []
    errors: list[tuple[int, str]] = []
    for raw in rows:
        values, problems = parse_row(raw)
        errors += [(raw["row"], p) for p in problems]
        parsed.append((raw["row"], values, not problems))

    # the same room twice: an error on every row that names it
    seen: dict[tuple, list[int]] = {}
    for number, v, _ok in parsed:
        if v.get("building") and v.get("entrance") and v.get("room"):
            seen.setdefault((v["building"], v["entrance"], v["room"]), []).append(number)
    for key, numbers in seen.items():
        if len(numbers) > 1:
            for n in numbers:
                others = ", ".join(str(o) for o in numbers if o != n)
                errors.append((n, _("Room %(code)s appears more than once in the file (also row %(rows)s).",
                                    code=estate_rules.room_code(*key), rows=others)))
    dup_rows = {n for numbers in seen.values() if len(numbers) > 1 for n in numbers}

    ctx = _Context(session, estate_id, [v for _n, v, ok in parsed if ok], update_existing)
    plans: list[RowPlan] = []
    for number, values, ok in parsed:
        try:
            if ok and number not in dup_rows:
                plans.append(ctx.plan(number, values))
            elif values.get("building") and values.get("entrance"):
                ctx.locate(values)  # report an unknown building on a bad row as well
        except RowError as err:
            errors += [(number, m) for m in err.messages]
    errors.sort(key=lambda e: e[0])
    return plans, errors


def _chosen_estate(estate_ids, estate_id) -> int:
    estate_ids = list(estate_ids or [])
    if estate_id is None and len(estate_ids) == 1:
        estate_id = estate_ids[0]
    if estate_id is None or estate_id not in estate_ids:
        raise PermissionDenied(_l("You do not work for this estate."))
    return estate_id


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _Context:
    """What the rows are checked against, loaded once: buildings, entrances, units, owners."""

    def __init__(self, session, estate_id: int, rows: list[dict], update_existing: bool):
        self.update_existing = update_existing
        self.buildings = {b.number: b for b in session.scalars(
            select(Building).where(Building.estate_id == estate_id))}
        self.entrances = {(e.building_id, e.number): e for e in session.scalars(
            select(Entrance).where(Entrance.estate_id == estate_id))}
        self.units: dict[tuple[int, str], Unit] = {}
        wanted = {self.entrances[k].id for k in (
            (self.buildings[r["building"]].id, r["entrance"]) for r in rows if r["building"] in self.buildings
        ) if k in self.entrances}
        for chunk in _chunks(sorted(wanted)):
            for u in session.scalars(select(Unit).where(Unit.entrance_id.in_(chunk)).options(
                    selectinload(Unit.occupancies).selectinload(Occupancy.owner))):
                self.units[(u.entrance_id, u.room_number)] = u
        self.by_id: dict[str, list[Owner]] = {}
        self.by_phone: dict[str, list[Owner]] = {}
        for attr, index in (("id_number", self.by_id), ("phone", self.by_phone)):
            keys = sorted({r[attr] for r in rows if r.get(attr)})
            column = getattr(Owner, attr)
            for chunk in _chunks(keys):
                for o in session.scalars(select(Owner).where(Owner.estate_id == estate_id, column.in_(chunk))):
                    index.setdefault(getattr(o, attr), []).append(o)
        # people met earlier in the file: key -> (row, owner values, existing owner or None)
        self.people: dict[tuple, tuple[int, dict, Owner | None]] = {}

    # one row ------------------------------------------------------------------------------
    def locate(self, v: dict) -> Entrance:
        """The entrance the row's room is in; RowError when the building or entrance is unknown."""
        building = self.buildings.get(v["building"])
        if building is None:
            raise RowError([_("Building %(b)s does not exist in this estate.", b=v["building"])])
        entrance = self.entrances.get((building.id, v["entrance"]))
        if entrance is None:
            raise RowError([_("Building %(b)s has no entrance %(e)s.", b=v["building"], e=v["entrance"])])
        return entrance

    def plan(self, number: int, v: dict) -> RowPlan:
        entrance = self.locate(v)
        unit = self.units.get((entrance.id, v["room"]))
        unit_values = {"property_type": v["property_type"], "chargeable_area": v["area"],
                       "status": v["status"]}
        if v["name"] is None and v["notes"] is not None:
            unit_values["notes"] = v["notes"]
        problems: list[str] = []
        unit_changes: dict = {}
        if unit is None:
            for key in ("property_type", "chargeable_area", "status"):
                if unit_values[key] is None:
                    problems.append(_("%(column)s: required for a new unit.", column=LABELS[key]))
        else:
            unit_changes = {k: val for k, val in unit_values.items()
                            if val is not None and getattr(unit, k) != val}
            if unit_changes and not self.update_existing:
                problems.append(self._differs(_("Unit %(code)s", code=unit.code), unit_changes))
        owner = self._owner_plan(v, unit, problems) if v["name"] else None
        if problems:
            raise RowError(problems)
        if owner is not None:
            self._remember(number, v, owner)
        return RowPlan(number, entrance, v["room"], unit, unit_values, unit_changes, owner)

    def _owner_plan(self, v: dict, unit: Unit | None, problems: list[str]) -> OwnerPlan | None:
        values = {k: v[k] for k in OWNER_FIELDS}
        values["name"] = v["name"]
        plan = OwnerPlan(values, v["relation"] or "owner", v["move_in_date"])
        earlier = self._earlier(v)
        if earlier is not None:
            row, seen_values, existing = earlier
            if any(values[k] is not None and seen_values[k] is not None and values[k] != seen_values[k]
                   for k in values):
                problems.append(_("%(name)s is also in row %(row)d, with different details.",
                                  name=v["name"], row=row))
                return None
            plan.existing = existing
            plan.same_as_row = None if existing is not None else row
        else:
            plan.existing = self._existing_owner(v, unit, problems)
        current = unit.current_occupants if unit is not None else []
        if plan.existing is not None:
            plan.changes = {k: val for k, val in values.items()
                            if val is not None and getattr(plan.existing, k) != val}
            if plan.changes and not self.update_existing:
                problems.append(self._differs(v["name"], plan.changes))
            plan.occupancy = next((o for o in current if o.owner_id == plan.existing.id), None)
        if plan.occupancy is not None:
            asked = {"relation": v["relation"], "move_in_date": v["move_in_date"]}
            plan.occupancy_changes = {k: val for k, val in asked.items()
                                      if val is not None and getattr(plan.occupancy, k) != val}
            if plan.occupancy_changes and not self.update_existing:
                problems.append(self._differs(v["name"], plan.occupancy_changes))
            plan.relation = plan.occupancy_changes.get("relation", plan.occupancy.relation)
        if plan.relation == "owner":
            others = [o.owner.name for o in current if o.relation == "owner"
                      and (plan.existing is None or o.owner_id != plan.existing.id)]
            if others:
                problems.append(_("Room %(code)s already has an owner (%(names)s): move the old owner "
                                  "out first, or import this person as family or tenant.",
                                  code=unit.code, names="、".join(others)))
        return plan

    def _earlier(self, v: dict):
        for key in self._keys(v):
            if key in self.people:
                return self.people[key]
        return None

    @staticmethod
    def _keys(v: dict) -> list[tuple]:
        keys = []
        if v.get("id_number"):
            keys.append(("id", v["id_number"]))
        if v.get("phone"):
            keys.append(("phone", v["name"], v["phone"]))
        return keys

    def _remember(self, number: int, v: dict, owner: OwnerPlan) -> None:
        first_row = owner.same_as_row or number
        for key in self._keys(v):
            self.people.setdefault(key, (first_row, owner.values, owner.existing))

    def _existing_owner(self, v: dict, unit: Unit | None, problems: list[str]) -> Owner | None:
        name, id_number = v["name"], v["id_number"]

        def compatible(o: Owner) -> bool:
            return o.name == name and (not id_number or not o.id_number or o.id_number == id_number)

        if id_number:
            found = self.by_id.get(id_number, [])
            if len(found) > 1:
                problems.append(_("Several owners of this estate have ID number %(id)s: register "
                                  "this row by hand.", id=rules.mask_id_number(id_number)))
                return None
            if found and found[0].name != name:
                problems.append(_("ID number %(id)s is registered to %(other)s, not to %(name)s.",
                                  id=rules.mask_id_number(id_number), other=found[0].name, name=name))
                return None
            if found:
                return found[0]
        candidates = []
        if unit is not None:
            candidates = list({o.owner.id: o.owner for o in unit.current_occupants
                               if compatible(o.owner)}.values())
        if not candidates and v["phone"]:
            candidates = [o for o in self.by_phone.get(v["phone"], []) if compatible(o)]
        if len(candidates) > 1:
            problems.append(_("Several registered people match %(name)s: register this row by hand.",
                              name=name))
            return None
        return candidates[0] if candidates else None

    @staticmethod
    def _differs(what, changes: dict) -> str:
        columns = format_list([str(LABELS.get(k, k)) for k in changes], locale=get_locale() or "en")
        return _("%(what)s is already registered with a different %(columns)s. Tick “Update "
                 "existing units and people” to overwrite it.", what=what, columns=columns)
