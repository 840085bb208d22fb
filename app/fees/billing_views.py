"""Pages around the fee ledger that are not registers: the monthly billing run and the sale
of a service from the price list."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from sqlalchemy import select

from app.core import clock
from app.core.audit import acting_as
from app.core.money import fmt
from app.core.views import current_estates, scoped_or_404
from app.estate.models import Unit
from app.exceptions import DomainError
from app.extensions import db
from app.fees import billing, rules, services
from app.fees.models import ServicePrice
from app.security import permissions as P


class BillingView(BaseView):
    route_base = "/billing"
    class_permission_name = P.BILLING
    method_permission_name = {"index": "write"}
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        estates = current_estates()
        period = request.form.get("period") or rules.period_of(clock.today())
        result, error = None, None
        if request.method == "POST":
            estate_id = request.form.get("estate", type=int)
            if estate_id not in [e.id for e in estates]:
                abort(400)
            try:
                with acting_as(current_app.appbuilder.sm.current_user):
                    result = billing.generate(estate_id, period, clock.now())
                period = result.period  # shown back as stored: "２０２７-０２ " -> 2027-02
            except DomainError as err:
                db.session.rollback()
                error = str(err)
        return self.render_template("fees/billing.html", estates=estates, period=period, result=result,
                                    error=error, fmt=fmt, title=gettext("Monthly billing"))


class SaleView(BaseView):
    """Sell a service to a unit: the charge goes onto the unit, then to the cash desk."""

    route_base = "/sale"
    class_permission_name = P.CHARGE
    method_permission_name = {"sell": "write"}
    default_view = "sell"

    @expose("/unit/<int:unit_id>", methods=["GET", "POST"])
    @has_access
    def sell(self, unit_id):
        unit = scoped_or_404(Unit, unit_id)
        prices = db.session.scalars(select(ServicePrice).where(
            ServicePrice.estate_id == unit.estate_id, ServicePrice.active.is_(True), ServicePrice.price > 0
        ).order_by(ServicePrice.kind, ServicePrice.sort_order)).all()
        errors = {}
        if request.method == "POST":
            try:
                charge = services.sell_service(
                    unit.id, request.form.get("price", type=int), request.form.get("quantity", ""),
                    current_app.appbuilder.sm.current_user, clock.now(), request.form.get("note"))
            except DomainError as err:
                db.session.rollback()
                errors[err.field or "_"] = str(err)
            else:
                flash(gettext("The service is charged to %(unit)s. Take the payment now.", unit=unit.code), "success")
                # collect now: the payment page opens with this sale's charge ticked, not the oldest
                return redirect(url_for("CashDeskView.take_payment", unit_id=unit.id, charge=charge.id))
        return self.render_template("fees/sale.html", unit=unit, prices=prices, errors=errors, form=request.form,
                                    kinds=rules.PRICE_KINDS, fmt=fmt, title=gettext("Sell a service"))
