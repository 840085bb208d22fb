"""Fee registers: fee items, the fee schedule (versions, publishing), rates, service contents,
the service price list, and charges."""
from flask import current_app, flash, redirect, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.money import fmt
from app.core.views import StaffModelView
from app.estate.rules import PROPERTY_TYPES
from app.exceptions import DomainError
from app.extensions import db
from app.fees import rules, services
from app.fees.models import Charge, FeeItem, FeeRate, FeeSchedule, ServiceContent, ServicePrice
from app.security import permissions as P

LABELS = {
    "estate": _l("Estate"), "code": _l("Code"), "name": _l("Name"), "kind": _l("Kind"),
    "basis": _l("Charged by"), "unit_label": _l("Unit of charge"), "recurring": _l("Billed monthly"),
    "late_fee_daily_rate": _l("Late fee per day"), "late_fee_grace_days": _l("Grace days"),
    "due_days": _l("Days until due"), "active": _l("In use"), "sort_order": _l("Order"),
    "version": _l("Version"), "title": _l("Title"), "pricing_basis": _l("Pricing basis"),
    "service_grade": _l("Service grade"), "effective_from": _l("Effective from"), "status": _l("Status"),
    "published_at": _l("Published at"), "published_by": _l("Published by"), "notes": _l("Notes"),
    "schedule": _l("Fee schedule"), "fee_item": _l("Fee item"), "property_type": _l("Property type"),
    "rate": _l("Rate (yuan)"), "area": _l("Service area"), "content": _l("Service content"),
    "price": _l("Price (yuan)"), "unit": _l("Unit"), "period": _l("Period"), "due_date": _l("Due date"),
    "quantity": _l("Quantity"), "amount": _l("Amount (yuan)"), "paid": _l("Paid (yuan)"),
    "outstanding": _l("Outstanding (yuan)"), "source": _l("Source"), "billed_to": _l("Billed to"), "description": _l("Description"),
    "created_at": _l("Created at"), "voided_at": _l("Voided at"), "void_reason": _l("Void reason"),
    "period_start": _l("Period from"), "period_end": _l("Period to"), "billing_run": _l("Billing run"),
    "billing_key": _l("Billing key"), "payer_occupancy_id": _l("Payer (occupancy record)"),
}
TYPES_AND_ALL = {"all": _l("All property types"), **PROPERTY_TYPES}


class FeeItemModelView(StaffModelView):
    datamodel = SQLAInterface(FeeItem)
    class_permission_name = P.FEE_ITEM
    list_title = _l("Fee items")
    show_title = add_title = edit_title = _l("Fee item")
    label_columns = LABELS
    list_columns = ["name", "kind", "basis", "unit_label", "recurring", "late_fee_daily_rate", "active"]
    add_columns = edit_columns = [
        "estate", "code", "name", "kind", "basis", "unit_label", "late_fee_daily_rate",
        "late_fee_grace_days", "due_days", "active", "sort_order",
    ]
    show_columns = [*add_columns[:6], "recurring", *add_columns[6:]]
    search_columns = ["name", "kind", "active"]
    base_order = ("sort_order", "asc")
    choice_fields = {"kind": rules.FEE_KINDS, "basis": rules.BASES}
    description_columns = {
        "late_fee_daily_rate": _l("e.g. 0.0003 for 0.03% a day; leave empty for no late fee"),
        "basis": _l("Monthly items (per m² or per household) are billed by the monthly billing"),
    }
    service_check = staticmethod(services.check_fee_item)


class FeeRateModelView(StaffModelView):
    datamodel = SQLAInterface(FeeRate)
    class_permission_name = P.FEE_SCHEDULE
    list_title = _l("Rates")
    show_title = add_title = edit_title = _l("Rate")
    label_columns = LABELS
    list_columns = ["fee_item", "property_type", "rate", "notes"]
    add_columns = edit_columns = ["schedule", "fee_item", "property_type", "rate", "notes"]
    show_columns = add_columns
    search_columns = ["fee_item", "property_type"]
    choice_fields = {"property_type": TYPES_AND_ALL}
    service_check = staticmethod(services.check_rate)
    show_history = False

    def locked_reason(self, item):
        return services.schedule_locked_reason(item.schedule)


class ServiceContentModelView(StaffModelView):
    datamodel = SQLAInterface(ServiceContent)
    class_permission_name = P.FEE_SCHEDULE
    list_title = _l("Service contents")
    show_title = add_title = edit_title = _l("Service content")
    label_columns = LABELS
    list_columns = ["area", "content"]
    add_columns = edit_columns = ["schedule", "area", "content", "sort_order"]
    show_columns = add_columns
    search_columns = ["area"]
    base_order = ("sort_order", "asc")
    choice_fields = {"area": rules.SERVICE_AREAS}
    service_check = staticmethod(services.check_content)
    show_history = False

    def locked_reason(self, item):
        return services.schedule_locked_reason(item.schedule)


