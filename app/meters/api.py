"""REST APIs of meters and readings, same resource names as the views. A reading posted here
goes through the same service check as the form: below the previous reading is a 422."""
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.core import clock
from app.core.api import StaffRestApi
from app.core.views import current_estate_ids
from app.meters import services
from app.meters.models import Meter, MeterReading
from app.security import permissions as P

# relation choices (/_info) only from the user's estates
SCOPED = [["estate_id", FilterInFunction, current_estate_ids]]


class MeterRestApi(StaffRestApi):
    resource_name = "meter"
    class_permission_name = P.METER
    datamodel = SQLAInterface(Meter)
    list_columns = ["id", "estate_id", "code", "kind", "scope", "unit_id", "fee_item_id", "description", "active"]
    show_columns = list_columns + ["units.id", "units.code"]
    add_columns = ["estate", "code", "kind", "scope", "fee_item", "unit", "units", "description", "active"]
    edit_columns = add_columns[1:]  # a meter does not move to another estate
    add_query_rel_fields = {"estate": [["id", FilterInFunction, current_estate_ids]],
                            "fee_item": SCOPED, "unit": SCOPED, "units": SCOPED}
    edit_query_rel_fields = {"fee_item": SCOPED, "unit": SCOPED, "units": SCOPED}
    order_columns = ["code", "kind", "scope"]
    search_columns = ["code", "kind", "scope", "unit", "active"]
    service_check = staticmethod(services.check_meter)


class MeterReadingRestApi(StaffRestApi):
    resource_name = "meter_reading"
    class_permission_name = P.METER_READING
    datamodel = SQLAInterface(MeterReading)
    list_columns = ["id", "estate_id", "meter_id", "period", "read_on", "previous_value", "value", "consumption",
                    "meter_changed", "charge_id", "notes"]
    show_columns = list_columns
    add_columns = ["meter", "period", "value", "read_on", "meter_changed", "notes"]
    edit_columns = ["value", "read_on", "meter_changed", "notes"]
    add_query_rel_fields = {"meter": SCOPED}
    order_columns = ["period", "read_on"]
    search_columns = ["meter", "period", "read_on"]

    @staticmethod
    def service_check(item):
        services.check_reading(item, clock.now())

    def pre_delete(self, item):
        services.check_reading_delete(item)
