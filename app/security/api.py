"""REST API of the staff-to-estate assignment (Admin only, like its view)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.core.api import StaffRestApi
from app.security import permissions as P
from app.security.models import StaffEstate


class StaffEstateRestApi(StaffRestApi):
    resource_name = "staff_estate"
    class_permission_name = P.STAFF_ESTATE
    datamodel = SQLAInterface(StaffEstate)
    list_columns = ["id", "user_id", "estate_id"]
    show_columns = list_columns
    add_columns = edit_columns = ["user", "estate"]
    search_columns = ["user", "estate"]
    order_columns = ["id"]
