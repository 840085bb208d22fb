"""Excel import of units and owners (房屋及业主导入), one .xlsx file into one estate.

Column layout
-------------
The first sheet of the workbook. The header row is the first of the top 10 rows that names at
least three known columns (a title row above it is ignored); headers may be Chinese or English,
in any order, and a trailing "*" or unit such as "（㎡）" is ignored. One row per unit.

| 中文        | English            | required                   | values                                    |
| ----------- | ------------------ | -------------------------- | ----------------------------------------- |
| 楼栋        | Building           | yes                        | an existing building number, e.g. 3       |
| 单元        | Entrance           | yes                        | an existing entrance of it, e.g. 2        |
| 房号        | Room               | yes                        | e.g. 501 (letters and digits)             |
| 物业类型    | Property type      | for a new unit             | 多层 / 高层 / 别墅 / 商铺 (or the codes)  |
| 收费面积    | Chargeable area    | for a new unit             | m², > 0, at most 2 decimals (never rounded) |
| 房屋状态    | Status             | for a new unit             | 空置 / 已入住 / 出租 (or the codes)       |
| 业主姓名    | Owner name         | for any owner column       | blank = a unit without an owner           |
| 手机        | Phone              |                            | 7-15 digits, e.g. 13812345678             |
| 备用电话    | Second phone       |                            |                                           |
| 证件号码    | ID number          |                            | resident ID (checksum checked) or other, as TEXT |
| 关系        | Relation           | blank = 业主               | 业主 / 租户 / 家属                         |
| 入住日期    | Move-in date       |                            | a date cell or 2023-05-01                 |
| 紧急联系人  | Emergency contact  |                            |                                           |
| 紧急联系电话| Emergency phone    |                            |                                           |
| 重要客户    | Important client   | blank = 否 (new owners)    | 是 / 否                                   |
| 备注        | Notes              |                            | the owner's notes; on a row without owner, the unit's |

Rules
-----
- Buildings and entrances are never created: an unknown one makes the row an error.
- A unit that does not exist is created. An existing unit keeps its data: a blank cell means
  "keep"; a value that differs is an error unless "update existing" is ticked.
- The owner is the same person as an existing one of the estate when the ID number matches,
  else when a current occupant of that unit has the same name, else when name and phone match;
  differing data is an error unless "update existing" is ticked. Otherwise a new owner is
  created (rows of one file with the same ID number, or the same name and phone, are one person).
- A new 业主 is refused for a unit that already has another current 业主 (a change of owner is a
  move-out first). Further occupants (family, tenants) of a unit: a second file, or by hand.
- The same room twice in one file is an error on both rows. At most 5,000 data rows (and
  10,010 sheet rows, blank ones included); merged cells are not supported.
- Nothing is written unless every row is good, unless "import good rows only" is ticked; the
  import is one transaction, recorded in the audit log under the importing user.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from contextlib import nullcontext
from dataclasses import dataclass, field

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import acting_as
from app.estate import rules as estate_rules
from app.estate import services as estate_services
from app.estate.models import Building, Entrance, Unit
from app.exceptions import DomainError, ImportRejected, PermissionDenied
from app.owners import rules, services
from app.owners.models import Occupancy, Owner

MAX_ROWS = 5000
MAX_SHEET_ROWS = 2 * MAX_ROWS + 10
HEADER_SEARCH_ROWS = 10

# key, Chinese header, English header, other accepted headers
COLUMNS = (
    ("building", "楼栋", "Building", ("楼号", "楼栋号", "幢")),
    ("entrance", "单元", "Entrance", ("单元号",)),
    ("room", "房号", "Room", ("房间号", "室号", "Room number")),
    ("property_type", "物业类型", "Property type", ("房屋类型",)),
    ("area", "收费面积", "Chargeable area", ("面积", "Area")),
    ("status", "房屋状态", "Status", ("状态",)),
    ("name", "业主姓名", "Owner name", ("姓名", "业主", "Name")),
    ("phone", "手机", "Phone", ("手机号", "手机号码", "电话", "联系电话", "Mobile")),
    ("phone2", "备用电话", "Second phone", ("电话2",)),
    ("id_number", "证件号码", "ID number", ("身份证号", "身份证号码", "证件号")),
    ("relation", "关系", "Relation", ("身份",)),
    ("move_in_date", "入住日期", "Move-in date", ("入住时间",)),
    ("emergency_contact", "紧急联系人", "Emergency contact", ()),
    ("emergency_phone", "紧急联系电话", "Emergency phone", ("紧急联系人电话",)),
    ("important_client", "重要客户", "Important client", ()),
    ("notes", "备注", "Notes", ()),
)
REQUIRED_COLUMNS = ("building", "entrance", "room")
OWNER_FIELDS = ("phone", "phone2", "id_number", "emergency_contact", "emergency_phone",
                "important_client", "notes")
LABELS = {
    "building": _l("Building"), "entrance": _l("Entrance"), "room": _l("Room"),
    "property_type": _l("Property type"), "area": _l("Chargeable area"), "status": _l("Status"),
    "name": _l("Owner name"), "phone": _l("Phone"), "phone2": _l("Second phone"),
    "id_number": _l("ID number"), "relation": _l("Relation"), "move_in_date": _l("Move-in date"),
    "emergency_contact": _l("Emergency contact"), "emergency_phone": _l("Emergency phone"),
    "important_client": _l("Important client"), "notes": _l("Notes"),
    "chargeable_area": _l("Chargeable area"),
}
_CHOICE_WORDS = {
    "property_type": {"多层": "multi_storey", "高层": "high_rise", "别墅": "villa", "商铺": "shop"},
    "status": {"空置": "vacant", "已入住": "occupied", "入住": "occupied", "出租": "let", "已出租": "let"},
    "relation": {"业主": "owner", "租户": "tenant", "家属": "family", "家庭成员": "family"},
}
_ENGLISH_WORDS = {"multi-storey": "multi_storey", "high-rise": "high_rise",
                  "family member": "family"}
_CHOICES = {"property_type": estate_rules.PROPERTY_TYPES, "status": estate_rules.UNIT_STATUSES,
            "relation": rules.RELATIONS}
_YES = {"是", "y", "yes", "true", "1", "√", "✓", "重要"}
_NO = {"否", "n", "no", "false", "0", "×"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＡＢＣＤＥＦ", "0123456789ABCDEF")
_SUFFIX = {"building": r"(栋|幢|号楼)$", "entrance": r"单元$", "room": r"(室|号)$"}


def _norm_header(text) -> str:
    text = str(text).strip()
    text = re.sub(r"[（(][^)）]*[)）]$", "", text)
    return re.sub(r"[\s*＊:：_\-]", "", text).lower()


_HEADER_KEYS = {}
for _key, _zh, _en, _more in COLUMNS:
    for _h in (_key, _zh, _en, *_more):
        _HEADER_KEYS[_norm_header(_h)] = _key


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


# --- reading the file --------------------------------------------------------------------
def parse_workbook(file_obj) -> list[dict]:
    """The data rows of the first sheet as {"row": Excel row number, column key: raw value}.
    Raises ImportRejected when the file is no .xlsx or its header row is unusable."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(file_obj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportRejected(_l("This is not an Excel .xlsx file. Save it as .xlsx and try again."), [])
    try:
        rows = enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)
        keys = None
        for number, values in rows:
            if number > HEADER_SEARCH_ROWS:
                break
            if sum(1 for v in values if _text(v) and _HEADER_KEYS.get(_norm_header(v))) >= 3:
                keys, errors = _read_header(number, values)
                if errors:
                    raise ImportRejected(_l("The header row of the file is not usable."), errors)
                break
        if keys is None:
            headers = " | ".join(zh for _k, zh, _e, _m in COLUMNS[:6])
            raise ImportRejected(_l("No header row found: the first rows must name the columns, "
                                    "e.g. %(headers)s.", headers=headers), [])
        data: list[dict] = []
        for number, values in rows:
            if number > MAX_SHEET_ROWS:  # blank but formatted rows are read too: keep it bounded
                raise ImportRejected(_l("The sheet has more than %(n)d rows: delete the empty rows "
                                        "below the data and try again.", n=MAX_SHEET_ROWS), [])
            if all(_text(v) is None for v in values):
                continue
            if len(data) >= MAX_ROWS:
                raise ImportRejected(_l("A file may hold at most %(n)d rows.", n=MAX_ROWS), [])
            record = {"row": number}
            for col, value in enumerate(values):
                if col in keys:
                    record[keys[col]] = value
                elif _text(value) is not None:
                    record.setdefault("_stray", col + 1)
            data.append(record)
        return data
    finally:
        wb.close()


