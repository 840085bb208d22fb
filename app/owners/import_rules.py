"""Pure rules of the owner-archive import (房屋及业主导入): the column layout, header names,
cell values and one row's field-by-field parsing. No I/O and no database, so the checks on a
cell can be tested without a workbook or an estate.

The layout and the rules are described in app.owners.importer; app.owners.import_reader finds
the columns in a workbook, app.owners.import_plans checks the parsed rows against the estate.
"""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.estate import rules as estate_rules
from app.exceptions import DomainError
from app.owners import rules

# key, Chinese header, English header, other accepted headers
COLUMNS = (
    ("building", "楼栋", "Building", ("楼号", "楼栋号", "幢", "栋")),
    ("entrance", "单元", "Entrance", ("单元号",)),
    # a 房号 column alone may hold the whole room (3栋2单元501): see parse_row
    ("room", "房号", "Room", ("房间号", "室号", "Room number", "房屋编号", "房号（全称）")),
    ("property_type", "物业类型", "Property type", ("房屋类型",)),
    ("area", "收费面积", "Chargeable area", ("面积", "Area", "建筑面积", "计费面积")),
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
    # the owner export lists several estates; an import checks each row is of the one chosen
    ("estate", "小区", "Estate", ("项目", "小区名称", "项目名称")),
)
REQUIRED_COLUMNS = ("room",)
OWNER_FIELDS = ("phone", "phone2", "id_number", "emergency_contact", "emergency_phone",
                "important_client", "notes")
LABELS = {
    "building": _l("Building"), "entrance": _l("Entrance"), "room": _l("Room"),
    "property_type": _l("Property type"), "area": _l("Chargeable area"), "status": _l("Status"),
    "name": _l("Owner name"), "phone": _l("Phone"), "phone2": _l("Second phone"),
    "id_number": _l("ID number"), "relation": _l("Relation"), "move_in_date": _l("Move-in date"),
    "emergency_contact": _l("Emergency contact"), "emergency_phone": _l("Emergency phone"),
    "important_client": _l("Important client"), "notes": _l("Notes"),
    "chargeable_area": _l("Chargeable area"), "estate": _l("Estate"),
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
# between two people in one name cell: 赵敏、钱军 / 赵敏,钱军 / 赵敏 (line break) 钱军
_NAME_SEPARATORS = re.compile(r"[、，,;；\r\n]+")
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "total")
# what follows an area: ㎡, m², m2, 平方米, 平米
_AREA_UNIT = re.compile(r"(㎡|[mM][²2]|平方米|平米)$")


def _norm_header(text) -> str:
    text = str(text).strip()
    text = re.sub(r"[（(][^)）]*[)）]$", "", text)
    return re.sub(r"[\s*＊:：_\-]", "", text).lower()


_HEADER_KEYS = {}
for _key, _zh, _en, _more in COLUMNS:
    for _h in (_key, _zh, _en, *_more):
        _HEADER_KEYS[_norm_header(_h)] = _key


def header_key(value) -> str | None:
    """The column key a header cell names (Chinese, English or another accepted name), or None."""
    return _HEADER_KEYS.get(_norm_header(value))


_MAIN_HEADERS = {_norm_header(h) for _k, zh, en, _m in COLUMNS for h in (_k, zh, en)}


def is_main_header(value) -> bool:
    """The column's own name (收费面积), not another accepted one (建筑面积): when a roster has
    both, the own name is read and the other column ignored."""
    return _norm_header(value) in _MAIN_HEADERS


def is_total_row(values) -> bool:
    """A totals row (合计 / 总计 / 小计 in a text cell): the sums of the roster, not a unit."""
    for value in values:
        if isinstance(value, str):
            text = re.sub(r"\s", "", value).lower().rstrip(":：")
            if text.startswith(_TOTAL_WORDS):
                return True
    return False


# --- cell values -------------------------------------------------------------------------
def cell_text(value) -> str | None:
    """A cell as stripped text (None when blank); whole-number floats without ".0"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = (repr(value) if isinstance(value, float) else str(value)).strip()
    return text or None


def _code(value, key: str) -> str | None:
    text = cell_text(value)
    if text is None:
        return None
    text = re.sub(_SUFFIX[key], "", text.translate(_FULLWIDTH)).strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{1,20}", text):
        raise DomainError(_l("Use letters and digits only, e.g. 501."))
    return estate_rules.normalize_number(text)


def _area(value):
    """268.50㎡, 1,268.50 or a number cell; Excel floats through repr (never rounded)."""
    if value is None or cell_text(value) is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return estate_rules.parse_area(value)
    text = cell_text(value).translate(_FULLWIDTH).replace("．", ".")
    text = _AREA_UNIT.sub("", text).strip()
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")  # thousands separators, as Excel shows 1,268.50
    return estate_rules.parse_area(text)


def _names(value) -> list[str]:
    text = cell_text(value)
    if text is None:
        return []
    return [rules.clean_name(n) for n in _NAME_SEPARATORS.split(text) if n.strip()]


def _one(numbers: list[str]) -> str | None:
    if len(numbers) > 1:
        raise DomainError(_l("Enter one phone number here (the second one goes in the second phone)."))
    return numbers[0] if numbers else None


class Masked(str):
    """A phone number as the masked export writes it (138****5678): it can only mean "keep the
    registered number", and only when the registered one masks to the same text."""


_MASKED_RE = re.compile(r"^\+?\d{0,4}\*+\d{0,4}$")


