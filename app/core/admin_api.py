"""REST API of the change log: read-only, like its view (no route changes an audit row)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.core.api import READ_ONLY, StaffRestApi
from app.core.audit import AuditLog
from app.security import permissions as P


class AuditLogRestApi(StaffRestApi):
    resource_name = "audit_log"
    class_permission_name = P.AUDIT_LOG
    datamodel = SQLAInterface(AuditLog)
    include_route_methods = READ_ONLY
    base_order = ("id", "desc")
    list_columns = ["id", "at", "user_id", "username", "estate_id", "table_name", "record_id", "action", "field",
                    "old_value", "new_value"]
    show_columns = list_columns
    search_columns = ["username", "table_name", "record_id", "action", "field", "at"]
    order_columns = ["id", "at", "username", "table_name"]
