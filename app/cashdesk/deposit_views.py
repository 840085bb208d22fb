"""Pages of the daily cash close (日结), bank deposits (交存银行) and reconciliations (对账).

The registers are read-only FAB views: a deposit or a reconciliation is written only by the
services in app.cashdesk.deposits and app.cashdesk.reconciliation, called from the pages below, and is never edited or
deleted (a wrong deposit gets a reversing deposit).
"""
from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.cashdesk import deposits, reconciliation
from app.cashdesk.models import BankDeposit, Reconciliation
from app.cashdesk.rules import DEPOSITABLE, METHODS
from app.core import clock
from app.core.money import fmt
from app.core.views import StaffModelView, current_estates, scoped_or_404
from app.estate.models import Estate
from app.exceptions import DomainError
from app.extensions import db
from app.security import permissions as P

UNDEPOSITED_SHOWN = 500  # rows on the "new deposit" page; pick a day to see the rest

LABELS = {
    "id": _l("No."), "estate": _l("Estate"), "deposit_date": _l("Deposit date"), "bank": _l("Bank"),
    "slip_number": _l("Slip no."), "amount": _l("Slip amount (yuan)"), "receipts_total": _l("Receipts total (yuan)"),
    "difference_note": _l("Difference / note"), "deposited_by_id": _l("Deposited by"),
    "confirmed_by_id": _l("Confirmed by"), "confirmed_at": _l("Confirmed at"),
    "created_at": _l("Recorded at"),
    "date_from": _l("First day"), "date_to": _l("Last day"), "cash_total": _l("Cash"),
    "cheque_total": _l("Cheque"), "transfer_total": _l("Bank transfer"), "mobile_total": _l("Mobile payment"),
    "system_total": _l("System total (yuan)"), "book_total": _l("Book total (yuan)"),
    "difference": _l("Difference (yuan)"), "explanation": _l("Explanation"), "prepared_by": _l("Prepared by"),
    "signed_off_by": _l("Signed off by"), "signed_off_at": _l("Signed off at"),
}
DEPOSIT_STATUSES = {
    "pending": _l("Waiting for the accountant"), "confirmed": _l("Confirmed"),
    "reversed": _l("Reversed"), "reversal": _l("Reversal"),
}


def _user_name(user_id) -> str:
    from flask_appbuilder.security.sqla.models import User

    user = db.session.get(User, user_id) if user_id else None
    return (user.first_name or user.username) if user else ""


def _note(value) -> str:
    """A reversal's note reads as words, not as its marker."""
    m = deposits.REVERSAL_RE.match(value or "")
    if m:
        return gettext("Reverses deposit #%(id)s: %(reason)s", id=m.group(1), reason=m.group(2))
    return value or ""


