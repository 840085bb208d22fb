"""Owner visits (走访): the register, the visit form with the signature pad, the quota panel,
the monthly summary (page and PDF) and the quotas. Rules in rules.py, DB work in services.py."""
from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, make_response, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.responses import pdf_response
from app.core.views import StaffModelView, current_estate_ids, current_estates
from app.estate.models import Unit
from app.exceptions import DomainError
from app.extensions import db
from app.security import permissions as P
from app.visits import rules, services
from app.visits.models import Visit, VisitQuota

LABELS = {
    "unit": _l("Unit"), "kind": _l("Kind"), "visit_date": _l("Date of visit"), "staff": _l("Visited by"),
    "met_person": _l("Person met"), "opinions": _l("Opinions"), "requests": _l("Requests"),
    "follow_up": _l("Follow-up"), "follow_up_needed": _l("Follow-up needed"),
    "follow_up_done": _l("Follow-up done"), "signature_kind": _l("Owner's signature"),
    "created_at": _l("Recorded at"), "estate": _l("Estate"), "period": _l("Period"),
    "min_households": _l("At least (households)"), "per_staff": _l("For each staff member"), "notes": _l("Notes"),
    "signature_mime": _l("Signature file type"), "signature_sha256": _l("Signature check code"),
}


def _form_bool(name: str) -> bool:
    return request.form.get(name) in ("1", "y", "on", "true")


