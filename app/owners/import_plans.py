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
from app.estate.models import Building, Entrance, Estate, Unit
from app.exceptions import PermissionDenied
from app.owners import rules
from app.owners.import_rules import LABELS, OWNER_FIELDS, Masked, parse_row
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
    same_as: tuple | None = None  # the person is created by that earlier plan (its RowPlan.key)
    occupancy: Occupancy | None = None
    occupancy_changes: dict = field(default_factory=dict)


@dataclass
class RowPlan:
    row: int
    entrance: Entrance | None  # None: a person without a unit (no unit, no occupancy)
    room: str | None
    unit: Unit | None  # the existing unit, None = create
    unit_values: dict
    unit_changes: dict
    owner: OwnerPlan | None

    @property
    def key(self) -> tuple:
        """A row may name several people: one plan each, told apart by the name."""
        return (self.row, self.owner.values["name"] if self.owner else "")


# --- checking the rows against the estate -----------------------------------------------
def validate_rows(rows: list[dict], estate_ids, session, *, estate_id: int | None = None,
                  update_existing: bool = False) -> tuple[list[RowPlan], list[tuple[int, str]]]:
    """Check every row (rules, the estate's buildings, existing units and owners) without
    writing. ``estate_ids``: the estates the user works for; ``estate_id``: the one imported
    into (may be left out when ``estate_ids`` holds exactly one). Returns the plans of the good
    rows (one per person a row names; one for a row without a person) and the errors as
    (Excel row number, translated message), in row order."""
    estate_id = _chosen_estate(estate_ids, estate_id)
    estate_name = session.scalar(select(Estate.name).where(Estate.id == estate_id))
    parsed = []
    errors: list[tuple[int, str]] = []
    for raw in rows:
        values, problems = parse_row(raw)
        if not problems and values.get("estate") not in (None, estate_name):
            problems.append(_("This row is of the estate %(other)s, not of %(estate)s.",
                              other=values["estate"], estate=estate_name))
        errors += [(raw["row"], p) for p in problems]
        parsed.append((raw["row"], values, not problems))

    ctx = _Context(session, estate_id, [v for _n, v, ok in parsed if ok], update_existing)
    bad = {n for n, _v, ok in parsed if not ok}
    for number, values, ok in parsed:
        if ok and values["room"] is not None:
            try:
                ctx.resolve_entrance(values)
            except RowError as err:
                errors += [(number, m) for m in err.messages]
                bad.add(number)
    for number, message in _same_room_checks([(n, v) for n, v, ok in parsed
                                              if ok and n not in bad and v["room"] is not None]):
        errors.append((number, message))
        bad.add(number)

    # co-owners: a registered owner of the room whom the file names for it as well is no
    # "other owner" to refuse a second one for
    named: dict[tuple, set[str]] = {}
    for _n, v, ok in parsed:
        if ok:
            named.setdefault((v["building"], v["entrance"], v["room"]), set()).update(
                p["name"] for p in v["people"])
    for _n, v, ok in parsed:
        if ok:
            v["room_people"] = named[(v["building"], v["entrance"], v["room"])]

    plans: list[RowPlan] = []
    for number, values, ok in parsed:
        try:
            if ok and number not in bad:
                people = [{**values, **person} for person in values["people"]] or [values]
                row_plans, messages = [], []
                for person in people:
                    try:
                        row_plans.append(ctx.plan(number, person))
                    except RowError as err:
                        messages += err.messages
                if messages:
                    raise RowError(messages)
                for plan, person in zip(row_plans, people):
                    ctx.remember(plan, person)
                plans += row_plans
            elif values.get("building") and values.get("entrance"):
                ctx.locate(values)  # report an unknown building on a bad row as well
        except RowError as err:
            errors += [(number, m) for m in err.messages]
    errors.sort(key=lambda e: e[0])
    return plans, errors


_UNIT_KEYS = ("property_type", "area", "status")


