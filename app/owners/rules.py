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


def normalize_phone(raw: str | None, field: str = "phone") -> str | None:
    """Digits only (a leading + kept); spaces and hyphens dropped. Letters are refused."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    compact = re.sub(r"[\s\-()（）]", "", text)
    if not _PHONE_RE.match(compact):
        raise DomainError(
            _l("A phone number has 7 to 15 digits, e.g. 13812345678 or 025-84561234."),
            field=field,
        )
    return compact


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