def _phones(value, what) -> list[str]:
    text = _number_text(value, what)
    if text is None:
        return []
    pieces = [p.strip() for p in _NAME_SEPARATORS.split(text) if p.strip()]
    if any("*" in p for p in pieces):
        if not all(_MASKED_RE.match(p) for p in pieces):
            raise DomainError(_l("A phone number has 7 to 15 digits, e.g. 13812345678 or 025-84561234."))
        return [Masked(p) for p in pieces]
    return rules.split_phones(text)


def choice_word(key: str, code: str | None) -> str | None:
    """The Chinese word of a code, as the import layout writes it (multi_storey -> 多层)."""
    return next((word for word, c in _CHOICE_WORDS[key].items() if c == code), code)


def _choice(value, key: str) -> str | None:
    """A code, its Chinese word, its English label or its label in the current language."""
    text = cell_text(value)
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
    return cell_text(value)


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
    text = cell_text(value)
    if text is None:
        return None
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise DomainError(_l("Enter 是 or 否."))


PERSON_KEYS = ("name", *OWNER_FIELDS, "relation", "move_in_date")


def parse_row(raw: dict) -> tuple[dict, list[str]]:
    """Field by field, with every problem of the row reported at once.

    ``people``: one dict per person the row names (PERSON_KEYS): two names in one cell
    (赵敏、钱军) are two people, with a phone each when the phone cell holds two numbers, else
    sharing it; two numbers for one person are phone and second phone."""
    out: dict = {}
    problems: list[str] = []

    def run(key, fn):
        try:
            out[key] = fn(raw.get(key))
        except DomainError as err:
            problems.append(_("%(column)s: %(problem)s", column=LABELS[key], problem=str(err)))

    _room(raw, out, problems, run)
    run("property_type", lambda v: _choice(v, "property_type"))
    run("status", lambda v: _choice(v, "status"))
    run("area", _area)
    run("estate", cell_text)
    run("name", _names)
    for key in ("phone", "phone2"):
        run(key, lambda v, k=key: _phones(v, LABELS[k]))
    run("emergency_phone", lambda v: _one(_phones(v, LABELS["emergency_phone"])))
    run("id_number", lambda v: [rules.normalize_id_number(i) for i in
                                _NAME_SEPARATORS.split(_number_text(v, LABELS["id_number"]) or "") if i.strip()])
    run("relation", lambda v: _choice(v, "relation"))
    run("move_in_date", _date)
    run("emergency_contact", lambda v: None if cell_text(v) is None else rules.clean_name(cell_text(v)))
    run("important_client", _flag)
    run("notes", cell_text)
    if raw.get("_stray"):
        problems.append(_("Column %(n)d has a value but no header.", n=raw["_stray"]))
    if problems:
        out["people"] = []
        return out, problems
    out["people"] = _people(out, problems)
    # a row of one person reads as before: out["name"], out["phone"] ...; a row without a
    # person keeps its notes (the unit's)
    out.update(out["people"][0] if out["people"] else dict.fromkeys(("name", "phone", "phone2", "id_number")))
    return out, problems


def _room(raw: dict, out: dict, problems: list[str], run) -> None:
    """楼栋 / 单元 / 房号 columns, or one 房号 cell with the whole room in any common writing
    (3栋2单元501, 3-2-501, 03-02-0501, 3幢501室: the quick search's parser)."""
    whole = None
    if all(cell_text(raw.get(k)) is None for k in ("building", "entrance", "room")) \
            and cell_text(raw.get("name")) is not None:
        # a person who holds no unit now (the owner export lists them so): no room
        out["building"] = out["entrance"] = out["room"] = None
        return
    if cell_text(raw.get("building")) is None and cell_text(raw.get("entrance")) is None:
        whole = estate_rules.parse_room_code(cell_text(raw.get("room")) or "")
    if whole is not None:
        out["building"], out["entrance"], out["room"] = whole
        return
    for key in ("building", "entrance", "room"):
        if cell_text(raw.get(key)) is None:
            problems.append(_("%(column)s: %(problem)s", column=LABELS[key], problem=_("This cell is empty.")))
        else:
            run(key, lambda v, k=key: _code(v, k))


def _people(out: dict, problems: list[str]) -> list[dict]:
    names, phones, ids = out["name"], out["phone"] + out["phone2"], out["id_number"]
    shared = {k: out[k] for k in ("emergency_contact", "emergency_phone", "important_client", "notes",
                                  "relation", "move_in_date")}
    if not names:
        if phones or ids or any(v is not None for k, v in shared.items() if k != "notes"):
            problems.append(_("Owner details are given without the owner's name."))
        return []
    if len(names) == 1:
        if len(phones) > 2:
            problems.append(_("Phone: more than two numbers for one person; keep two (phone and "
                              "second phone)."))
            return []
        if len(ids) > 1:
            problems.append(_("ID number: one person has one ID number; this cell has %(n)d.", n=len(ids)))
            return []
        return [{"name": names[0], "phone": phones[0] if phones else None,
                 "phone2": phones[1] if len(phones) > 1 else None, "id_number": ids[0] if ids else None,
                 **shared}]
    # several people in one cell: each needs their own number and ID, or all share one number
    if len(phones) not in (0, 1, len(names)) or len(ids) not in (0, len(names)):
        problems.append(_("%(n)d people are named in one cell (%(names)s) but the phone or ID number "
                          "cells do not give one for each, in the same order: put each person on a "
                          "row of their own.", n=len(names), names="、".join(names)))
        return []
    return [{"name": name, "phone": phones[i] if len(phones) == len(names) else (phones[0] if phones else None),
             "phone2": None, "id_number": ids[i] if ids else None, **shared}
            for i, name in enumerate(names)]
