"""Pure rules of owner visits: kinds, weeks and months, quotas, the signature image. No I/O."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError

KINDS = {
    "regular": _l("Regular visit"),
    "irregular": _l("Irregular visit"),
    "important": _l("Important-client visit"),
    "complaint": _l("Complaint follow-up visit"),
}
# the kinds a quota can be set for
QUOTA_KINDS = {k: KINDS[k] for k in ("regular", "irregular", "important")}
PERIODS = {"week": _l("Weekly"), "month": _l("Monthly")}
SIGNATURES = {
    "drawn": _l("Signed on screen"),
    "paper": _l("Signed on paper (scan)"),
    "none": _l("Not signed"),
}


@dataclass(frozen=True)
class QuotaRule:
    kind: str
    period: str  # week / month
    min_households: int | None  # None (important clients): every important client's household
    per_staff: bool = False


# the seed plan: regular visits weekly, at least ten households; irregular monthly, at least
# ten; important clients every week
DEFAULT_QUOTAS = (
    QuotaRule("regular", "week", 10),
    QuotaRule("irregular", "month", 10),
    QuotaRule("important", "week", None),
)

MAX_SIGNATURE_BYTES = 1024 * 1024  # 1 MB
MAX_SIGNATURE_PIXELS = 5000 * 5000
MAX_TEXT = 2000


# --- time -------------------------------------------------------------------------------
def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday to Sunday) holding ``day``."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    return week_bounds(day) if period == "week" else month_bounds(day)


def weeks_of_month(year: int, month: int) -> list[tuple[dt.date, dt.date]]:
    """Every week (Monday to Sunday) that overlaps the month: the one it begins in (which may
    start in the month before, e.g. 11-30 to 12-06 for December 2026) to the one it ends in. A
    week across two months shows in both summaries, judged on the whole week."""
    first, last = month_bounds(dt.date(year, month, 1))
    monday = first - dt.timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return out


def check_visit_date(visit_date: dt.date | None, today: dt.date) -> None:
    if visit_date is None:
        raise DomainError(_l("Enter the date of the visit."), field="visit_date")
    if visit_date > today:
        raise DomainError(_l("A visit cannot be dated in the future (today is %(d)s).", d=today.isoformat()),
                          field="visit_date")


def clean_text(value: str | None, field: str, max_len: int = MAX_TEXT) -> str | None:
    text = (value or "").strip()
    if len(text) > max_len:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=max_len), field=field)
    return text or None


# --- quotas -----------------------------------------------------------------------------
@dataclass
class QuotaLine:
    kind: str
    period: str
    start: dt.date
    end: dt.date
    target: int  # households to visit
    done: int  # distinct households visited
    per_staff: bool = False
    # per_staff: {staff name: households}; a staff member below target misses the quota
    staff_done: dict[str, int] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        if self.per_staff:
            return bool(self.staff_done) and all(n >= self.target for n in self.staff_done.values())
        return self.done >= self.target

    @property
    def missing(self) -> int:
        return max(0, self.target - self.done)

    def verdict(self, today: dt.date) -> str:
        """"met" / "missed" once judged; a period not yet over is not judged: "open" (under
        way and not met yet) or "future" (not begun)."""
        if self.start > today:
            return "future"
        if self.met:
            return "met"
        return "open" if self.end >= today else "missed"


VERDICTS = {"met": _l("Yes"), "missed": _l("No"), "open": _l("Under way"), "future": _l("Not begun")}


def quota_target(rule: QuotaRule, important_households: int) -> int:
    if rule.min_households is not None:
        return rule.min_households
    return important_households if rule.kind == "important" else 0


def merge_quotas(stored: list[QuotaRule]) -> list[QuotaRule]:
    """The estate's quotas: its own rows, the defaults for kinds it has not set."""
    own = {q.kind: q for q in stored}
    return [own.get(d.kind, d) for d in DEFAULT_QUOTAS] + [q for q in stored if q.kind not in QUOTA_KINDS]


def households(visits: list[tuple[int, str, dt.date]], kind: str, start: dt.date, end: dt.date) -> set[int]:
    """Distinct units visited with ``kind`` between start and end: visits are (unit, kind, date)."""
    return {u for u, k, d in visits if k == kind and start <= d <= end}


def quota_line(rule: QuotaRule, visits: list[tuple[int, str, dt.date, str]], start: dt.date, end: dt.date,
               important_households: int) -> QuotaLine:
    """Visits are (unit, kind, date, staff name)."""
    done = households([v[:3] for v in visits], rule.kind, start, end)
    staff: dict[str, set[int]] = {}
    for u, k, d, who in visits:
        if k == rule.kind and start <= d <= end:
            staff.setdefault(who, set()).add(u)
    return QuotaLine(rule.kind, rule.period, start, end, quota_target(rule, important_households), len(done),
                     rule.per_staff, {k: len(v) for k, v in sorted(staff.items())})


# --- the signature ----------------------------------------------------------------------
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def check_signature(data: bytes | None, field: str = "signature") -> str:
    """The image's MIME type, if ``data`` is a PNG or JPEG image of at most 1 MB; else a
    DomainError. Pillow decodes it when installed, else the magic bytes are checked."""
    if not data:
        raise DomainError(_l("The signature is empty: ask the owner to sign, or attach the scan."), field=field)
    if len(data) > MAX_SIGNATURE_BYTES:
        raise DomainError(_l("The signature image is larger than 1 MB (%(kb)d KB): use a smaller scan.",
                             kb=len(data) // 1024), field=field)
    bad = DomainError(_l("The signature must be a PNG or JPEG image."), field=field)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is in requirements
        for magic, mime in _MAGIC:
            if data.startswith(magic):
                return mime
        raise bad
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
        with Image.open(io.BytesIO(data)) as img:  # verify() leaves the image unusable: decode again
            if img.width * img.height > MAX_SIGNATURE_PIXELS:  # a small file that inflates enormously
                raise ValueError("too many pixels")
            img.load()
    except Exception:  # noqa: BLE001 - any decoding failure means "not an image"
        raise bad
    mime = {"PNG": "image/png", "JPEG": "image/jpeg"}.get(fmt)
    if mime is None:
        raise bad
    return mime


def decode_data_url(value: str | None) -> bytes | None:
    """The bytes of a canvas ``data:image/png;base64,...`` URL (None when empty)."""
    import base64
    import binascii

    text = (value or "").strip()
    if not text:
        return None
    head, _, body = text.partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise DomainError(_l("The signature must be a PNG or JPEG image."), field="signature")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_l("The signature must be a PNG or JPEG image."), field="signature")
