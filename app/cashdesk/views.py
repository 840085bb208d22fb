"""The cash desk: take a payment for a unit, receipts, void requests and their approval,
the unit's fee ledger, and the monthly billing run."""
from __future__ import annotations

import secrets
from decimal import Decimal

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.cashdesk import ledger, rules, services
from app.cashdesk.models import Receipt, VoidRequest
from app.core import clock
from app.core.money import fmt, to_fen
from app.core.responses import pdf_response
from app.core.views import StaffModelView, current_estate_ids, scoped_or_404
from app.estate.models import Unit
from app.exceptions import Conflict, DomainError
from app.extensions import db
from app.security import permissions as P

LABELS = {
    "number": _l("Receipt no."), "kind": _l("Kind"), "unit": _l("Unit"), "payer_name": _l("Payer"),
    "method": _l("Payment method"), "reference": _l("Cheque / transfer no."), "amount": _l("Amount (yuan)"),
    "to_prepaid": _l("Kept as prepaid"), "from_prepaid": _l("Paid from prepaid"),
    "business_date": _l("Date"), "posted_at": _l("Posted at"), "cashier_name": _l("Cashier"),
    "reverses": _l("Reverses receipt"), "reason": _l("Reason"), "approved_by": _l("Approved by"),
    "receipt": _l("Receipt"), "requested_by": _l("Requested by"), "requested_at": _l("Requested at"),
    "status": _l("Status"), "decided_by": _l("Decided by"), "decided_at": _l("Decided at"),
    "decision_note": _l("Decision note"), "reversal": _l("Reversal receipt"),
    "year": _l("Year"), "seq": _l("Sequence number"), "hash": _l("Check code"), "prev_hash": _l("Previous check code"),
    "request_key": _l("Form key"), "request_hash": _l("Form content check code"), "cashier_id": _l("Cashier"), "unit_id": _l("Unit"), "reverses_id": _l("Reverses receipt"),
    "seal_version": _l("Check code version"),
}
KINDS = {"payment": _l("Payment"), "reversal": _l("Reversal (void)")}
VOID_STATUSES = {"pending": _l("Waiting for approval"), "approved": _l("Approved"), "rejected": _l("Rejected")}


class ReceiptModelView(StaffModelView):
    """Receipts are read-only: posted by the cash desk, undone only by an approved void."""

    datamodel = SQLAInterface(Receipt)
    class_permission_name = P.RECEIPT
    base_permissions = ["can_read"]
    list_title = _l("Receipts")
    show_title = _l("Receipt")
    label_columns = LABELS
    list_columns = ["number", "business_date", "unit", "payer_name", "method", "amount", "kind", "cashier_name"]
    show_columns = ["number", "kind", "business_date", "posted_at", "unit", "payer_name", "method", "reference",
                    "amount", "to_prepaid", "from_prepaid", "cashier_name", "reverses", "reason", "approved_by"]
    search_columns = ["number", "business_date", "method", "kind", "payer_name"]
    base_order = ("id", "desc")
    choice_fields = {"method": rules.METHOD_LABELS, "kind": KINDS}
    formatters_columns = {"amount": fmt, "to_prepaid": fmt, "from_prepaid": fmt}
    show_template = "cashdesk/receipt_show.html"
    # the hash chain, the form token and the number's parts: kept in the log, not shown
    history_exclude = ("hash", "prev_hash", "request_key", "request_hash", "year", "seq", "seal_version")
    show_when_set = ("reference", "reverses", "reason", "approved_by")

    def record_buttons(self, item):
        sm = current_app.appbuilder.sm
        buttons = []
        buttons.append(dict(label=gettext("Print receipt"), url=url_for("CashDeskView.receipt_pdf", receipt_id=item.id),
                            icon="fa-print", target="_blank"))
        if item.kind == "payment" and not services.is_voided(item.id) and sm.has_access(P.WRITE, P.VOID_REQUEST):
            buttons.append(dict(label=gettext("Ask to void"), url=url_for("CashDeskView.void_form", receipt_id=item.id),
                                style="warning", icon="fa-ban"))
        buttons.append(dict(label=gettext("Fee ledger"), url=url_for("CashDeskView.ledger", unit_id=item.unit_id),
                            style="default", icon="fa-book"))
        return buttons


class VoidRequestModelView(StaffModelView):
    datamodel = SQLAInterface(VoidRequest)
    class_permission_name = P.VOID_REQUEST
    base_permissions = ["can_read"]
    list_title = _l("Void requests")
    show_title = _l("Void request")
    label_columns = LABELS
    list_columns = ["receipt", "reason", "requested_by", "requested_at", "status", "decided_by"]
    show_columns = ["receipt", "reason", "requested_by", "requested_at", "status", "decided_by", "decided_at",
                    "decision_note", "reversal"]
    search_columns = ["status", "requested_at"]
    base_order = ("id", "desc")
    choice_fields = {"status": VOID_STATUSES}

    def record_buttons(self, item):
        if item.status != "pending" or not current_app.appbuilder.sm.has_access(P.APPROVE, P.VOID_REQUEST):
            return []
        return [
            dict(label=gettext("Approve the void"), url=url_for("CashDeskView.void_decide", request_id=item.id, decision="approve"),
                 method="post", style="danger", icon="fa-check",
                 confirm=gettext("Approve? A reversal receipt is posted today and the charges become open again.")),
            dict(label=gettext("Reject"), url=url_for("CashDeskView.void_decide", request_id=item.id, decision="reject"),
                 method="post", style="default", icon="fa-times"),
        ]


