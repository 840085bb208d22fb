"""REST APIs of the estate structure, same resource names as the views."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.core.api import StaffRestApi
from app.estate import services
from app.estate.models import Building, Entrance, Estate, Unit, Zone
from app.security import permissions as P


class EstateRestApi(StaffRestApi):
    resource_name = "estate"
    class_permission_name = P.ESTATE
    datamodel = SQLAInterface(Estate)
    list_columns = ["id", "name", "company_name", "address", "office_phone"]
    add_columns = edit_columns = [
        "name", "company_name", "address", "office_phone", "office_hours",
        "bank_name", "bank_account_name", "bank_account_number", "late_fees_enabled",
        "vacant_payer", "developer_name", "vacant_fee_percent", "notes",
    ]
    service_check = staticmethod(services.check_estate)


class ZoneRestApi(StaffRestApi):
    resource_name = "zone"
    class_permission_name = P.ZONE
    datamodel = SQLAInterface(Zone)
    list_columns = ["id", "estate_id", "name"]
    add_columns = edit_columns = ["estate", "name", "notes"]
    service_check = staticmethod(services.check_zone)


class BuildingRestApi(StaffRestApi):
    resource_name = "building"
    class_permission_name = P.BUILDING
    datamodel = SQLAInterface(Building)
    list_columns = ["id", "estate_id", "zone_id", "number", "floors"]
    add_columns = edit_columns = ["zone", "number", "floors", "notes"]
    service_check = staticmethod(services.check_building)


class EntranceRestApi(StaffRestApi):
    resource_name = "entrance"
    class_permission_name = P.ENTRANCE
    datamodel = SQLAInterface(Entrance)
    list_columns = ["id", "estate_id", "building_id", "number"]
    add_columns = edit_columns = ["building", "number"]
    service_check = staticmethod(services.check_entrance)


class UnitRestApi(StaffRestApi):
    resource_name = "unit"
    class_permission_name = P.UNIT
    datamodel = SQLAInterface(Unit)
    list_columns = [
        "id", "estate_id", "code", "building_id", "entrance_id", "room_number", "floor",
        "property_type", "chargeable_area", "status",
    ]
    show_columns = list_columns + ["notes"]
    add_columns = edit_columns = [
        "entrance", "room_number", "floor", "property_type", "chargeable_area", "status", "notes",
    ]
    service_check = staticmethod(services.check_unit)
