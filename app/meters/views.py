"""Meters (水电表), meter readings (抄表) and apportionments (公摊).

Every save goes through the register's service check (app.meters.services): a reading's
previous value, consumption and charge are computed there, in the same transaction as the
reading. An apportionment is drafted with the add form; its page shows the share table and,
to a supervisor, the button that posts the shares as charges.
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, DatePickerWidget, Select2Widget
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import DateField, StringField, ValidationError

from app.core import clock
from app.core.views import StaffModelView, current_estate_ids
from app.exceptions import DomainError
from app.extensions import db
from app.fees.rules import period_of
from app.meters import rules, services
from app.meters.models import Apportionment, Meter, MeterReading
from app.security import permissions as P

TEMPLATES = str(Path(__file__).resolve().parent / "templates")

LABELS = {
    "estate": _l("Estate"),
    "code": _l("Meter number"),
    "kind": _l("Kind"),
    "scope": _l("Type"),
    "unit": _l("Unit"),
    "units": _l("Units served"),
    "serve_building": _l("Add all units of building"),
    "fee_item": _l("Fee item"),
    "description": _l("Description"),
    "active": _l("In use"),
    "meter": _l("Meter"),
    "period": _l("Period"),
    "read_on": _l("Date read"),
    "value": _l("Reading"),
    "previous_value": _l("Previous reading"),
    "consumption": _l("Consumption"),
    "meter_changed": _l("Meter changed"),
    "read_by_id": _l("Read by"),
    "charge": _l("Charge"),
    "amount": _l("Amount"),
    "notes": _l("Notes"),
    "total": _l("Amount to apportion"),
    "method": _l("Method"),
    "status": _l("Status"),
    "posted_at": _l("Posted at"),
    "posted_by": _l("Posted by"),
    "demo_seed": _l("Demo data"),
}
PERIOD_HELP = _l("Year-month, e.g. 2026-11")


def _estate_rule(extra=()):
    return [["estate_id", FilterInFunction, current_estate_ids], *extra]


def _money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


def _number(value) -> str:
    return "" if value is None else f"{value:.2f}"


class MeterReadingModelView(StaffModelView):
    datamodel = SQLAInterface(MeterReading)
    class_permission_name = P.METER_READING
    list_title = _l("Meter readings")
    show_title = add_title = _l("Meter reading")
    edit_title = _l("Correct a meter reading")
    label_columns = LABELS
    list_columns = ["meter", "period", "previous_value", "value", "consumption", "meter_changed", "amount", "read_on"]
    add_columns = ["meter", "period", "value", "read_on", "meter_changed", "notes"]
    edit_columns = ["value", "read_on", "meter_changed", "notes"]
    show_columns = ["meter", "period", "read_on", "previous_value", "value", "consumption", "meter_changed",
                    "charge", "amount", "notes"]
    search_columns = ["meter", "period", "read_on", "meter_changed"]
    order_columns = ["period", "read_on", "value", "consumption"]
    base_order = ("period", "desc")
    add_form_query_rel_fields = {"meter": _estate_rule([["active", FilterEqual, True]])}
    description_columns = {
        "period": PERIOD_HELP,
        "value": _l("As shown on the meter, at most 2 decimals"),
        "meter_changed": _l("Tick when the meter was replaced: the new meter counts from zero"),
    }
    formatters_columns = {
        "previous_value": _number, "value": _number, "consumption": _number, "amount": _money,
    }
    add_form_extra_fields = {
        "period": StringField(LABELS["period"], description=PERIOD_HELP, widget=BS3TextFieldWidget(),
                              default=lambda: period_of(clock.today())),
        "read_on": DateField(LABELS["read_on"], widget=DatePickerWidget(), default=lambda: clock.today()),
    }

    @staticmethod
    def service_check(item):
        services.check_reading(item, clock.now())

    def pre_delete(self, item):
        services.check_reading_delete(item)

    def locked_reason(self, item):
        return services.reading_locked_reason(item)

    def _say_billed(self, item):
        if item.charge is not None:
            flash(_("Consumption %(used)s; charged %(amount)s yuan.", used=_number(item.consumption),
                    amount=_money(item.charge.amount)), "info")

    def post_add(self, item):
        self._say_billed(item)

    def post_update(self, item):
        self._say_billed(item)


class ApportionmentModelView(StaffModelView):
    datamodel = SQLAInterface(Apportionment)
    class_permission_name = P.APPORTIONMENT
    template_folder = TEMPLATES
    list_title = _l("Apportionments")
    show_title = _l("Apportionment")
    add_title = _l("Draft an apportionment")
    edit_title = _l("Change a draft apportionment")
    label_columns = LABELS
    list_columns = ["meter", "period", "method", "total", "status", "posted_at"]
    add_columns = ["meter", "period", "total", "method", "notes"]
    edit_columns = ["total", "method", "notes"]
    show_columns = ["meter", "period", "method", "total", "status", "posted_at", "posted_by", "notes"]
    history_exclude = ("demo_seed",)
    search_columns = ["meter", "period", "status", "method"]
    order_columns = ["period", "total", "status", "posted_at"]
    base_order = ("period", "desc")
    choice_fields = {"method": rules.APPORTIONMENT_METHODS, "status": rules.APPORTIONMENT_STATUSES}
    add_form_query_rel_fields = {"meter": _estate_rule([["scope", FilterEqual, "public"]])}
    description_columns = {
        "period": PERIOD_HELP,
        "total": _l("The public meter's cost for the period in yuan, e.g. 1280.40"),
        "method": _l("By chargeable area, or the same share for every household"),
    }
    formatters_columns = {"total": _money}
    add_form_extra_fields = {
        "period": StringField(LABELS["period"], description=PERIOD_HELP, widget=BS3TextFieldWidget()),
    }
    service_check = staticmethod(services.check_apportionment)
    show_template = "meters/apportionment_show.html"
    extra_args = {"share_rows": services.share_rows, "fmt_money": _money, "fmt_number": _number,
                  "post_csrf_token": generate_csrf}

    def pre_delete(self, item):
        if item.status != "draft":
            raise DomainError(_l("A posted apportionment cannot be deleted."))

    def locked_reason(self, item):
        return _l("A posted apportionment cannot be changed.") if item.status != "draft" else None

    # after drafting, show the share table of the new draft
    def post_add(self, item):
        g.meters_drafted = item.id

    def post_add_redirect(self):
        pk = getattr(g, "meters_drafted", None)
        if pk is not None:
            return redirect(url_for(".show", pk=pk))
        return super().post_add_redirect()

    @expose("/approve/<pk>", methods=["POST"])
    @has_access
    def approve(self, pk):
        """Post the shares of a draft as charges (APPROVE on Apportionment)."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            abort(400)
        try:
            appt = services.post_apportionment(item.id, current_user._get_current_object(), clock.now())
        except DomainError as err:
            flash(str(err), "danger")
        else:
            n = sum(1 for s in appt.shares if s.charge_id)
            flash(_("Posted: %(n)d charges created.", n=n), "success")
        return redirect(url_for(".show", pk=item.id))


