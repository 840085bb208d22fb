"""减免 pages: the register of late-fee waivers (read-only; the Manager decides from a record's
buttons) and the form that asks to waive a unit's late fee."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.money import fmt
from app.core.views import StaffModelView, current_estate_ids, scoped_or_404
from app.estate.models import Unit
from app.exceptions import DomainError
from app.extensions import db
from app.latefees import waivers
from app.latefees.models import LateFeeWaiver
from app.latefees.services import late_fees_owed
from app.security import permissions as P

LABELS = {
    "unit": _l("Unit"), "amount": _l("Late fee waived (yuan)"), "reason": _l("Reason"),
    "requested_by": _l("Requested by"), "requested_at": _l("Requested at"), "status": _l("Status"),
    "decided_by": _l("Decided by"), "decided_at": _l("Decided at"), "decision_note": _l("Decision note"),
    "unit_id": _l("Unit"), "requested_by_id": _l("Requested by"), "decided_by_id": _l("Decided by"),
}


class LateFeeWaiverModelView(StaffModelView):
    datamodel = SQLAInterface(LateFeeWaiver)
    class_permission_name = P.LATE_FEE_WAIVER
    base_permissions = ["can_read"]
    list_title = _l("Late-fee waivers")
    show_title = _l("Late-fee waiver")
    label_columns = LABELS
    list_columns = ["unit", "amount", "reason", "requested_by", "requested_at", "status", "decided_by"]
    show_columns = ["unit", "amount", "reason", "requested_by", "requested_at", "status", "decided_by",
                    "decided_at", "decision_note"]
    search_columns = ["status", "requested_at"]
    base_order = ("id", "desc")
    choice_fields = {"status": waivers.STATUSES}
    formatters_columns = {"amount": fmt}

    def record_buttons(self, item):
        if item.status != "pending" or not current_app.appbuilder.sm.has_access(P.APPROVE, P.LATE_FEE_WAIVER):
            return []
        return [
            dict(label=gettext("Approve the waiver"), url=url_for("LateFeeView.decide", waiver_id=item.id,
                                                                  decision="approve"),
                 method="post", style="danger", icon="fa-check",
                 confirm=gettext("Approve? The unit's late fee owed goes down by this amount today.")),
            dict(label=gettext("Reject"), url=url_for("LateFeeView.decide", waiver_id=item.id, decision="reject"),
                 method="post", style="default", icon="fa-times"),
        ]


class LateFeeView(BaseView):
    """Ask to waive a unit's late fee; the Manager's decision."""

    route_base = "/latefees"
    class_permission_name = P.LATE_FEE_WAIVER
    method_permission_name = {"waive": "write", "decide": "approve"}

    @expose("/unit/<int:unit_id>/waive", methods=["GET", "POST"])
    @has_access
    def waive(self, unit_id):
        unit = scoped_or_404(Unit, unit_id)
        sm = current_app.appbuilder.sm
        errors = {}
        if request.method == "POST":
            try:
                waiver = waivers.request_waiver(unit.id, request.form.get("amount", ""),
                                                request.form.get("reason", ""), sm.current_user, clock.now())
            except DomainError as err:
                db.session.rollback()
                errors[err.field or "_"] = str(err)
            else:
                flash(gettext("The waiver is waiting for the manager's approval."), "info")
                return redirect(url_for("LateFeeWaiverModelView.show", pk=waiver.id))
        owed = late_fees_owed([unit.id], clock.today()).of_unit(unit.id)
        return self.render_template("latefees/waive.html", unit=unit, owed=owed, errors=errors, fmt=fmt,
                                    title=gettext("Ask to waive a late fee"))

    @expose("/waiver/<int:waiver_id>/<decision>", methods=["POST"])
    @has_access
    def decide(self, waiver_id, decision):
        waiver = db.session.get(LateFeeWaiver, waiver_id)
        if waiver is None or waiver.estate_id not in current_estate_ids() or decision not in ("approve", "reject"):
            abort(404)
        sm = current_app.appbuilder.sm
        try:
            if decision == "approve":
                waivers.approve_waiver(waiver.id, sm.current_user, clock.now(), request.form.get("note"))
                flash(gettext("Waiver approved: the late fee owed is lower from today."), "success")
            else:
                waivers.reject_waiver(waiver.id, sm.current_user, clock.now(), request.form.get("note"))
                flash(gettext("The waiver was rejected."), "info")
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for("LateFeeWaiverModelView.show", pk=waiver_id))
