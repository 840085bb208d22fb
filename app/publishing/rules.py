"""Publishing rules: kinds and states of notices, what may change when. No I/O."""
import re

from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError

NOTICE_KINDS = {
    "announcement": _l("Announcement"),
    "outage": _l("Outage notice"),
    "fee": _l("Fee notice"),
    "disclosure": _l("Income and expense disclosure"),
}
NOTICE_STATUSES = {"draft": _l("Draft"), "published": _l("Published"), "withdrawn": _l("Withdrawn")}
SUBJECTS = {"notice": _l("Notice"), "fee_schedule": _l("Fee schedule"), "price_list": _l("Service price list")}
DIRECTIONS = {"income": _l("Income"), "expense": _l("Expense")}

# state -> states it may move to
TRANSITIONS = {"draft": {"published"}, "published": {"withdrawn"}, "withdrawn": set()}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, set()):
        raise DomainError(
            _l("A notice that is %(current)s cannot become %(target)s.",
               current=NOTICE_STATUSES.get(current, current), target=NOTICE_STATUSES.get(target, target))
        )


def check_editable(status: str) -> None:
    if status != "draft":
        raise DomainError(
            _l("A published or withdrawn notice cannot be changed: withdraw it and publish a new one."),
            field="title",
        )


def notice_paragraphs(body: str | None) -> tuple[str, list[str]]:
    """A notice's text as its poster and its public page both show it: (salutation, paragraphs).
    Blank lines (with or without spaces) part the paragraphs and a single line break stays one
    inside its paragraph; browsers send CRLF and old systems CR, all read as line breaks. A short
    first paragraph ending in a colon (各位业主、住户：) is the salutation, printed flush left."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t\u3000]*\n", text) if p.strip()]
    first = paragraphs[0] if paragraphs else ""
    if len(first) <= 40 and "\n" not in first and first.endswith(("：", ":")):
        return paragraphs[0], paragraphs[1:]
    return "", paragraphs
