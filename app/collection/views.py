"""Arrears list (欠费一览), the unit's collection case file, and the registers of collection
actions and payment reminders. Rules live in rules.py, database work in services.py."""
from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, make_response, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.collection import arrears, rules, services
from app.collection.export import XLSX_MIMETYPE, export_arrears
from app.collection.models import CollectionAction, PaymentReminder
from app.core import clock
from app.core.money import fmt
from app.core.responses import pdf_response
from app.core.views import StaffModelView, current_estate_ids, scoped_or_404
from app.estate.models import Building, Zone
from app.exceptions import DomainError
from app.extensions import db
from app.fees.models import FeeItem
from app.security import permissions as P

LABELS = {
    "unit": _l("Unit"), "kind": _l("Kind"), "at": _l("Time"), "staff": _l("Staff"), "result": _l("Result"),
    "reached": _l("Owner reached"), "promise_date": _l("Promised date"), "promise_amount": _l("Promised amount"),
    "reminder": _l("Reminder"), "delivery": _l("Delivered how"), "delivered_on": _l("Delivered on"),
    "receipt_returned": _l("Delivery receipt returned"), "signed": _l("Owner signed"),
    "decision": _l("Manager's decision"), "decision_note": _l("Decision note"), "decided_by": _l("Decided by"),
    "decided_at": _l("Decided at"), "number": _l("Reminder no."), "round_no": _l("Round"),
    "stage": _l("Stage"), "amount": _l("Overdue (yuan)"), "late_fee": _l("Late fee (yuan)"),
    "total": _l("Total (yuan)"), "deadline": _l("Deadline"), "issued_at": _l("Issued at"),
    "issued_by": _l("Issued by"), "printed_at": _l("Last printed"), "print_count": _l("Times printed"),
    "lang": _l("Language"), "as_of": _l("Arrears as of"),
}


def _as_of() -> dt.date:
    raw = request.args.get("as_of") or ""
    try:
        return dt.date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        flash(gettext("Enter the date as YYYY-MM-DD."), "danger")
        return clock.today()


def _yes_no(value) -> str:
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")


class ArrearsView(BaseView):
    """欠费一览: units with overdue charges, ageing, stage and next step; export; print."""

    route_base = "/arrears"
    class_permission_name = P.ARREARS
    method_permission_name = {"index": "read", "xlsx": "read", "print_selected": "write"}
    default_view = "index"

    def _report(self):
        estate_ids = current_estate_ids()
        as_of = _as_of()
        sort = request.args.get("sort") or "amount"
        error = None
        try:
            f = arrears.parse_filters(request.args, estate_ids)
            report = arrears.arrears_report(estate_ids, as_of, f, sort if sort in arrears.SORTS else "amount")
        except DomainError as err:
            error = str(err)
            report = arrears.ArrearsReport(as_of=as_of)
        return report, error, sort

    @expose("/")
    @has_access
    def index(self):
        report, error, sort = self._report()
        estate_ids = current_estate_ids()
        sm = current_app.appbuilder.sm
        # the filter choices: buildings with their zones in one query
        pairs = db.session.execute(
            select(Building.number, Zone).join(Zone, Building.zone_id == Zone.id)
            .where(Building.estate_id.in_(estate_ids))
        ).all()
        zones = sorted({zone.id: zone for _, zone in pairs}.values(), key=lambda z: z.name)
        return self.render_template(
            "collection/arrears.html", report=report, error=error, sort=sort, args=request.args,
            buildings=sorted({number for number, _ in pairs}, key=lambda n: (len(n), n)),
            zones=zones,
            items=db.session.scalars(select(FeeItem).where(FeeItem.estate_id.in_(estate_ids))
                                     .order_by(FeeItem.sort_order)).all(),
            buckets=rules.BUCKETS, stages=rules.STAGES, kinds=rules.KINDS, fmt=fmt,
            can_print=sm.has_access(P.WRITE, P.PAYMENT_REMINDER) and sm.has_access(P.WRITE, P.ARREARS),
            title=gettext("Arrears"),
        )

    @expose("/arrears.xlsx")
    @has_access
    def xlsx(self):
        report, error, _sort = self._report()
        if error:
            flash(error, "danger")
            return redirect(url_for("ArrearsView.index", **request.args))
        data = export_arrears(report)
        from app.security import events

        events.record(events.EXPORT, detail={"what": "arrears", "as_of": report.as_of.isoformat(),
                                             "query": request.query_string.decode()[:500]})
        resp = make_response(data)
        resp.headers["Content-Type"] = XLSX_MIMETYPE
        resp.headers["Content-Disposition"] = f'attachment; filename="arrears-{report.as_of.isoformat()}.xlsx"'
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @expose("/print", methods=["POST"])
    @has_access
    def print_selected(self):
        """The selected rows' reminders as one PDF (reprints unless a new round is asked for)."""
        from reports.reminder import doc_of, reminder_filename

        raw = request.form.getlist("unit")
        back = request.form.get("back") or url_for("ArrearsView.index")
        if not back.startswith("/"):
            back = url_for("ArrearsView.index")
        try:
            ids = [int(x) for x in raw]
        except ValueError:
            abort(400)
        sm = current_app.appbuilder.sm
        try:
            pdf, reminders = services.print_reminders(
                current_estate_ids(), arrears.ArrearsFilter(unit_ids=ids), sm.current_user, clock.now(),
                new_round=request.form.get("new_round") == "1")
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
            return redirect(back)
        return pdf_response(pdf, reminder_filename([doc_of(r) for r in reminders]), inline=False)


