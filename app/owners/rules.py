"""Pure rules of the owner archive: phone and ID checks, masking. No I/O."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError

RELATIONS = {
    "owner": _l("Owner"),
    "tenant": _l("Tenant"),
    "family": _l("Family member"),
}
LANGUAGES = {"zh_CN": "中文", "en": "English"}

_PHONE_RE = re.compile(r"^\+?\d{7,15}$")
# full-width digits, plus and dashes as an IME types them
_PHONE_WIDTH = str.maketrans("０１２３４５６７８９＋－—–", "0123456789+---")
# between two numbers in one cell: 、 , ; / or a line break (a space may be inside one number)
_PHONE_SEPARATORS = re.compile(r"[、，,;；/／\r\n]+")


def split_phones(raw: str | None) -> list[str]:
    """The numbers written in one cell or box, each normalised (normalize_phone): "138 1234
    5678" is one number, "13812345678、13912345678" or "13812345678 13912345678" two."""
    if raw is None or not str(raw).strip():
        return []
    found: list[str] = []
    for piece in _PHONE_SEPARATORS.split(str(raw).translate(_PHONE_WIDTH)):
        if not piece.strip():
            continue
        words = piece.split()
        compact = re.sub(r"[\s\-()（）]", "", piece)
        # two whole numbers side by side, separated by spaces only
        if len(words) > 1 and not _PHONE_RE.match(compact) and all(
                _PHONE_RE.match(re.sub(r"[\-()（）]", "", w)) for w in words):
            found += [_one_phone(w) for w in words]
        else:
            found.append(_one_phone(piece))
    return found


def _one_phone(text: str) -> str:
    compact = re.sub(r"[\s\-()（）]", "", text)
    if not _PHONE_RE.match(compact):
        raise DomainError(_l("A phone number has 7 to 15 digits, e.g. 13812345678 or 025-84561234."))
    return compact


def normalize_phone(raw: str | None, field: str = "phone") -> str | None:
    """Digits only (a leading + kept); full-width digits made half-width, spaces and hyphens
    dropped. Letters are refused, and so are two numbers in one box (never glued into one)."""
    try:
        numbers = split_phones(raw)
    except DomainError as err:
        raise DomainError(err.message, field=field)
    if len(numbers) > 1:
        raise DomainError(_l("Enter one phone number here (the second one goes in the second phone)."),
                          field=field)
    return numbers[0] if numbers else None


def mask_phone(phone: str | None) -> str:
    """138****5678: the first 3 and the last 4 digits stay readable."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 4) + phone[-2:] if len(phone) > 4 else "****"
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return value[0] + "*" * (len(value) - 2) + value[-1]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


_ID18_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize_id_number(raw: str | None) -> str | None:
    """A resident ID card (18 characters, checksum verified) or another document number
    (passport, Hong Kong/Macao/Taiwan permits: 5-30 letters and digits)."""
    if raw is None or not str(raw).strip():
        return None
    value = str(raw).strip().upper().replace(" ", "")
    if not re.match(r"^[0-9A-Z]{5,30}$", value):
        raise DomainError(
            _l("An ID number has 5 to 30 letters and digits."), field="id_number"
        )
    if len(value) == 18 and value[:17].isdigit():
        if not _ID18_RE.match(value) or _ID_CHECK[
            sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS)) % 11
        ] != value[17]:
            raise DomainError(
                _l("This resident ID number is not valid: please check each digit."),
                field="id_number",
            )
    return value


def clean_name(raw: str | None, field: str = "name", max_len: int = 100) -> str:
    value = (raw or "").strip()
    if not value:
        raise DomainError(_l("Enter a name."), field=field)
    if len(value) > max_len:
        raise DomainError(_l("The name is too long (at most %(n)d characters).", n=max_len), field=field)
    return value