def _confirmed(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M")  # blank (not confirmed yet) is handled by StaffModelView


def _estates() -> list[Estate]:
    return current_estates()


def _pick_estate(estates: list[Estate]) -> Estate | None:
    raw = request.values.get("estate", "")
    for e in estates:
        if str(e.id) == raw:
            return e
    return estates[0] if estates else None


def _day_arg(name: str, default: dt.date | None) -> tuple[dt.date | None, str | None]:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return default, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return default, gettext("Enter a date as YYYY-MM-DD.")


class BankDepositModelView(StaffModelView):
    """交存银行 register: read-only; recorded, confirmed and reversed on the deposit pages."""

    datamodel = SQLAInterface(BankDeposit)
    class_permission_name = P.BANK_DEPOSIT
    base_permissions = ["can_read"]
    list_title = _l("Bank deposits")
    show_title = _l("Bank deposit")
    label_columns = LABELS
    list_columns = ["id", "deposit_date", "estate", "bank", "slip_number", "amount", "receipts_total",
                    "difference_note", "confirmed_at"]
    show_columns = ["id", "estate", "deposit_date", "bank", "slip_number", "amount", "receipts_total",
                    "difference_note", "deposited_by_id", "created_at", "confirmed_by_id", "confirmed_at"]
    search_columns = ["deposit_date", "slip_number", "bank"]
    base_order = ("id", "desc")
    formatters_columns = {
        "amount": fmt, "receipts_total": fmt, "difference_note": _note, "confirmed_at": _confirmed,
        "deposited_by_id": _user_name, "confirmed_by_id": _user_name, "id": lambda v: f"#{v}",
    }
    show_template = "cashdesk/deposit_show.html"
    extra_args = {"deposit_detail": deposits.deposit_detail, "fmt": fmt, "statuses": DEPOSIT_STATUSES,
                  "methods": METHODS}

    def list_buttons(self):
        buttons = []
        if current_app.appbuilder.sm.has_access(P.WRITE, P.BANK_DEPOSIT):
            buttons.append(dict(label=gettext("New bank deposit"), url=url_for("DepositDeskView.new_deposit"),
                                icon="fa-university"))
        buttons.append(dict(label=gettext("Daily cash close"), url=url_for("DepositDeskView.cash_close"),
                            icon="fa-cash-register", style="default"))
        return buttons

    def record_buttons(self, item):
        sm = current_app.appbuilder.sm
        status = deposits.deposit_status(item)
        buttons = []
        if status == "pending" and sm.has_access(P.APPROVE, P.BANK_DEPOSIT):
            buttons.append(dict(
                label=gettext("Confirm: the bank received it"), method="post", style="success", icon="fa-check",
                url=url_for("DepositDeskView.confirm", deposit_id=item.id),
                confirm=gettext("Confirm that the bank credited ¥%(a)s for this slip?", a=fmt(item.amount))))
        if status == "pending" and (sm.has_access(P.WRITE, P.BANK_DEPOSIT) or sm.has_access(P.APPROVE, P.BANK_DEPOSIT)):
            buttons.append(dict(label=gettext("Reverse this deposit"), style="warning", icon="fa-undo",
                                url=url_for("DepositDeskView.reverse", deposit_id=item.id)))
        return buttons


class ReconciliationModelView(StaffModelView):
    """对账 register: read-only; prepared and signed off on the reconciliation pages."""

    datamodel = SQLAInterface(Reconciliation)
    class_permission_name = P.RECONCILIATION
    base_permissions = ["can_read"]
    list_title = _l("Reconciliations")
    show_title = _l("Reconciliation")
    label_columns = LABELS
    list_columns = ["date_from", "date_to", "estate", "system_total", "book_total", "difference", "signed_off_by",
                    "signed_off_at"]
    show_columns = ["estate", "date_from", "date_to", "cash_total", "cheque_total", "transfer_total", "mobile_total",
                    "system_total", "book_total", "difference", "explanation", "prepared_by", "created_at",
                    "signed_off_by", "signed_off_at"]
    search_columns = ["date_from", "date_to"]
    base_order = ("date_to", "desc")
    formatters_columns = {c: fmt for c in ("cash_total", "cheque_total", "transfer_total", "mobile_total",
                                           "system_total", "book_total", "difference")}

    def list_buttons(self):
        if not current_app.appbuilder.sm.has_access(P.WRITE, P.RECONCILIATION):
            return []
        return [dict(label=gettext("New reconciliation"), url=url_for("ReconciliationDeskView.prepare"),
                     icon="fa-balance-scale")]

    def record_buttons(self, item):
        if item.signed_off_at is not None or not current_app.appbuilder.sm.has_access(P.APPROVE, P.RECONCILIATION):
            return []
        return [dict(label=gettext("Enter the book figure and sign off"), style="success", icon="fa-pen",
                     url=url_for("ReconciliationDeskView.sign_off", rec_id=item.id))]


class DepositDeskView(BaseView):
    """日结 and 交存银行: the day's cash close, a new deposit, confirming and reversing."""

    route_base = "/deposits"
    class_permission_name = P.BANK_DEPOSIT
    method_permission_name = {"cash_close": "read", "new_deposit": "write", "confirm": "approve", "reverse": "read"}
    default_view = "cash_close"

    @expose("/close")
    @has_access
    def cash_close(self):
        estates = _estates()
        estate = _pick_estate(estates)
        day, error = _day_arg("day", clock.today())
        raw_cashier = request.args.get("cashier", "")
        cashier_id = int(raw_cashier) if raw_cashier.isdigit() else None
        close = deposits.cash_close(estate.id, day, cashier_id) if estate else None
        cashiers = deposits.cashiers_on(estate.id, day) if estate else []
        return self.render_template(
            "cashdesk/cash_close.html", estates=estates, estate=estate, day=day, close=close, error=error,
            cashiers=cashiers, cashier_id=cashier_id, methods=METHODS, depositable=DEPOSITABLE, fmt=fmt,
            can_deposit=current_app.appbuilder.sm.has_access(P.WRITE, P.BANK_DEPOSIT),
            title=gettext("Daily cash close"),
        )

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new_deposit(self):
        estates = _estates()
        estate = _pick_estate(estates)
        day, day_error = _day_arg("day", None)
        form = request.form
        errors: dict[str, str] = {}
        picked = {int(x) for x in form.getlist("receipt") if x.isdigit()}
        if request.method == "POST" and estate is not None and form.get("action") != "add_up":
            sm = current_app.appbuilder.sm
            try:
                deposit = deposits.record_deposit(
                    estate.id, sorted(picked), form.get("amount", ""), form.get("deposit_date", ""),
                    sm.current_user, clock.now(), bank=form.get("bank"), slip_number=form.get("slip_number"),
                    difference_note=form.get("difference_note"),
                )
            except DomainError as err:
                db.session.rollback()
                errors[err.field or "_"] = str(err)
            else:
                flash(gettext("Deposit #%(id)s recorded: %(n)s receipts, ¥%(a)s.", id=deposit.id, n=len(picked),
                              a=fmt(deposit.amount)), "success")
                return redirect(url_for("BankDepositModelView.show", pk=deposit.id))
        rows = deposits.undeposited_receipts(estate.id, day, limit=UNDEPOSITED_SHOWN + 1) if estate else []
        more = len(rows) > UNDEPOSITED_SHOWN
        rows = rows[:UNDEPOSITED_SHOWN]
        picked_total = sum((r.amount for r in rows if r.id in picked), deposits.ZERO)
        return self.render_template(
            "cashdesk/deposit_new.html", estates=estates, estate=estate, day=day, day_error=day_error, rows=rows,
            more=more, picked=picked, picked_total=picked_total, errors=errors, form=form, methods=METHODS,
            today=clock.today(), fmt=fmt, title=gettext("New bank deposit"),
        )

    @expose("/<int:deposit_id>/confirm", methods=["POST"])
    @has_access
    def confirm(self, deposit_id):
        deposit = scoped_or_404(BankDeposit, deposit_id)
        try:
            deposits.confirm_deposit(deposit.id, current_app.appbuilder.sm.current_user, clock.now())
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
        else:
            flash(gettext("Deposit #%(id)s confirmed.", id=deposit_id), "success")
        return redirect(url_for("BankDepositModelView.show", pk=deposit_id))

    @expose("/<int:deposit_id>/reverse", methods=["GET", "POST"])
    @has_access
    def reverse(self, deposit_id):
        deposit = scoped_or_404(BankDeposit, deposit_id)
        sm = current_app.appbuilder.sm
        if not (sm.has_access(P.WRITE, P.BANK_DEPOSIT) or sm.has_access(P.APPROVE, P.BANK_DEPOSIT)):
            abort(403)
        error = None
        if request.method == "POST":
            try:
                reversal = deposits.reverse_deposit(deposit.id, request.form.get("reason", ""), sm.current_user,
                                                    clock.now())
            except DomainError as err:
                db.session.rollback()
                error = str(err)
            else:
                flash(gettext("Deposit #%(id)s is reversed by deposit #%(r)s.", id=deposit_id, r=reversal.id), "info")
                return redirect(url_for("BankDepositModelView.show", pk=reversal.id))
        return self.render_template("cashdesk/deposit_reverse.html", deposit=deposit, error=error, fmt=fmt,
                                    title=gettext("Reverse a bank deposit"))


class ReconciliationDeskView(BaseView):
    """对账: prepare the system totals of a period; the accountant signs off."""

    route_base = "/reconciliations"
    class_permission_name = P.RECONCILIATION
    method_permission_name = {"prepare": "write", "sign_off": "approve"}
    default_view = "prepare"

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def prepare(self):
        estates = _estates()
        estate = _pick_estate(estates)
        today = clock.today()
        last = reconciliation.last_reconciled(estate.id) if estate else None
        default_from = last + dt.timedelta(days=1) if last else today - dt.timedelta(days=3)
        default_to = max(default_from, today - dt.timedelta(days=1))
        error = field = None
        if request.method == "POST" and estate is not None:
            try:
                rec = reconciliation.prepare_reconciliation(
                    estate.id, request.form.get("date_from", ""), request.form.get("date_to", ""),
                    current_app.appbuilder.sm.current_user, clock.now())
            except DomainError as err:
                db.session.rollback()
                error, field = str(err), err.field
            else:
                flash(gettext("Reconciliation of %(a)s to %(b)s prepared: system total ¥%(t)s.",
                              a=rec.date_from.isoformat(), b=rec.date_to.isoformat(), t=fmt(rec.system_total)),
                      "success")
                return redirect(url_for("ReconciliationModelView.show", pk=rec.id))
        return self.render_template(
            "cashdesk/reconciliation_new.html", estates=estates, estate=estate, last=last, error=error,
            field=field, date_from=request.form.get("date_from") or default_from.isoformat(),
            date_to=request.form.get("date_to") or default_to.isoformat(), title=gettext("New reconciliation"),
        )

    @expose("/<int:rec_id>/sign-off", methods=["GET", "POST"])
    @has_access
    def sign_off(self, rec_id):
        rec = scoped_or_404(Reconciliation, rec_id)
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                reconciliation.sign_off(rec.id, request.form.get("book_total", ""), request.form.get("explanation"),
                                  current_app.appbuilder.sm.current_user, clock.now())
            except DomainError as err:
                db.session.rollback()
                errors[err.field or "_"] = str(err)
            else:
                flash(gettext("Reconciliation of %(a)s to %(b)s signed off.", a=rec.date_from.isoformat(),
                              b=rec.date_to.isoformat()), "success")
                return redirect(url_for("ReconciliationModelView.show", pk=rec.id))
            rec = db.session.get(Reconciliation, rec_id)
        totals = [(METHODS["cash"], rec.cash_total), (METHODS["cheque"], rec.cheque_total),
                  (METHODS["bank_transfer"], rec.transfer_total), (METHODS["mobile"], rec.mobile_total)]
        return self.render_template(
            "cashdesk/reconciliation_sign_off.html", rec=rec, totals=totals, errors=errors, form=request.form,
            fmt=fmt, title=gettext("Sign off a reconciliation"),
        )
