"""System -> Security log: the SecurityEvent rows, read-only, newest first.

Admin only (no row in ROLE_MATRIX): the log holds every staff member's login times and
addresses and the user names people mistyped (often a password typed into the wrong box); the
Manager reads the business change log, not this one.
"""
import json

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core.filters import utc_searched_by_office_clock
from app.core.history import local_time
from app.core.views import StaffModelView
from app.security import permissions as P
from app.security.event_models import SecurityEvent
from app.security.event_text import sentences
from app.security.events import KINDS


def _detail(value) -> str:
    if not value:
        return ""
    try:
        data = json.loads(value)
    except ValueError:
        return value
    if not isinstance(data, dict):
        return value
    # translated sentences (app.security.event_text), each escaped: Markup.join escapes plain str
    return Markup("<br>").join(str(line) for line in sentences(data))


class SecurityEventModelView(StaffModelView):
    """Read-only: no add, edit or delete route (and the ORM and the database refuse too)."""

    datamodel = SQLAInterface(SecurityEvent)
    class_permission_name = P.SECURITY_EVENT
    base_permissions = ["can_read"]
    list_title = show_title = _l("Security log")
    label_columns = {
        "at": _l("Time"), "kind": _l("Event"), "username": _l("User name"), "user_id": _l("User id"),
        "ip": _l("Address"), "detail": _l("Details"),
    }
    list_columns = ["at", "kind", "username", "ip", "detail"]
    show_columns = ["at", "kind", "username", "user_id", "ip", "detail"]
    search_columns = ["kind", "username", "ip", "at"]
    base_order = ("id", "desc")
    show_history = False
    # stored in UTC, read and searched on the office clock, to the second
    formatters_columns = {"kind": lambda v: KINDS.get(v, v), "detail": _detail,
                          "at": lambda v: local_time(v).strftime("%Y-%m-%d %H:%M:%S")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        utc_searched_by_office_clock(self, "at")