class CaseFileView(BaseView):
    """催交档案: one unit's arrears, what is due next, the actions and the reminders."""

    route_base = "/collection"
    class_permission_name = P.COLLECTION_ACTION
    method_permission_name = {"case": "read", "log": "write", "print_one": "write", "reprint": "read",
                              "decide": "read"}
    default_view = "case"

    @expose("/unit/<int:unit_id>")
    @has_access
    def case(self, unit_id, errors=None):
        try:
            cf = services.case_file(unit_id, clock.today(), current_estate_ids())
        except DomainError:
            abort(404)
        sm = current_app.appbuilder.sm
        return self.render_template(
            "collection/case.html", cf=cf, fmt=fmt, kinds=rules.KINDS, stages=rules.STAGES,
            delivery=rules.DELIVERY, decisions=rules.DECISIONS, letter_stages=rules.LETTER_STAGES,
            buckets=rules.BUCKETS, errors=errors or {}, form=request.form, yes_no=_yes_no,
            can_write=sm.has_access(P.WRITE, P.COLLECTION_ACTION),
            can_print=sm.has_access(P.WRITE, P.PAYMENT_REMINDER),
            can_decide=sm.has_access(P.APPROVE, P.COLLECTION_ACTION),
            today=clock.today(), title=gettext("Collection case file"),
        )

    @expose("/unit/<int:unit_id>/action", methods=["POST"])
    @has_access
    def log(self, unit_id):
        form = request.form
        sm = current_app.appbuilder.sm

        def day(name):
            raw = (form.get(name) or "").strip()
            if not raw:
                return None
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                raise DomainError(_l("Enter the date as YYYY-MM-DD."), field=name)

        def tri(name):
            return {"1": True, "0": False}.get(form.get(name) or "")

        try:
            services.log_action(
                unit_id, form.get("kind", ""), sm.current_user, clock.now(), result=form.get("result"),
                reached=tri("reached"), promise_date=day("promise_date"), promise_amount=form.get("promise_amount"),
                delivery=form.get("delivery") or None, delivered_on=day("delivered_on"),
                receipt_returned=tri("receipt_returned"), signed=tri("signed"),
                reminder_id=form.get("reminder_id", type=int), estate_ids=current_estate_ids(),
            )
        except DomainError as err:
            db.session.rollback()
            if err.field is None and "exist" in str(err):
                abort(404)
            return self.case(unit_id, errors={err.field or "_": str(err)})
        flash(gettext("The action is logged."), "success")
        return redirect(url_for("CaseFileView.case", unit_id=unit_id))

    @expose("/unit/<int:unit_id>/print", methods=["POST"])
    @has_access
    def print_one(self, unit_id):
        from reports.reminder import doc_of, reminder_filename

        sm = current_app.appbuilder.sm
        try:
            pdf, reminders = services.print_reminders(
                current_estate_ids(), arrears.ArrearsFilter(unit_ids=[unit_id]), sm.current_user, clock.now(),
                new_round=request.form.get("new_round") == "1")
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
            return redirect(url_for("CaseFileView.case", unit_id=unit_id))
        return pdf_response(pdf, reminder_filename([doc_of(r) for r in reminders]))

    @expose("/reminder/<int:reminder_id>.pdf")
    @has_access
    def reprint(self, reminder_id):
        """The reminder again, under its number and issue date, with what is owed today (not
        logged again: the first print was). Nothing owed any more: a message, no letter."""
        from reports.reminder import reminder_filename, render_reminders

        reminder = scoped_or_404(PaymentReminder, reminder_id)
        try:
            doc = services.reprint_doc(reminder.id, clock.today(), current_estate_ids())
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "warning")
            return redirect(url_for("PaymentReminderModelView.show", pk=reminder.id))
        return pdf_response(render_reminders([doc]), reminder_filename([doc]))

    @expose("/action/<int:action_id>/decide", methods=["POST"])
    @has_access
    def decide(self, action_id):
        sm = current_app.appbuilder.sm
        if not sm.has_access(P.APPROVE, P.COLLECTION_ACTION):
            abort(403)
        action = scoped_or_404(CollectionAction, action_id)
        try:
            services.decide_escalation(action.id, request.form.get("decision", ""), request.form.get("note"),
                                       sm.current_user, clock.now(), current_estate_ids())
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
        else:
            flash(gettext("The decision is recorded."), "success")
        return redirect(url_for("CaseFileView.case", unit_id=action.unit_id))