def _buildings():
    return db.session.scalars(services.buildings_of(current_estate_ids())).all()


class MeterModelView(StaffModelView):
    datamodel = SQLAInterface(Meter)
    class_permission_name = P.METER
    list_title = _l("Meters")
    show_title = add_title = edit_title = _l("Meter")
    label_columns = LABELS
    list_columns = ["code", "kind", "scope", "unit", "fee_item", "description", "active"]
    add_columns = [
        "estate", "code", "kind", "scope", "fee_item", "unit", "units", "serve_building", "description", "active",
    ]
    edit_columns = add_columns[1:]  # a meter does not move to another estate
    show_columns = ["estate", "code", "kind", "scope", "fee_item", "unit", "units", "description", "active"]
    search_columns = ["code", "kind", "scope", "unit", "active"]
    order_columns = ["code", "kind", "scope"]
    base_order = ("code", "asc")
    choice_fields = {"kind": rules.METER_KINDS, "scope": rules.METER_SCOPES}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "fee_item": _estate_rule([["basis", FilterInFunction, lambda: list(rules.BASIS_OF_SCOPE.values())]]),
    }
    description_columns = {
        "code": _l("The number on the meter or the one the office gives it, e.g. W-1-1-101"),
        "unit": _l("Household meter: the unit it measures"),
        "units": _l("Public meter: the units that share its cost"),
        "serve_building": _l("Public meter: adds every unit of the building to the units served"),
        "fee_item": _l("Household meter: water, electricity, gas; public meter: the apportioned item"),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "serve_building": QuerySelectField(
            LABELS["serve_building"], query_func=_buildings, get_pk_func=lambda b: b.id, allow_blank=True,
            widget=Select2Widget(), description=_l("Public meter: adds every unit of the building to the units served"),
        ),
    }
    service_check = staticmethod(services.check_meter)
    related_views = [MeterReadingModelView, ApportionmentModelView]
