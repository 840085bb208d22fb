"""REST APIs of the fee registers, same resource names and permissions as the views.

Charges are money records: read-only here, created by billing, meters, apportionment and
sales (POST /api/v1/charge/sale calls the sale service); never deleted. A published fee
schedule is frozen: publishing goes through the service and needs can_publish.
"""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from marshmallow import Schema

from app.core import clock
from app.core.api import READ_ONLY, StaffRestApi, action_endpoint
from app.core.api_support import ExactDecimal, related_row
from app.core.inputs import IdField, TextField
from app.core.views import current_estate_ids
from app.estate.models import Unit
from app.exceptions import DomainError
from app.fees import services
from app.fees.models import Charge, FeeItem, FeeRate, FeeSchedule, ServiceContent, ServicePrice
from app.security import permissions as P


class FeeItemRestApi(StaffRestApi):
    resource_name = "fee_item"
    class_permission_name = P.FEE_ITEM
    datamodel = SQLAInterface(FeeItem)
    list_columns = ["id", "estate_id", "code", "name", "kind", "basis", "unit_label", "recurring",
                    "late_fee_daily_rate", "late_fee_grace_days", "due_days", "active", "sort_order"]
    show_columns = list_columns
    add_columns = ["estate", "code", "name", "kind", "basis", "unit_label", "late_fee_daily_rate",
                   "late_fee_grace_days", "due_days", "active", "sort_order"]
    edit_columns = add_columns[1:]
    search_columns = ["code", "name", "kind", "active"]
    order_columns = ["code", "name", "sort_order"]
    service_check = staticmethod(services.check_fee_item)


def _draft_only(item) -> None:
    if item.schedule is not None and item.schedule.status != "draft":
        raise DomainError(gettext("A published fee schedule cannot be changed. Make a new version and publish it."),
                          field="schedule")


class FeeScheduleRestApi(StaffRestApi):
    resource_name = "fee_schedule"
    class_permission_name = P.FEE_SCHEDULE
    method_permission_name = {**StaffRestApi.method_permission_name, "publish": "publish", "new_version": "write"}
    datamodel = SQLAInterface(FeeSchedule)
    list_columns = ["id", "estate_id", "version", "title", "pricing_basis", "service_grade", "effective_from",
                    "status", "published_at", "published_by_id", "notes"]
    show_columns = list_columns
    add_columns = ["estate", "title", "pricing_basis", "service_grade", "effective_from", "notes"]
    edit_columns = add_columns[1:]
    search_columns = ["status", "effective_from", "title"]
    order_columns = ["version", "effective_from", "status"]
    service_check = staticmethod(services.check_schedule)

    def pre_delete(self, item):
        if item.status != "draft":
            raise DomainError(gettext("A published fee schedule cannot be changed. Make a new version and publish it."),
                              field="status")

    @action_endpoint("/<pk>/publish", "Publish a draft fee schedule (freezes it).", returns="Published")
    def publish(self, pk):
        return self.run_on(pk, lambda item, _: services.publish_schedule(item.id, self.actor(), clock.now()))

    @action_endpoint("/<pk>/new_version",
                     "A draft copy of a fee schedule, with its rates and service contents.", ok=201,
                     returns="The new draft")
    def new_version(self, pk):
        return self.run_on(pk, lambda item, _: services.new_version(item.id, self.actor()), status=201)


class FeeRateRestApi(StaffRestApi):
    resource_name = "fee_rate"
    class_permission_name = P.FEE_SCHEDULE
    datamodel = SQLAInterface(FeeRate)
    list_columns = ["id", "estate_id", "schedule_id", "fee_item_id", "property_type", "rate", "notes"]
    show_columns = list_columns
    add_columns = ["schedule", "fee_item", "property_type", "rate", "notes"]
    edit_columns = ["fee_item", "property_type", "rate", "notes"]
    search_columns = ["schedule", "fee_item", "property_type"]
    order_columns = ["property_type", "rate"]
    service_check = staticmethod(services.check_rate)
    pre_delete = staticmethod(_draft_only)


class ServiceContentRestApi(StaffRestApi):
    resource_name = "service_content"
    class_permission_name = P.FEE_SCHEDULE
    datamodel = SQLAInterface(ServiceContent)
    list_columns = ["id", "estate_id", "schedule_id", "area", "content", "sort_order"]
    show_columns = list_columns
    add_columns = ["schedule", "area", "content", "sort_order"]
    edit_columns = ["area", "content", "sort_order"]
    search_columns = ["schedule", "area"]
    order_columns = ["area", "sort_order"]
    service_check = staticmethod(services.check_content)
    pre_delete = staticmethod(_draft_only)


class ServicePriceRestApi(StaffRestApi):
    resource_name = "service_price"
    class_permission_name = P.SERVICE_PRICE
    datamodel = SQLAInterface(ServicePrice)
    list_columns = ["id", "estate_id", "kind", "name", "unit_label", "price", "notes", "active", "sort_order"]
    show_columns = list_columns
    add_columns = ["estate", "kind", "name", "unit_label", "price", "notes", "active", "sort_order"]
    edit_columns = add_columns[1:]
    search_columns = ["kind", "name", "active"]
    order_columns = ["kind", "name", "price", "sort_order"]
    service_check = staticmethod(services.check_price)


class SaleSchema(Schema):
    unit = IdField(required=True, metadata={"description": "id of the unit"})
    price = IdField(required=True, metadata={"description": "id of the service price list entry"})
    quantity = ExactDecimal(2, required=True)
    # printed in brackets after the service on the charge (services.sell_service)
    note = TextField(100, allow_none=True, load_default=None)


class ChargeRestApi(StaffRestApi):
    """Read-only; a sale of a service (POST /sale) is the one way to add a charge here."""

    resource_name = "charge"
    class_permission_name = P.CHARGE
    method_permission_name = {**StaffRestApi.method_permission_name, "sale": "write"}
    datamodel = SQLAInterface(Charge)
    include_route_methods = READ_ONLY | {"sale"}
    openapi_spec_component_schemas = (SaleSchema,)
    list_columns = ["id", "estate_id", "unit_id", "fee_item_id", "period", "period_start", "period_end", "due_date",
                    "quantity", "rate", "amount", "paid", "source", "billed_to", "description", "created_at", "voided_at",
                    "void_reason"]
    show_columns = list_columns
    search_columns = ["unit", "fee_item", "period", "source", "due_date"]
    order_columns = ["period", "due_date", "amount", "created_at"]

    @action_endpoint("/sale",
                     "Sell a service from the price list to a unit: a charge of price × quantity.", "SaleSchema",
                     ok=201, returns="The new charge")
    def sale(self):
        def sell(data):
            unit = related_row(Unit, data["unit"], "unit", current_estate_ids())
            return services.sell_service(unit.id, data["price"], data["quantity"], self.actor(), clock.now(),
                                         data.get("note"))

        return self.run_service(sell, SaleSchema, status=201)
