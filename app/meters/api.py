"""REST APIs of meters and readings, same resource names as the views. A reading posted here
goes through the same service check as the form: below the previous reading is a 422."""
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext

from app.core import clock
from app.core.api import StaffRestApi, action_endpoint
from app.core.views import current_estate_ids
from app.exceptions import DomainError
from app.meters import services
from app.meters.models import Apportionment, Meter, MeterReading
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


class ApportionmentRestApi(StaffRestApi):
    """Drafts are saved through the same check as the form (shares recomputed); POST
    /<pk>/post posts the shares as charges (Apportionment can_approve). A posted one is
    never changed or deleted."""

    resource_name = "apportionment"
    class_permission_name = P.APPORTIONMENT
    method_permission_name = {**StaffRestApi.method_permission_name, "post_shares": "approve"}
    datamodel = SQLAInterface(Apportionment)
    list_columns = ["id", "estate_id", "meter_id", "period", "method", "total", "status", "posted_at",
                    "posted_by_id", "notes"]
    show_columns = list_columns + ["shares.unit_id", "shares.basis", "shares.amount", "shares.charge_id"]
    add_columns = ["meter", "period", "total", "method", "notes"]
    edit_columns = ["total", "method", "notes"]
    add_query_rel_fields = {"meter": SCOPED + [["scope", FilterEqual, "public"]]}
    order_columns = ["period", "total", "status", "posted_at"]
    search_columns = ["meter", "period", "status", "method"]
    service_check = staticmethod(services.check_apportionment)

    def pre_delete(self, item):
        if item.status != "draft":
            raise DomainError(gettext("A posted apportionment cannot be deleted."), field="status")

    @action_endpoint("/<pk>/post", "Post the shares of a draft apportionment as charges (once).", returns="Posted")
    def post_shares(self, pk):
        return self.run_on(pk, lambda item, _: services.post_apportionment(item.id, self.actor(), clock.now()))