def _read_header(number: int, values) -> tuple[dict, list]:
    keys: dict[int, str] = {}
    errors = []
    for col, value in enumerate(values):
        if _text(value) is None:
            continue
        key = _HEADER_KEYS.get(_norm_header(value))
        if key is None:
            errors.append((number, _("Unknown column “%(name)s”.", name=_text(value))))
        elif key in keys.values():
            errors.append((number, _("The column “%(name)s” appears twice.", name=_text(value))))
        else:
            keys[col] = key
    for key in REQUIRED_COLUMNS:
        if key not in keys.values():
            errors.append((number, _("The column “%(name)s” is missing.", name=LABELS[key])))
    return keys, errors


# --- cell values -------------------------------------------------------------------------
def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = (repr(value) if isinstance(value, float) else str(value)).strip()
    return text or None


def _code(value, key: str) -> str | None:
    text = _text(value)
    if text is None:
        return None
    text = re.sub(_SUFFIX[key], "", text.translate(_FULLWIDTH)).strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{1,20}", text):
        raise DomainError(_l("Use letters and digits only, e.g. 501."))
    return text


def _choice(value, key: str) -> str | None:
    """A code, its Chinese word, its English label or its label in the current language."""
    text = _text(value)
    if text is None:
        return None
    code = _CHOICE_WORDS[key].get(text) or _ENGLISH_WORDS.get(text.lower(), text.lower())
    for choice, label in _CHOICES[key].items():
        if code == choice or text == str(label):
            return choice
    words = " / ".join(_CHOICE_WORDS[key])
    raise DomainError(_l("Unknown value “%(value)s”: use %(words)s.", value=text, words=words))