class CollectionActionModelView(StaffModelView):
    """Every logged step, read-only (logged from the case file)."""

    datamodel = SQLAInterface(CollectionAction)
    class_permission_name = P.COLLECTION_ACTION
    base_permissions = ["can_read"]
    list_title = _l("Collection actions")
    show_title = _l("Collection action")
    label_columns = LABELS
    list_columns = ["at", "unit", "kind", "staff", "result", "promise_date", "reminder", "decision"]
    show_columns = ["unit", "kind", "at", "staff", "result", "reached", "promise_date", "promise_amount", "reminder",
                    "delivery", "delivered_on", "receipt_returned", "signed", "decision", "decision_note",
                    "decided_by", "decided_at"]
    search_columns = ["kind", "at", "promise_date", "decision"]
    base_order = ("at", "desc")
    choice_fields = {"kind": rules.KINDS, "delivery": rules.DELIVERY, "decision": rules.DECISIONS}
    formatters_columns = {"promise_amount": fmt, "reached": _yes_no, "receipt_returned": _yes_no,
                          "signed": _yes_no}

    def record_buttons(self, item):
        return [dict(label=gettext("Case file"), url=url_for("CaseFileView.case", unit_id=item.unit_id),
                     icon="fa-folder-open", style="default")]


class PaymentReminderModelView(StaffModelView):
    """Issued reminders, read-only: issued and printed from the arrears list or the case file."""

    datamodel = SQLAInterface(PaymentReminder)
    class_permission_name = P.PAYMENT_REMINDER
    base_permissions = ["can_read"]
    list_title = _l("Payment reminders")
    show_title = _l("Payment reminder")
    label_columns = LABELS
    list_columns = ["number", "unit", "stage", "total", "deadline", "issued_at", "print_count"]
    show_columns = ["number", "unit", "round_no", "stage", "lang", "amount", "late_fee", "total", "deadline",
                    "issued_at", "issued_by", "printed_at", "print_count"]
    search_columns = ["number", "stage", "issued_at", "deadline"]
    base_order = ("id", "desc")
    choice_fields = {"stage": rules.LETTER_STAGES}
    formatters_columns = {"amount": fmt, "late_fee": fmt, "total": fmt}

    def history_choices(self):
        from app.owners.rules import LANGUAGES

        return {**self.choice_fields, "lang": LANGUAGES}

    def record_buttons(self, item):
        return [
            dict(label=gettext("Show the letter"), url=url_for("CaseFileView.reprint", reminder_id=item.id),
                 icon="fa-print", target="_blank"),
            dict(label=gettext("Case file"), url=url_for("CaseFileView.case", unit_id=item.unit_id),
                 icon="fa-folder-open", style="default"),
        ]