class CashDeskView(BaseView):
    """收款: the clerk's payment page for one unit, the receipt PDF, voids, the ledger."""

    route_base = "/cashdesk"
    class_permission_name = P.RECEIPT
    method_permission_name = {
        "take_payment": "write", "receipt_pdf": "read", "void_form": "read", "void_decide": "read",
        "ledger": "read", "statement_pdf": "read",
    }
    default_view = "take_payment"

    @expose("/unit/<int:unit_id>", methods=["GET", "POST"])
    @has_access
    def take_payment(self, unit_id):
        unit = scoped_or_404(Unit, unit_id)
        sm = current_app.appbuilder.sm
        errors: dict[str, str] = {}
        form = request.form
        request_key = form.get("request_key") or secrets.token_hex(16)
        if request.method == "POST":
            try:
                # the ticked boxes as sent: the service checks them (app.core.inputs)
                receipt = services.post_payment(
                    unit.id, form.get("amount", ""), form.get("method", ""), sm.current_user, clock.now(),
                    payer_name=form.get("payer_name"), charge_ids=form.getlist("charge") or None,
                    reference=form.get("reference"), request_key=form.get("request_key"),
                )
            except DomainError as err:
                db.session.rollback()
                errors[err.field or "_"] = str(err)
                if isinstance(err, Conflict):
                    # the clerk has read that this form was used: a deliberate new submit posts anew
                    request_key = secrets.token_hex(16)
            else:
                flash(gettext("Payment posted: receipt %(n)s, ¥%(a)s.", n=receipt.number, a=fmt(receipt.amount)), "success")
                return redirect(url_for("ReceiptModelView.show", pk=receipt.id))
        charges = services.open_charges(unit.id)
        if request.method == "POST":
            picked = set(form.getlist("charge"))
        else:
            # "collect now" after a sale links here with ?charge=<id>: that charge comes ticked
            # (an id that is not an open charge of this unit is ignored, whatever it looks like)
            picked = {str(c.id) for c in charges if str(c.id) in request.args.getlist("charge")}
        amount = form.get("amount")
        if amount is None and picked:
            amount = f"{sum((c.outstanding for c in charges if str(c.id) in picked), Decimal('0.00')):.2f}"
        late = services.late_fees(unit.id, clock.today())
        return self.render_template(
            "cashdesk/take_payment.html", unit=unit, charges=charges, errors=errors, form=form,
            picked=picked, amount=amount or "", late=late, late_total=sum(late.values(), Decimal("0.00")),
            arrears=services.arrears_total(unit.id), prepaid=services.prepaid_balance(unit.id),
            methods=rules.METHODS, request_key=request_key, to_fen=to_fen,
            payer=services._occupant_name(unit), fmt=fmt, title=gettext("Take payment"),
        )

    @expose("/receipt/<int:receipt_id>.pdf")
    @has_access
    def receipt_pdf(self, receipt_id):
        receipt = scoped_or_404(Receipt, receipt_id)
        from reports.receipt import receipt_pdf

        return pdf_response(receipt_pdf(receipt_id, lang=_lang(), estate_ids=current_estate_ids()),
                             f"receipt-{receipt.number}.pdf")

    @expose("/receipt/<int:receipt_id>/void", methods=["GET", "POST"])
    @has_access
    def void_form(self, receipt_id):
        receipt = scoped_or_404(Receipt, receipt_id)
        sm = current_app.appbuilder.sm
        if not sm.has_access(P.WRITE, P.VOID_REQUEST):
            abort(403)
        error = None
        if request.method == "POST":
            try:
                req = services.request_void(receipt.id, request.form.get("reason", ""), sm.current_user, clock.now())
            except DomainError as err:
                db.session.rollback()
                error = str(err)
            else:
                flash(gettext("The void request is waiting for a manager or the accountant."), "info")
                return redirect(url_for("VoidRequestModelView.show", pk=req.id))
        return self.render_template("cashdesk/void_form.html", receipt=receipt, error=error,
                                    fmt=fmt, title=gettext("Ask to void a receipt"))

    @expose("/void/<int:request_id>/<decision>", methods=["POST"])
    @has_access
    def void_decide(self, request_id, decision):
        req = db.session.get(VoidRequest, request_id)
        if req is None or req.estate_id not in current_estate_ids() or decision not in ("approve", "reject"):
            abort(404)
        sm = current_app.appbuilder.sm
        if not sm.has_access(P.APPROVE, P.VOID_REQUEST):
            abort(403)
        try:
            if decision == "approve":
                reversal = services.approve_void(req.id, sm.current_user, clock.now(), request.form.get("note"))
                flash(gettext("Voided: reversal receipt %(n)s posted.", n=reversal.number), "success")
            else:
                services.reject_void(req.id, sm.current_user, clock.now(), request.form.get("note"))
                flash(gettext("The void request was rejected."), "info")
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for("VoidRequestModelView.show", pk=request_id))

    @expose("/ledger/<int:unit_id>")
    @has_access
    def ledger(self, unit_id):
        unit = scoped_or_404(Unit, unit_id)
        data = ledger.unit_ledger(unit.id)
        return self.render_template("cashdesk/ledger.html", unit=unit, ledger=data, fmt=fmt,
                                    can_pay=current_app.appbuilder.sm.has_access(P.WRITE, P.RECEIPT),
                                    title=gettext("Fee ledger"))

    @expose("/ledger/<int:unit_id>.pdf")
    @has_access
    def statement_pdf(self, unit_id):
        unit = scoped_or_404(Unit, unit_id)
        from reports.statement import statement_pdf

        return pdf_response(statement_pdf(unit.id, lang=_lang(), estate_ids=current_estate_ids()),
                             f"statement-{unit.code}.pdf")


def _lang() -> str:
    from app import select_locale

    return select_locale()


