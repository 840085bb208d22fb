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


def header_key(value) -> str | None:
    """The column key a header cell names (Chinese, English or another accepted name), or None."""
    return _HEADER_KEYS.get(_norm_header(value))


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
    return text


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


def parse_row(raw: dict) -> tuple[dict, list[str]]:
    """Field by field, with every problem of the row reported at once."""
    out: dict = {}
    problems: list[str] = []

    def run(key, fn):
        try:
            out[key] = fn(raw.get(key))
        except DomainError as err:
            problems.append(_("%(column)s: %(problem)s", column=LABELS[key], problem=str(err)))

    for key in ("building", "entrance", "room"):
        if cell_text(raw.get(key)) is None:
            problems.append(_("%(column)s: %(problem)s", column=LABELS[key], problem=_("This cell is empty.")))
        else:
            run(key, lambda v, k=key: _code(v, k))
    run("property_type", lambda v: _choice(v, "property_type"))
    run("status", lambda v: _choice(v, "status"))
    run("area", lambda v: None if cell_text(v) is None else estate_rules.parse_area(
        v if isinstance(v, float) else cell_text(v)))
    run("name", lambda v: None if cell_text(v) is None else rules.clean_name(cell_text(v)))
    for key in ("phone", "phone2", "emergency_phone"):
        run(key, lambda v, k=key: rules.normalize_phone(_number_text(v, LABELS[k]), k))
    run("id_number", lambda v: rules.normalize_id_number(_number_text(v, LABELS["id_number"])))
    run("relation", lambda v: _choice(v, "relation"))
    run("move_in_date", _date)
    run("emergency_contact", lambda v: None if cell_text(v) is None else rules.clean_name(cell_text(v)))
    run("important_client", _flag)
    run("notes", cell_text)
    if raw.get("_stray"):
        problems.append(_("Column %(n)d has a value but no header.", n=raw["_stray"]))
    if out.get("name") is None and any(
        out.get(k) is not None for k in (*OWNER_FIELDS, "relation", "move_in_date") if k != "notes"
    ):
        problems.append(_("Owner details are given without the owner's name."))
    return out, problems
