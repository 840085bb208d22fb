"""Admin registers: the audit log (read-only) and staff-to-estate assignment."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core.audit import AuditLog
from app.core.history import ACTIONS
from app.core.views import StaffModelView
from app.security import permissions as P
from app.security.models import StaffEstate
from app.servicedesk.rules import DEPARTMENTS


REGISTERS = {
    "estate": _l("Estates"), "zone": _l("Zones"), "building": _l("Buildings"), "entrance": _l("Entrances"),
    "unit": _l("Units"), "owner": _l("Owner archive"), "occupancy": _l("Occupancies"),
    "staff_estate": _l("Staff estates"), "fee_item": _l("Fee items"), "fee_schedule": _l("Fee schedules"),
    "fee_rate": _l("Rates"), "service_content": _l("Service contents"), "service_price": _l("Service price list"),
    "charge": _l("Charges"), "receipt": _l("Receipts"), "void_request": _l("Void requests"),
    "bank_deposit": _l("Bank deposits"), "reconciliation": _l("Reconciliations"), "notice": _l("Notices"),
    "posting": _l("Posting log"),
}


class AuditLogModelView(StaffModelView):
    """Read-only: there is no add, edit or delete route for audit rows."""

    datamodel = SQLAInterface(AuditLog)
    class_permission_name = P.AUDIT_LOG
    base_permissions = ["can_read"]
    list_title = show_title = _l("Change log")
    label_columns = {
        "at": _l("Time (UTC)"), "username": _l("Staff"), "table_name": _l("Register"),
        "record_id": _l("Record"), "action": _l("Action"), "field": _l("Field"),
        "old_value": _l("Old value"), "new_value": _l("New value"), "estate_id": _l("Estate"),
    }
    list_columns = ["at", "username", "table_name", "record_id", "action", "field", "old_value", "new_value"]
    show_columns = list_columns + ["estate_id"]
    search_columns = ["username", "table_name", "record_id", "action", "field", "at"]
    base_order = ("id", "desc")
    show_history = False
    formatters_columns = {
        "table_name": lambda v: REGISTERS.get(v, v),
        "action": lambda v: ACTIONS.get(v, v),
    }


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