def _same_room_checks(parsed: list[tuple[int, dict]]) -> list[tuple[int, str]]:
    """A room may have several rows, one per person (the owner export writes the owner and the
    family so); its unit cells must then agree, and are taken from whichever row gives them.
    A room twice without a person, or the same person twice in a room, is an error."""
    errors = []
    groups: dict[tuple, list[tuple[int, dict]]] = {}
    for number, v in parsed:
        groups.setdefault((v["building"], v["entrance"], v["room"]), []).append((number, v))
    for key, members in groups.items():
        if len(members) < 2:
            continue
        code = estate_rules.room_code(*key)
        numbers = [n for n, _v in members]
        if any(not v["people"] for _n, v in members):
            for n in numbers:
                others = ", ".join(str(o) for o in numbers if o != n)
                errors.append((n, _("Room %(code)s appears more than once in the file (also row %(rows)s).",
                                    code=code, rows=others)))
            continue
        seen_people: dict[str, int] = {}
        merged: dict = {}
        for n, v in members:
            for k in _UNIT_KEYS:
                if v[k] is None:
                    continue
                if k in merged and merged[k][1] != v[k]:
                    errors.append((n, _("Room %(code)s has a different %(column)s in row %(row)d.",
                                        code=code, column=LABELS[k], row=merged[k][0])))
                merged.setdefault(k, (n, v[k]))
            for person in v["people"]:
                if person["name"] in seen_people:
                    errors.append((n, _("%(name)s is listed twice for room %(code)s (also row %(row)d).",
                                        name=person["name"], code=code, row=seen_people[person["name"]])))
                seen_people.setdefault(person["name"], n)
        for _n, v in members:
            for k, (_row, value) in merged.items():
                if v[k] is None:
                    v[k] = value
    return errors


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
        # keyed by the normalised number, as the file's are: a number stored before numbers
        # were normalised (0201, or written in lower case) is still the one the file means
        norm = estate_rules.normalize_number
        self.buildings = {norm(b.number): b for b in session.scalars(
            select(Building).where(Building.estate_id == estate_id))}
        self.entrances = {(e.building_id, norm(e.number)): e for e in session.scalars(
            select(Entrance).where(Entrance.estate_id == estate_id))}
        self.units: dict[tuple[int, str], Unit] = {}
        self.entrances_of: dict[int, list[Entrance]] = {}
        for e in self.entrances.values():
            self.entrances_of.setdefault(e.building_id, []).append(e)
        wanted = {e.id for r in rows if r["building"] in self.buildings
                  for e in self.entrances_of.get(self.buildings[r["building"]].id, [])
                  if r["entrance"] in (None, norm(e.number))}
        for chunk in _chunks(sorted(wanted)):
            for u in session.scalars(select(Unit).where(Unit.entrance_id.in_(chunk)).options(
                    selectinload(Unit.occupancies).selectinload(Occupancy.owner))):
                self.units[(u.entrance_id, norm(u.room_number))] = u
        self.by_id: dict[str, list[Owner]] = {}
        self.by_phone: dict[str, list[Owner]] = {}
        for attr, index in (("id_number", self.by_id), ("phone", self.by_phone)):
            keys = sorted({p[attr] for r in rows for p in r.get("people", [])
                           if p.get(attr) and not isinstance(p[attr], Masked)})
            column = getattr(Owner, attr)
            for chunk in _chunks(keys):
                for o in session.scalars(select(Owner).where(Owner.estate_id == estate_id, column.in_(chunk))):
                    index.setdefault(getattr(o, attr), []).append(o)
        self.unitless: dict[str, list[Owner]] = {}
        names = sorted({p["name"] for r in rows if r["room"] is None for p in r.get("people", [])})
        for chunk in _chunks(names):
            for o in session.scalars(select(Owner).where(Owner.estate_id == estate_id, Owner.name.in_(chunk))
                                     .options(selectinload(Owner.occupancies))):
                if not any(occ.move_out_date is None for occ in o.occupancies):
                    self.unitless.setdefault(o.name, []).append(o)
        # people met earlier in the file: key -> (first plan key, owner values, existing owner or None)
        self.people: dict[tuple, tuple[int, dict, Owner | None]] = {}

    # one row ------------------------------------------------------------------------------
    def resolve_entrance(self, v: dict) -> None:
        """3幢501室 names no entrance: it is the building's only one, else the row is refused."""
        if v["entrance"] is not None:
            return
        building = self.buildings.get(v["building"])
        if building is None:
            raise RowError([_("Building %(b)s does not exist in this estate.", b=v["building"])])
        entrances = self.entrances_of.get(building.id, [])
        if len(entrances) != 1:
            raise RowError([_("Building %(b)s has several entrances: write the room with its entrance, "
                              "e.g. %(example)s.", b=v["building"],
                              example=estate_rules.room_code(v["building"], "1", v["room"]))])
        v["entrance"] = estate_rules.normalize_number(entrances[0].number)

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
        if v["room"] is None:
            problems: list[str] = []
            owner = self._owner_plan(v, None, problems)
            if problems:
                raise RowError(problems)
            return RowPlan(number, None, None, None, {}, {}, owner)
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
        return RowPlan(number, entrance, v["room"], unit, unit_values, unit_changes, owner)

    def _owner_plan(self, v: dict, unit: Unit | None, problems: list[str]) -> OwnerPlan | None:
        values = {k: v[k] for k in OWNER_FIELDS}
        values["name"] = v["name"]
        plan = OwnerPlan(values, v["relation"] or "owner", v["move_in_date"])
        masked = {k: values.pop(k) for k in ("phone", "phone2", "emergency_phone")
                  if isinstance(values[k], Masked)}
        for k in masked:
            values[k] = None
        earlier = self._earlier(v)
        if earlier is not None:
            first, seen_values, existing = earlier
            if any(values[k] is not None and seen_values[k] is not None and values[k] != seen_values[k]
                   for k in values):
                problems.append(_("%(name)s is also in row %(row)d, with different details.",
                                  name=v["name"], row=first[0]))
                return None
            plan.existing = existing
            plan.same_as = None if existing is not None else first
        else:
            plan.existing = self._existing_owner(v, unit, problems)
        for k, text in masked.items():
            # the masked export's 138****5678 keeps the registered number; it cannot give a new one
            if plan.existing is None or rules.mask_phone(getattr(plan.existing, k)) != text:
                problems.append(_("%(column)s: %(value)s is masked; enter the full number.",
                                  column=LABELS[k], value=text))
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
                      and (plan.existing is None or o.owner_id != plan.existing.id)
                      and o.owner.name not in v.get("room_people", ())]
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
        if v.get("phone") and not isinstance(v["phone"], Masked):
            keys.append(("phone", v["name"], v["phone"]))
        return keys

    def remember(self, plan: RowPlan, v: dict) -> None:
        """A good plan's person, for the later rows that name them again."""
        if plan.owner is None:
            return
        first = plan.owner.same_as or plan.key
        for key in self._keys(v):
            self.people.setdefault(key, (first, plan.owner.values, plan.owner.existing))

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
        if not candidates and v["phone"] and not isinstance(v["phone"], Masked):
            candidates = [o for o in self.by_phone.get(v["phone"], []) if compatible(o)]
        if not candidates and unit is None and v["room"] is None:
            # a person without a unit, written back by the (masked) export: by the name alone
            candidates = [o for o in self.unitless.get(name, []) if compatible(o)]
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
