"""Admin registers: the audit log (read-only) and staff-to-estate assignment."""
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.core.audit import AuditLog
from app.core.filters import utc_searched_by_office_clock
from app.core.history import ACTIONS, catalogue, prefetch_related
from app.core.views import StaffModelView
from app.security import permissions as P
from app.security.models import StaffEstate
from app.servicedesk.rules import DEPARTMENTS


class AuditLogModelView(StaffModelView):
    """Read-only: there is no add, edit or delete route for audit rows."""

    datamodel = SQLAInterface(AuditLog)
    class_permission_name = P.AUDIT_LOG
    base_permissions = ["can_read"]
    list_title = show_title = _l("Change log")
    label_columns = {
        "local_at": _l("Time"), "who": _l("Staff"), "register": _l("Register"), "record": _l("Record"),
        "action": _l("Action"), "field_text": _l("Field"), "old_text": _l("Old value"), "new_text": _l("New value"),
        # searching: the stored columns
        "at": _l("Time"), "username": _l("Login name"), "table_name": _l("Register"),
        "record_id": _l("Record"), "field": _l("Field (column)"), "estate_id": _l("Estate"),
    }
    # in words (app.core.history): staff name, register, field label, value words, local time;
    # the record number links to the record's page
    list_columns = ["local_at", "who", "register", "record", "action", "field_text", "old_text", "new_text"]
    show_columns = list_columns + ["username", "table_name", "field", "estate_id"]
    search_columns = ["username", "table_name", "record_id", "action", "field", "at"]
    order_columns = ["action"]
    base_order = ("id", "desc")
    list_eager = (("user",),)
    show_history = False
    choice_fields = {"action": ACTIONS}

    def __init__(self, **kwargs):
        # the register is picked by its name from a list (the registers are known only once
        # every view is registered, hence the choices are read when the search form is drawn)
        self.search_form_extra_fields = {"table_name": SelectField(_l("Register"), choices=_register_choices)}
        super().__init__(**kwargs)
        only = [FilterEqual("table_name", self.datamodel), FilterNotEqual("table_name", self.datamodel)]
        self._filters._search_filters["table_name"] = only
        self._filters._all_filters["table_name"] = only
        utc_searched_by_office_clock(self, "at")
        # the related records of a whole page are named in one statement, not one per row
        query = self.datamodel.query

        def query_named(*args, **kwargs):
            count, rows = query(*args, **kwargs)
            prefetch_related(rows)
            return count, rows

        self.datamodel.query = query_named


def _register_choices() -> list[tuple[str, str]]:
    return sorted(((r.table, str(r.label)) for r in catalogue().values()), key=lambda c: c[1])


class StaffEstateModelView(StaffModelView):
    datamodel = SQLAInterface(StaffEstate)
    class_permission_name = P.STAFF_ESTATE
    list_title = _l("Staff estates")
    show_title = add_title = edit_title = _l("Staff estate")
    label_columns = {"user": _l("Staff"), "estate": _l("Estate"), "department": _l("Department")}
    list_columns = add_columns = edit_columns = show_columns = ["user", "estate", "department"]
    search_columns = ["user", "estate", "department"]
    show_history = False
    # work orders and complaints go to departments (engineers see only their department's)
    choice_fields = {"department": {"": _l("(no department)"), **DEPARTMENTS}}

    def pre_add(self, item):
        item.department = item.department or None
        super().pre_add(item)

    def pre_update(self, item):
        item.department = item.department or None
        super().pre_update(item)
