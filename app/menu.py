"""The ONLY place views and APIs are registered, in menu order.

MENU_RESOURCES maps each menu entry to the resource a role must be able to read to see it;
security.manager.sync_roles grants menu access from it.
"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from app.security import permissions as P

# (category, menu item name) -> resource
MENU_RESOURCES: dict[tuple[str | None, str], str] = {}

CAT_OWNERS = "Owners"
CAT_ESTATE = "Estate"
CAT_FEES = "Fees"
CAT_PUBLISHING = "Publishing"
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

    # short English menu names (the long ones would break the top bar onto two rows)
    meters = ("Meters", _lp("menu", "Meters"), "fa-tachometer-alt")
    add(MeterReadingModelView, "Meter readings", _l("Meter readings"), "fa-edit", *meters, P.METER_READING)
    add(MeterModelView, "Meter register", _l("Meters"), "fa-tachometer-alt", *meters, P.METER)
    add(ApportionmentModelView, "Apportionments", _l("Apportionments"), "fa-chart-pie", *meters, P.APPORTIONMENT)

    fees = (CAT_FEES, _l("Fees"), "fa-yen-sign")
    add(ReceiptModelView, "Receipts", _l("Receipts"), "fa-receipt", *fees, P.RECEIPT)
    add(ChargeModelView, "Charges", _l("Charges"), "fa-file-invoice", *fees, P.CHARGE)
    add(VoidRequestModelView, "Void requests", _l("Void requests"), "fa-ban", *fees, P.VOID_REQUEST)
    from app.latefees.views import LateFeeView, LateFeeWaiverModelView

    add(LateFeeWaiverModelView, "Late-fee waivers", _l("Late-fee waivers"), "fa-hand-holding-usd", *fees,
        P.LATE_FEE_WAIVER)
    appbuilder.add_view_no_menu(LateFeeView)
    from app.cashdesk.deposit_views import (
        BankDepositModelView, DepositDeskView, ReconciliationDeskView, ReconciliationModelView,
    )

    add(DepositDeskView, "Daily cash close", _l("Daily cash close"), "fa-cash-register", *fees, P.BANK_DEPOSIT)
    add(BankDepositModelView, "Bank deposits", _l("Bank deposits"), "fa-university", *fees, P.BANK_DEPOSIT)
    add(ReconciliationModelView, "Reconciliations", _l("Reconciliations"), "fa-balance-scale", *fees,
        P.RECONCILIATION)
    appbuilder.add_view_no_menu(ReconciliationDeskView)
    add(BillingView, "Monthly billing", _l("Monthly billing"), "fa-calendar-check", *fees, P.BILLING)
    add(FeeScheduleModelView, "Fee schedules", _l("Fee schedules"), "fa-list-alt", *fees, P.FEE_SCHEDULE)
    add(FeeItemModelView, "Fee items", _l("Fee items"), "fa-tags", *fees, P.FEE_ITEM)
    add(ServicePriceModelView, "Service price list", _l("Service price list"), "fa-concierge-bell", *fees,
        P.SERVICE_PRICE)
    for view in (FeeRateModelView, ServiceContentModelView, CashDeskView, SaleView):
        appbuilder.add_view_no_menu(view)

    from app.collection.views import (
        ArrearsView, CaseFileView, CollectionActionModelView, PaymentReminderModelView,
    )

    collection = ("Collection", _lp("menu", "Arrears"), "fa-hand-holding-usd")
    add(ArrearsView, "Arrears", _l("Arrears"), "fa-exclamation-circle", *collection, P.ARREARS)
    add(CollectionActionModelView, "Collection actions", _l("Collection actions"), "fa-phone", *collection,
        P.COLLECTION_ACTION)
    add(PaymentReminderModelView, "Payment reminders", _l("Payment reminders"), "fa-envelope", *collection,
        P.PAYMENT_REMINDER)
    appbuilder.add_view_no_menu(CaseFileView)

    from app.servicedesk.complaint_views import ComplaintModelView
    from app.servicedesk.desk_views import CallbackModelView, ServiceDeskView, ServiceSettingsModelView
    from app.servicedesk.views import WorkOrderModelView

    desk = ("ServiceDesk", _l("Service desk"), "fa-headset")
    add(WorkOrderModelView, "Work orders", _l("Work orders"), "fa-wrench", *desk, P.WORK_ORDER)
    add(ComplaintModelView, "Complaints", _l("Complaints"), "fa-comment-dots", *desk, P.COMPLAINT)
    add(CallbackModelView, "Callbacks", _l("Callbacks"), "fa-phone-alt", *desk, P.CALLBACK)
    add(ServiceDeskView, "Service desk overview", _l("Service desk overview"), "fa-clock", *desk, P.WORK_ORDER)
    add(ServiceSettingsModelView, "SLA settings", _l("Time limits"), "fa-stopwatch", *desk, P.SERVICE_SETTINGS)

    from app.search.views import TimelineView
    from app.visits.views import VisitDeskView, VisitModelView, VisitQuotaModelView

    visits = ("ServiceDesk", _l("Service desk"), "fa-headset")
    add(VisitModelView, "Owner visits", _l("Owner visits"), "fa-walking", *visits, P.VISIT)
    add(VisitDeskView, "Visit quota panel", _l("Visit quota panel"), "fa-tasks", *visits, P.VISIT)
    appbuilder.add_link("Monthly visit summary", label=_l("Monthly visit summary"), href="/visits/summary",
                        icon="fa-file-alt", category="ServiceDesk")
    MENU_RESOURCES[("ServiceDesk", "Monthly visit summary")] = P.VISIT
    add(VisitQuotaModelView, "Visit quotas", _l("Visit quotas"), "fa-sliders-h", *visits, P.VISIT_QUOTA)
    appbuilder.add_view_no_menu(TimelineView)

    from app.publishing.public_views import PublicView
    from app.publishing.views import DisclosureView, NoticeModelView, PostingModelView, UploadView

    publishing = (CAT_PUBLISHING, _l("Publishing"), "fa-bullhorn")
    add(NoticeModelView, "Notices", _l("Notices"), "fa-newspaper", *publishing, P.NOTICE)
    add(PostingModelView, "Posting log", _l("Posting log"), "fa-thumbtack", *publishing, P.POSTING)
    add(DisclosureView, "Income and expense disclosure", _l("Income and expense disclosure"), "fa-balance-scale-left",
        *publishing, P.NOTICE)
    appbuilder.add_view_no_menu(UploadView)
    appbuilder.add_view_no_menu(PublicView)
    appbuilder.add_link("Public pages", label=_l("Public pages"), href="/public/fees", icon="fa-globe",
                        category=CAT_PUBLISHING)
    MENU_RESOURCES[(CAT_PUBLISHING, "Public pages")] = P.PUBLIC_PAGES

    system = (CAT_SYSTEM, _l("System"), "fa-cogs")
    add(AuditLogModelView, "Change log", _l("Change log"), "fa-history", *system, P.AUDIT_LOG)
    add(StaffEstateModelView, "Staff estates", _l("Staff estates"), "fa-id-badge", *system, P.STAFF_ESTATE)
    from app.security.event_views import SecurityEventModelView

    add(SecurityEventModelView, "Security log", _l("Security log"), "fa-user-shield", *system, P.SECURITY_EVENT)

    appbuilder.add_view_no_menu(QuickSearchView)

    from app.cashdesk.api import BankDepositRestApi, ReceiptRestApi, ReconciliationRestApi, VoidRequestRestApi
    from app.collection.api import CollectionActionRestApi, PaymentReminderRestApi
    from app.core.admin_api import AuditLogRestApi
    from app.fees.api import (
        ChargeRestApi, FeeItemRestApi, FeeRateRestApi, FeeScheduleRestApi, ServiceContentRestApi, ServicePriceRestApi,
    )
    from app.meters.api import ApportionmentRestApi
    from app.publishing.api import NoticeRestApi, PostingRestApi
    from app.security.api import StaffEstateRestApi

    for api in (EstateRestApi, ZoneRestApi, BuildingRestApi, EntranceRestApi, UnitRestApi,
                OwnerRestApi, OccupancyRestApi, MeterRestApi, MeterReadingRestApi,
                FeeItemRestApi, FeeScheduleRestApi, FeeRateRestApi, ServiceContentRestApi, ServicePriceRestApi,
                ChargeRestApi, ReceiptRestApi, VoidRequestRestApi, BankDepositRestApi, ReconciliationRestApi,
                ApportionmentRestApi, NoticeRestApi, PostingRestApi, CollectionActionRestApi,
                PaymentReminderRestApi, AuditLogRestApi, StaffEstateRestApi):
        appbuilder.add_api(api)
    from app.visits.api import VisitRestApi

    appbuilder.add_api(VisitRestApi)
    from app.latefees.api import LateFeeWaiverRestApi

    appbuilder.add_api(LateFeeWaiverRestApi)
    from app.servicedesk.api import CallbackRestApi, ComplaintRestApi, WorkOrderRestApi

    for api in (WorkOrderRestApi, ComplaintRestApi, CallbackRestApi):
        appbuilder.add_api(api)