def _number_text(value, what: str) -> str | None:
    """Phone and ID cells typed as numbers: exact integers only (Excel keeps 15 digits)."""
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise DomainError(_l("%(what)s was stored as a number and lost digits: format the column "
                             "as text and type it again.", what=what))
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10**15:
        raise DomainError(_l("%(what)s was stored as a number and lost digits: format the column "
                             "as text and type it again.", what=what))
    return _text(value)


def _date(value) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text, day = str(value).strip(), None
        for fmt in _DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise DomainError(_l("Not a date: enter it as 2023-05-01."))
    if not 1950 <= day.year <= 2100:
        raise DomainError(_l("Not a date: enter it as 2023-05-01."))
    return day


def _flag(value) -> bool | None:
    text = _text(value)
    if text is None:
        return None
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise DomainError(_l("Enter 是 or 否."))


def _parse_row(raw: dict) -> tuple[dict, list[str]]:
    """Field by field, with every problem of the row reported at once."""
    out: dict = {}
    problems: list[str] = []

    def run(key, fn):
        try:
            out[key] = fn(raw.get(key))
        except DomainError as err:
            problems.append(_("%(column)s: %(problem)s", column=LABELS[key], problem=str(err)))

    for key in ("building", "entrance", "room"):
        if _text(raw.get(key)) is None:
            problems.append(_("%(column)s: %(problem)s", column=LABELS[key], problem=_("This cell is empty.")))
        else:
            run(key, lambda v, k=key: _code(v, k))
    run("property_type", lambda v: _choice(v, "property_type"))
    run("status", lambda v: _choice(v, "status"))
    run("area", lambda v: None if _text(v) is None else estate_rules.parse_area(
        v if isinstance(v, float) else _text(v)))
    run("name", lambda v: None if _text(v) is None else rules.clean_name(_text(v)))
    for key in ("phone", "phone2", "emergency_phone"):
        run(key, lambda v, k=key: rules.normalize_phone(_number_text(v, LABELS[k]), k))
    run("id_number", lambda v: rules.normalize_id_number(_number_text(v, LABELS["id_number"])))
    run("relation", lambda v: _choice(v, "relation"))
    run("move_in_date", _date)
    run("emergency_contact", lambda v: None if _text(v) is None else rules.clean_name(_text(v)))
    run("important_client", _flag)
    run("notes", _text)
    if raw.get("_stray"):
        problems.append(_("Column %(n)d has a value but no header.", n=raw["_stray"]))
    if out.get("name") is None and any(
        out.get(k) is not None for k in (*OWNER_FIELDS, "relation", "move_in_date") if k != "notes"
    ):
        problems.append(_("Owner details are given without the owner's name."))
    return out, problems


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
        values, problems = _parse_row(raw)
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


# --- writing -----------------------------------------------------------------------------
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
            _write(plans, session, result)
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def _write(plans: list[RowPlan], session, result: ImportResult) -> None:
    created: dict[int, Owner] = {}
    for p in plans:
        try:
            changed = _write_row(p, session, result, created)
        except DomainError as err:
            raise ImportRejected(_l("Nothing was imported: row %(row)d was refused.", row=p.row),
                                 [(p.row, str(err))])
        if changed:
            result.rows_imported += 1
        else:
            result.rows_unchanged += 1


def _write_row(p: RowPlan, session, result: ImportResult, created: dict[int, Owner]) -> bool:
    changed = False
    unit = p.unit
    if unit is None:
        unit = Unit(entrance=p.entrance, room_number=p.room, estate_id=p.entrance.estate_id,
                    **{k: v for k, v in p.unit_values.items() if v is not None})
        estate_services.check_unit(unit)
        session.add(unit)
        result.units_created += 1
        changed = True
    elif p.unit_changes:
        for key, value in p.unit_changes.items():
            setattr(unit, key, value)
        estate_services.check_unit(unit)
        result.units_updated += 1
        changed = True
    session.flush()
    op = p.owner
    if op is None:
        return changed
    if op.existing is not None:
        owner = op.existing
        if op.changes:
            for key, value in op.changes.items():
                setattr(owner, key, value)
            services.check_owner(owner)
            result.owners_updated += 1
            changed = True
    elif op.same_as_row is not None:
        owner = created[op.same_as_row]
    else:
        owner = Owner(estate_id=unit.estate_id, **{k: v for k, v in op.values.items() if v is not None})
        services.check_owner(owner)
        session.add(owner)
        created[p.row] = owner
        result.owners_created += 1
        changed = True
    session.flush()
    if op.occupancy is not None:
        if op.occupancy_changes:
            for key, value in op.occupancy_changes.items():
                setattr(op.occupancy, key, value)
            services.check_occupancy(op.occupancy)
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