class VisitModelView(StaffModelView):
    """The visit register. A visit is recorded on our own form (room code, signature pad);
    its follow-up is edited here."""

    datamodel = SQLAInterface(Visit)
    class_permission_name = P.VISIT
    base_permissions = ["can_read", "can_write"]
    list_title = _l("Owner visits")
    show_title = add_title = edit_title = _l("Owner visit")
    label_columns = LABELS
    list_columns = ["visit_date", "unit", "kind", "staff", "met_person", "follow_up_needed", "follow_up_done",
                    "signature_kind"]
    show_columns = ["unit", "kind", "visit_date", "staff", "met_person", "opinions", "requests", "follow_up",
                    "follow_up_needed", "follow_up_done", "signature_kind", "created_at"]
    # FAB's own add form is replaced by ``add`` below; it is built from the same columns
    add_columns = edit_columns = ["kind", "visit_date", "met_person", "opinions", "requests", "follow_up",
                                  "follow_up_needed", "follow_up_done"]
    search_columns = ["kind", "visit_date", "follow_up_needed", "follow_up_done", "signature_kind"]
    base_order = ("visit_date", "desc")
    choice_fields = {"kind": rules.KINDS, "signature_kind": rules.SIGNATURES}
    service_check = staticmethod(services.check_visit)
    # the stored signature's file type and check code: in the log, not on the page's history
    history_exclude = ("signature_mime", "signature_sha256")
    show_template = "visits/show.html"

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """The visit form: the unit by its room code, the signature drawn or scanned."""
        errors: dict[str, str] = {}
        form = request.form
        if request.method == "POST":
            try:
                visit = self._record(form)
            except DomainError as err:
                db.session.rollback()
                errors[err.field or "_"] = str(err)
            else:
                flash(gettext("The visit is recorded."), "success")
                return redirect(url_for("VisitModelView.show", pk=visit.id))
        unit_code = form.get("unit_code") or ""
        if not unit_code and request.args.get("unit", type=int):
            unit = db.session.get(Unit, request.args.get("unit", type=int))
            if unit is not None and unit.estate_id in current_estate_ids():
                unit_code = unit.code
        return self.render_template(
            "visits/new.html", errors=errors, form=form, unit_code=unit_code, kinds=rules.KINDS,
            signatures=rules.SIGNATURES, estates=current_estates(), today=clock.today(),
            max_kb=rules.MAX_SIGNATURE_BYTES // 1024, title=gettext("Record an owner visit"))

    def _record(self, form) -> Visit:
        raw_day = (form.get("visit_date") or "").strip()
        try:
            day = dt.date.fromisoformat(raw_day) if raw_day else None
        except ValueError:
            raise DomainError(_l("Enter the date as YYYY-MM-DD."), field="visit_date")
        kind = form.get("signature_kind") or "none"
        data = None
        if kind == "drawn":
            upload = request.files.get("signature")
            data = upload.read(rules.MAX_SIGNATURE_BYTES + 1) if upload and upload.filename else None
            if not data:
                data = rules.decode_data_url(form.get("signature_data"))
        elif kind == "paper":
            upload = request.files.get("signature_scan")
            data = upload.read(rules.MAX_SIGNATURE_BYTES + 1) if upload and upload.filename else None
        sm = current_app.appbuilder.sm
        return services.record_visit(
            estate_ids=current_estate_ids(), actor=sm.current_user, now=clock.now(),
            unit_code=form.get("unit_code"), estate_id=form.get("estate_id", type=int),
            kind=form.get("kind", ""), visit_date=day, met_person=form.get("met_person"),
            opinions=form.get("opinions"), requests=form.get("requests"), follow_up=form.get("follow_up"),
            follow_up_needed=_form_bool("follow_up_needed"), signature_kind=kind, signature=data)

    def record_buttons(self, item):
        buttons = [dict(label=gettext("Unit"), url=url_for("UnitModelView.show", pk=item.unit_id),
                        icon="fa-door-open", style="default")]
        if current_app.appbuilder.sm.has_access(P.WRITE, P.VISIT):
            buttons.insert(0, dict(label=gettext("Record another visit"), icon="fa-plus",
                                   url=url_for("VisitModelView.add", unit=item.unit_id)))
        return buttons


class VisitQuotaModelView(StaffModelView):
    """每周/每月走访指标 of an estate, set by the supervisor (defaults: the seed plan)."""

    datamodel = SQLAInterface(VisitQuota)
    class_permission_name = P.VISIT_QUOTA
    base_permissions = ["can_read", "can_write"]
    list_title = _l("Visit quotas")
    show_title = add_title = edit_title = _l("Visit quota")
    label_columns = LABELS
    list_columns = ["estate", "kind", "period", "min_households", "per_staff"]
    add_columns = edit_columns = ["estate", "kind", "period", "min_households", "per_staff", "notes"]
    show_columns = add_columns
    search_columns = ["kind", "period"]
    choice_fields = {"kind": rules.QUOTA_KINDS, "period": rules.PERIODS}
    description_columns = {
        "min_households": _l("Households to visit in the period; left empty for important clients: "
                             "every important client's household"),
        "per_staff": _l("Ticked: each staff member must reach the number; else the office together"),
    }
    service_check = staticmethod(services.check_quota)


def _estate_id() -> int:
    ids = current_estate_ids()
    chosen = request.args.get("estate", type=int)
    if chosen is not None:
        if chosen not in ids:
            abort(404)
        return chosen
    estates = current_estates()
    if not estates:
        abort(404)
    return estates[0].id


def _month() -> tuple[int, int]:
    raw = (request.args.get("month") or "").strip()
    if raw:
        try:
            year, month = (int(x) for x in raw.split("-"))
            dt.date(year, month, 1)
            return year, month
        except ValueError:
            flash(gettext("Enter the month as YYYY-MM."), "danger")
    today = clock.today()
    return today.year, today.month


class VisitDeskView(BaseView):
    """The quota panel, the monthly summary for the manager, and the signature images."""

    route_base = "/visits"
    class_permission_name = P.VISIT
    method_permission_name = {"quota": "read", "summary": "read", "summary_pdf": "read", "signature": "read"}
    default_view = "quota"

    @expose("/quota")
    @has_access
    def quota(self):
        estate_id = _estate_id()
        panel = services.quota_panel(estate_id, clock.today())
        return self.render_template(
            "visits/quota.html", panel=panel, kinds=rules.KINDS, periods=rules.PERIODS,
            estates=current_estates(), estate_id=estate_id,
            can_write=current_app.appbuilder.sm.has_access(P.WRITE, P.VISIT),
            can_set=current_app.appbuilder.sm.has_access(P.WRITE, P.VISIT_QUOTA),
            title=gettext("Visit quotas this week and this month"))

    @expose("/summary")
    @has_access
    def summary(self):
        estate_id = _estate_id()
        year, month = _month()
        s = services.monthly_summary(estate_id, year, month, clock.today())
        return self.render_template(
            "visits/summary.html", s=s, kinds=rules.KINDS, periods=rules.PERIODS, verdicts=rules.VERDICTS,
            estates=current_estates(),
            estate_id=estate_id, month=f"{year:04d}-{month:02d}", title=gettext("Monthly visit summary"))

    @expose("/summary.pdf")
    @has_access
    def summary_pdf(self):
        from reports.visit_summary import visit_summary_pdf

        estate_id = _estate_id()
        year, month = _month()
        from app import select_locale

        lang = select_locale()  # the page's language (?lang=en for one print)
        pdf = visit_summary_pdf(estate_id, year, month, lang=lang, printed_on=clock.today())
        return pdf_response(pdf, f"visits-{year:04d}-{month:02d}.pdf")

    @expose("/signature/<int:visit_id>")
    @has_access
    def signature(self, visit_id):
        try:
            data, mime = services.signature_of(visit_id, current_estate_ids())
        except DomainError:
            abort(404)
        resp = make_response(data)
        resp.headers["Content-Type"] = mime
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "private, no-store"
        return resp
