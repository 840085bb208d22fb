"""The ONLY place views and APIs are registered, in menu order.

MENU_RESOURCES maps each menu entry to the resource a role must be able to read to see it;
security.manager.sync_roles grants menu access from it.
"""
from flask_babel import lazy_gettext as _l

from app.security import permissions as P

# (category, menu item name) -> resource
MENU_RESOURCES: dict[tuple[str | None, str], str] = {}

CAT_OWNERS = "Owners"
CAT_ESTATE = "Estate"
CAT_FEES = "Fees"
CAT_SYSTEM = "System"


def register(appbuilder) -> None:
    from app.core.admin_views import AuditLogModelView, StaffEstateModelView
    from app.estate.api import BuildingRestApi, EntranceRestApi, EstateRestApi, UnitRestApi, ZoneRestApi
    from app.estate.views import (
        BuildingModelView, EntranceModelView, EstateModelView, UnitModelView, ZoneModelView,
    )
    from app.owners.api import OccupancyRestApi, OwnerRestApi
    from app.owners.import_views import DataImportView
    from app.owners.views import OccupancyModelView, OwnerModelView
    from app.cashdesk.views import CashDeskView, ReceiptModelView, VoidRequestModelView
    from app.fees.billing_views import BillingView, SaleView
    from app.fees.views import (
        ChargeModelView, FeeItemModelView, FeeRateModelView, FeeScheduleModelView,
        ServiceContentModelView, ServicePriceModelView,
    )
    from app.search.views import QuickSearchView

    def add(view, name, label, icon, category, category_label, category_icon, resource):
        appbuilder.add_view(
            view, name, label=label, icon=icon, category=category,
            category_label=category_label, category_icon=category_icon,
        )
        MENU_RESOURCES[(category, name)] = resource

    owners = (CAT_OWNERS, _l("Owners"), "fa-address-book")
    add(OwnerModelView, "Owner archive", _l("Owner archive"), "fa-user", *owners, P.OWNER)
    add(OccupancyModelView, "Occupancies", _l("Occupancies"), "fa-home", *owners, P.OCCUPANCY)
    add(DataImportView, "Import and export", _l("Import and export"), "fa-file-excel", *owners, P.DATA_IMPORT)

    estate = (CAT_ESTATE, _l("Estate"), "fa-building")
    add(UnitModelView, "Units", _l("Units"), "fa-door-open", *estate, P.UNIT)
    add(BuildingModelView, "Buildings", _l("Buildings"), "fa-building", *estate, P.BUILDING)
    add(EntranceModelView, "Entrances", _l("Entrances"), "fa-door-closed", *estate, P.ENTRANCE)
    add(ZoneModelView, "Zones", _l("Zones"), "fa-map", *estate, P.ZONE)
    add(EstateModelView, "Estates", _l("Estates"), "fa-city", *estate, P.ESTATE)

    from app.meters.api import MeterReadingRestApi, MeterRestApi
    from app.meters.views import ApportionmentModelView, MeterModelView, MeterReadingModelView

    meters = ("Meters", _l("Meters and apportionment"), "fa-tachometer-alt")
    add(MeterReadingModelView, "Meter readings", _l("Meter readings"), "fa-edit", *meters, P.METER_READING)
    add(MeterModelView, "Meter register", _l("Meters"), "fa-tachometer-alt", *meters, P.METER)
    add(ApportionmentModelView, "Apportionments", _l("Apportionments"), "fa-chart-pie", *meters, P.APPORTIONMENT)

    fees = (CAT_FEES, _l("Fees"), "fa-yen-sign")
    add(ReceiptModelView, "Receipts", _l("Receipts"), "fa-receipt", *fees, P.RECEIPT)
    add(ChargeModelView, "Charges", _l("Charges"), "fa-file-invoice", *fees, P.CHARGE)
    add(VoidRequestModelView, "Void requests", _l("Void requests"), "fa-ban", *fees, P.VOID_REQUEST)
    add(BillingView, "Monthly billing", _l("Monthly billing"), "fa-calendar-check", *fees, P.BILLING)
    add(FeeScheduleModelView, "Fee schedules", _l("Fee schedules"), "fa-list-alt", *fees, P.FEE_SCHEDULE)
    add(FeeItemModelView, "Fee items", _l("Fee items"), "fa-tags", *fees, P.FEE_ITEM)
    add(ServicePriceModelView, "Service price list", _l("Service price list"), "fa-concierge-bell", *fees,
        P.SERVICE_PRICE)
    for view in (FeeRateModelView, ServiceContentModelView, CashDeskView, SaleView):
        appbuilder.add_view_no_menu(view)

    system = (CAT_SYSTEM, _l("System"), "fa-cogs")
    add(AuditLogModelView, "Change log", _l("Change log"), "fa-history", *system, P.AUDIT_LOG)
    add(StaffEstateModelView, "Staff estates", _l("Staff estates"), "fa-id-badge", *system, P.STAFF_ESTATE)

    appbuilder.add_view_no_menu(QuickSearchView)

    for api in (EstateRestApi, ZoneRestApi, BuildingRestApi, EntranceRestApi, UnitRestApi,
                OwnerRestApi, OccupancyRestApi, MeterRestApi, MeterReadingRestApi):
        appbuilder.add_api(api)
