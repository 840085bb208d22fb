"""Password policy for staff accounts: long enough, not common, not the user name.

No composition rules (no "one capital, one digit"): length and a list of passwords people really
use do more for an office account. ``check_password`` is pure; ``fab_password_validator`` is
what FAB calls (``FAB_PASSWORD_COMPLEXITY_VALIDATOR``) wherever a password is set: the add-user
form, the admin's and the user's own reset-password forms, and the user API.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
DATA_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"

# rows of a keyboard and other runs people type; a password that is a slice of one of these
# (or of its reverse) is a walk, e.g. "qwertyuiop[]", "1qaz2wsx3edc", "0987654321"
WALKS = (
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890123456789",
)
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s",
                      "7": "t", "+": "t", "9": "g", "8": "b"})
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")

TOO_SHORT = "short"
COMMON = "common"
USERNAME = "username"
PATTERN = "pattern"

MESSAGES = {
    TOO_SHORT: _l("The password must have at least %(min)d characters; a short phrase is easier to remember "
                  "than a jumble of symbols."),
    COMMON: _l("This password is one of the most common ones and is tried first by attackers. "
               "Choose another, for example a few unrelated words."),
    USERNAME: _l("The password must not contain the user name."),
    PATTERN: _l("This password is a simple pattern (keyboard row, repeated or consecutive characters, "
                "a common word with digits). Choose another, for example a few unrelated words."),
}
RULE = _l("At least 12 characters, not a common password, not containing the user name. "
          "Letters, digits and symbols are all allowed; no other rules.")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = DATA_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_walk(text: str) -> bool:
    return any(text in row or text in row[::-1] for row in WALKS)


def _is_year(text: str) -> bool:
    """A year, or a date written as digits: 1990, 199012, 19901231."""
    return bool(re.fullmatch(r"(19|20)\d\d((0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])?)?", text))


def _is_chunk(text: str) -> bool:
    """One piece of a pattern: a walk or run of 3+, a year or date, a character repeated."""
    return (len(text) >= 3 and (_is_walk(text) or len(set(text)) == 1)) or _is_year(text)


def _is_pattern(text: str, max_chunks: int = 3) -> bool:
    """Repeats ("abcabcabc", "1212..."), runs and keyboard walks ("123456789012", "1qaz2wsx3edc"),
    or at most three such pieces glued together ("qwerty123456", "201901012020")."""
    if len(set(text)) <= 2:
        return True
    for size in range(1, len(text) // 2 + 1):  # the same block again and again
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return True
    best = [0] + [max_chunks + 1] * len(text)  # fewest pieces covering text[:i]
    for end in range(1, len(text) + 1):
        for start in range(end):
            if best[start] < max_chunks and _is_chunk(text[start:end]):
                best[end] = min(best[end], best[start] + 1)
    return best[-1] <= max_chunks


def _core(text: str) -> str:
    """The word inside the digits and symbols people add around it: "@Password2026!" -> "password"."""
    return _EDGES.sub("", text)


def problems(password: str, username: str | None = None) -> list[str]:
    """The rule codes ``password`` breaks (empty list: acceptable). Pure; the word list is data."""
    found: list[str] = []
    if len(password) < MIN_LENGTH:
        found.append(TOO_SHORT)
    low = password.lower()
    common = common_passwords()
    core = _core(low)
    if low in common or low.translate(LEET) in common or core in common or core.translate(LEET) in common:
        found.append(COMMON)
    if username and len(username) >= 3 and username.lower() in low:
        found.append(USERNAME)
    if COMMON not in found and (_is_pattern(low) or _is_pattern(re.sub(r"[\W_]", "", low))):
        found.append(PATTERN)
    return found


def message(code: str) -> str:
    return str(MESSAGES[code]) % {"min": MIN_LENGTH}


def check_password(password: str, username: str | None = None) -> None:
    """Raise FAB's PasswordComplexityValidationError with a translated message if refused."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    found = problems(password or "", username)
    if found:
        raise PasswordComplexityValidationError(message(found[0]))


def _username_of_request() -> str | None:
    """Whose password is being set: the add-user form/API names it, the admin's reset form has the
    user's id in the URL, and a user resetting their own is the logged-in user."""
    from flask import current_app, has_request_context, request
    from flask_login import current_user

    if not has_request_context():
        return None
    if request.form.get("username"):
        return request.form["username"]
    data = request.get_json(silent=True) if request.is_json else None
    if isinstance(data, dict) and isinstance(data.get("username"), str):
        return data["username"]
    sm = current_app.appbuilder.sm
    pk = request.args.get("pk") or (request.view_args or {}).get("pk")
    if pk and "resetpassword" in (request.endpoint or "").lower():
        user = sm.get_user_by_id(int(pk)) if str(pk).isdigit() else None
        return user.username if user else None
    if "/api/v1/security/users/" in request.path and (request.view_args or {}).get("pk"):
        user = sm.get_user_by_id(int(request.view_args["pk"]))
        return user.username if user else None
    if getattr(current_user, "is_authenticated", False) and "resetmypassword" in request.path.lower():
        return current_user.username
    return None


def fab_password_validator(password: str) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB passes the password only; the user name comes
    from the request."""
    check_password(password, _username_of_request())
