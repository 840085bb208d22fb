"""Staff side of publishing: notices (draft → published → withdrawn), the posting log, the
income and expense disclosure, and the photos of posted sheets."""
from __future__ import annotations

import datetime as dt
import os

from flask import abort, current_app, flash, redirect, request, send_from_directory, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.money import fmt
from app.core.views import StaffModelView, current_estates
from app.exceptions import DomainError
from app.extensions import db
from app.publishing import rules, services
from app.publishing.models import Notice, Posting
from app.security import permissions as P

LABELS = {
    "estate": _l("Estate"), "kind": _l("Kind"), "title": _l("Title"), "body": _l("Text"),
    "status": _l("Status"), "starts_at": _l("Starts"), "ends_at": _l("Ends"),
    "caller_script": _l("What to tell callers"), "period_from": _l("Period from"), "period_to": _l("Period to"),
    "published_at": _l("Published at"), "published_by": _l("Published by"), "withdrawn_at": _l("Withdrawn at"),
    "withdrawn_by": _l("Withdrawn by"), "withdraw_reason": _l("Reason for withdrawal"),
    "subject": _l("What was posted"), "notice": _l("Notice"), "schedule": _l("Fee schedule"),
    "board": _l("Where"), "posted_at": _l("Posted at"), "posted_by": _l("Posted by"), "photo": _l("Photo"),
    "notes": _l("Notes"),
}


class NoticeModelView(StaffModelView):
    datamodel = SQLAInterface(Notice)
    class_permission_name = P.NOTICE
    method_permission_name = {**StaffModelView.method_permission_name, "publish": "publish", "withdraw": "publish"}
    list_title = _l("Notices")
    show_title = add_title = edit_title = _l("Notice")
    label_columns = LABELS
    list_columns = ["kind", "title", "status", "published_at", "starts_at", "ends_at"]
    add_columns = edit_columns = ["estate", "kind", "title", "body", "starts_at", "ends_at", "caller_script"]
    show_columns = ["estate", "kind", "title", "body", "status", "starts_at", "ends_at", "caller_script",
                    "period_from", "period_to", "published_at", "published_by", "withdrawn_at", "withdrawn_by",
                    "withdraw_reason"]
    search_columns = ["kind", "status", "title"]
    base_order = ("id", "desc")
    choice_fields = {"kind": rules.NOTICE_KINDS, "status": rules.NOTICE_STATUSES}
    description_columns = {
        "body": _l("Plain text; an empty line starts a new paragraph"),
        "caller_script": _l("For outage notices: shown on the staff home page while the outage lasts"),
    }
    service_check = staticmethod(services.check_notice)
    show_template = "publishing/notice_show.html"

    def locked_reason(self, item):  # only drafts change (services.check_notice)
        if item.status != "draft":
            return _l("A published or withdrawn notice cannot be changed: withdraw it and publish a new one.")
        return None

    def record_buttons(self, item):
        sm = current_app.appbuilder.sm
        buttons = []
        if item.status == "published":
            buttons.append(dict(label=gettext("Public page"), url=url_for("PublicView.notice", notice_id=item.id, estate=item.estate_id),
                                icon="fa-globe", style="default", target="_blank"))
        if sm.has_access(P.PUBLISH, P.NOTICE):
            if item.status == "draft":
                buttons.append(dict(label=gettext("Publish"), url=url_for(".publish", pk=item.id), method="post",
                                    style="success", icon="fa-bullhorn",
                                    confirm=gettext("Publish this notice? It cannot be changed afterwards.")))
            if item.status == "published":
                buttons.append(dict(label=gettext("Withdraw"), url=url_for(".withdraw", pk=item.id), method="post",
                                    style="warning", icon="fa-undo",
                                    confirm=gettext("Withdraw this notice from the public pages?")))
        return buttons

    @expose("/publish/<int:pk>", methods=["POST"])
    @has_access
    def publish(self, pk):
        self._scoped_or_404(pk)
        return self._move(lambda: services.publish_notice(pk, current_app.appbuilder.sm.current_user, clock.now()),
                          gettext("The notice is published."), pk)

    @expose("/withdraw/<int:pk>", methods=["POST"])
    @has_access
    def withdraw(self, pk):
        self._scoped_or_404(pk)
        return self._move(lambda: services.withdraw_notice(pk, current_app.appbuilder.sm.current_user, clock.now(),
                                                           request.form.get("reason")),
                          gettext("The notice is withdrawn."), pk)

    def _move(self, action, message, pk):
        try:
            action()
            flash(message, "success")
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for(".show", pk=pk))


class PostingModelView(StaffModelView):
    datamodel = SQLAInterface(Posting)
    class_permission_name = P.POSTING
    list_title = _l("Posting log")
    show_title = add_title = edit_title = _l("Posting")
    label_columns = LABELS
    list_columns = ["subject", "notice", "schedule", "board", "posted_at", "posted_by"]
    add_columns = edit_columns = ["estate", "subject", "notice", "schedule", "board", "posted_at", "photo", "notes"]
    show_columns = ["estate", "subject", "notice", "schedule", "board", "posted_at", "posted_by", "photo", "notes"]
    search_columns = ["subject", "board", "posted_at"]
    base_order = ("posted_at", "desc")
    choice_fields = {"subject": rules.SUBJECTS}
    service_check = staticmethod(services.check_posting)

    def pre_add(self, item):
        item.posted_by_id = getattr(current_app.appbuilder.sm.current_user, "id", None)
        super().pre_add(item)


class DisclosureView(BaseView):
    """收支情况公布: income from the fee ledger, expenses typed in → a draft notice."""

    route_base = "/disclosure"
    class_permission_name = P.NOTICE
    method_permission_name = {"new": "write"}
    default_view = "new"

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        estates = current_estates()
        error = None
        today = clock.today()
        form = request.form
        if request.method == "POST":
            estate_id = form.get("estate", type=int)
            if estate_id not in [e.id for e in estates]:
                abort(400)
            try:
                date_from = dt.date.fromisoformat(form.get("period_from", ""))
                date_to = dt.date.fromisoformat(form.get("period_to", ""))
            except ValueError:
                error = gettext("Enter the period as dates, e.g. 2026-01-01 and 2026-06-30.")
            else:
                expenses = list(zip(form.getlist("expense_item"), form.getlist("expense_amount")))
                try:
                    notice = services.create_disclosure(estate_id, date_from, date_to, expenses, form.get("title", ""),
                                                        current_app.appbuilder.sm.current_user, clock.now())
                except DomainError as err:
                    db.session.rollback()
                    error = str(err)
                else:
                    flash(gettext("The disclosure is drafted: check it, then publish it."), "success")
                    return redirect(url_for("NoticeModelView.show", pk=notice.id))
        return self.render_template("publishing/disclosure_new.html", estates=estates, error=error, form=form,
                                    default_from=today.replace(month=1, day=1), default_to=today,
                                    title=gettext("Income and expense disclosure"))


class UploadView(BaseView):
    """Photos of posted sheets: staff only."""

    route_base = "/uploads"
    class_permission_name = P.POSTING
    method_permission_name = {"file": "read"}

    @expose("/<path:name>")
    @has_access
    def file(self, name):
        folder = current_app.config["IMG_UPLOAD_FOLDER"]
        if os.path.sep in name.strip(os.path.sep) and ".." in name:
            abort(404)
        return send_from_directory(folder, name)


__all__ = ["DisclosureView", "NoticeModelView", "PostingModelView", "UploadView", "fmt"]