class FeeScheduleModelView(StaffModelView):
    datamodel = SQLAInterface(FeeSchedule)
    class_permission_name = P.FEE_SCHEDULE
    method_permission_name = {**StaffModelView.method_permission_name, "publish": "publish", "new_version": "write"}
    list_title = _l("Fee schedules")
    show_title = add_title = edit_title = _l("Fee schedule")
    label_columns = LABELS
    list_columns = ["version", "title", "effective_from", "status", "published_at"]
    add_columns = edit_columns = ["estate", "title", "pricing_basis", "service_grade", "effective_from", "notes"]
    show_columns = ["estate", "version", "title", "pricing_basis", "service_grade", "effective_from",
                    "status", "published_at", "published_by", "notes"]
    search_columns = ["status", "effective_from"]
    base_order = ("version", "desc")
    choice_fields = {"status": rules.SCHEDULE_STATUSES}
    related_views = [FeeRateModelView, ServiceContentModelView]
    description_columns = {
        "pricing_basis": _l("The pricing rule the fees follow, e.g. 宁价服〔2005〕60号"),
        "effective_from": _l("The schedule applies to periods starting on or after this date"),
    }
    service_check = staticmethod(services.check_schedule)

    def locked_reason(self, item):
        return services.schedule_locked_reason(item)  # a published schedule: make a new version

    def record_buttons(self, item):
        sm = current_app.appbuilder.sm
        buttons = []
        if item.status == "draft" and sm.has_access(P.PUBLISH, P.FEE_SCHEDULE):
            buttons.append(dict(label=gettext("Publish"), url=url_for(".publish", pk=item.id), method="post",
                                style="success", icon="fa-bullhorn",
                                confirm=gettext("Publish this fee schedule? It cannot be changed afterwards.")))
        if sm.has_access(P.WRITE, P.FEE_SCHEDULE):
            buttons.append(dict(label=gettext("New version from this one"), url=url_for(".new_version", pk=item.id),
                                method="post", style="default", icon="fa-copy"))
        return buttons

    @expose("/publish/<int:pk>", methods=["POST"])
    @has_access
    def publish(self, pk):
        self._scoped_or_404(pk)
        try:
            services.publish_schedule(pk, current_app.appbuilder.sm.current_user, clock.now())
            flash(gettext("The fee schedule is published."), "success")
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for(".show", pk=pk))

    @expose("/new_version/<int:pk>", methods=["POST"])
    @has_access
    def new_version(self, pk):
        self._scoped_or_404(pk)
        copy = services.new_version(pk, current_app.appbuilder.sm.current_user)
        flash(gettext("Draft version %(v)s created: change the rates, then publish it.", v=copy.version), "success")
        return redirect(url_for(".show", pk=copy.id))


class ServicePriceModelView(StaffModelView):
    datamodel = SQLAInterface(ServicePrice)
    class_permission_name = P.SERVICE_PRICE
    list_title = _l("Service price list")
    show_title = add_title = edit_title = _l("Service price")
    label_columns = LABELS
    list_columns = ["kind", "name", "unit_label", "price", "notes", "active"]
    add_columns = edit_columns = ["estate", "kind", "name", "unit_label", "price", "notes", "active", "sort_order"]
    show_columns = add_columns
    search_columns = ["kind", "name", "active"]
    base_order = ("sort_order", "asc")
    choice_fields = {"kind": rules.PRICE_KINDS}
    formatters_columns = {"price": fmt}
    service_check = staticmethod(services.check_price)


class ChargeModelView(StaffModelView):
    """Charges are created by billing, meters, apportionment and sales; never edited or
    deleted here. A wrong one is voided with a reason."""

    datamodel = SQLAInterface(Charge)
    class_permission_name = P.CHARGE
    base_permissions = ["can_read"]
    list_title = _l("Charges")
    show_title = _l("Charge")
    label_columns = LABELS
    list_columns = ["unit", "fee_item", "period", "due_date", "amount", "paid", "source"]
    show_columns = ["unit", "fee_item", "period", "due_date", "quantity", "rate", "amount", "paid",
                    "outstanding", "source", "billed_to", "description", "created_at", "voided_at", "void_reason"]
    search_columns = ["period", "fee_item", "source", "billed_to", "due_date"]
    base_order = ("period_start", "desc")
    choice_fields = {"source": rules.CHARGE_SOURCES, "billed_to": rules.BILLED_TO}
    # the billing run's idempotency key: kept in the log, not shown
    history_exclude = ("billing_key",)
    formatters_columns = {"amount": fmt, "paid": fmt, "outstanding": fmt}
