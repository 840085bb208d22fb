"""REST API of the staff-to-estate assignment (Admin only, like its view)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core.api import StaffRestApi
from app.exceptions import DomainError
from app.security import permissions as P
from app.security.models import StaffEstate
from app.servicedesk.rules import DEPARTMENTS


def clean_department(value):
    """The staff member's department as stored: one of DEPARTMENTS, or None for empty (the
    same choices as the Staff estates form); anything else is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip() in DEPARTMENTS:
        return value.strip()
    raise DomainError(_l("Unknown department: use one of %(codes)s, or leave it empty.",
                         codes=", ".join(DEPARTMENTS)), field="department")


class StaffEstateRestApi(StaffRestApi):
    resource_name = "staff_estate"
    class_permission_name = P.STAFF_ESTATE
    datamodel = SQLAInterface(StaffEstate)
    list_columns = ["id", "user_id", "estate_id", "department"]
    show_columns = list_columns
    add_columns = edit_columns = ["user", "estate", "department"]
    search_columns = ["user", "estate", "department"]
    order_columns = ["id"]

    def pre_add(self, item):
        item.department = clean_department(item.department)
        super().pre_add(item)

    def pre_update(self, item):
        item.department = clean_department(item.department)
        super().pre_update(item)
