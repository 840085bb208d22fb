"""The record page that work orders and complaints share: the show page with its step forms,
step log and callbacks, the step POST and the callback POST. Both registers run the same
process (received → sent to a department → done → called back → closed), so one piece serves
both; what really differs stays in each view: its service call, the extra context of its page
(departments and workers for a work order, escalation and the 联系单 for a complaint), the state
in which the owner is called back, and what a record gone out of scope does."""
from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError, NotFound
from app.extensions import db
from app.security import permissions as P
from app.servicedesk.models import Callback


class StepFormsMixin:
    """Mixed in before StaffModelView: ``class WorkOrderModelView(StepFormsMixin, StaffModelView)``.
    The view sets the attributes below and implements step_actions / run_step (step_context if its
    page needs more); the routes /transition and /callback come from here, the record page is
    StaffModelView's own show with the step context added."""

    action_labels: dict = {}  # rules.WO_ACTIONS / rules.COMPLAINT_ACTIONS: buttons, flashes, step log
    callback_state: str = ""  # the state in which the callback form shows
    callback_key: str = ""  # the Callback column pointing at this register's record
    # a NotFound from the service: back to the list (the record left the user's scope) instead
    # of a message on the record page
    missing_to_list: bool = False

    def step_actions(self, item) -> list[str]:
        """The steps the rules allow on ``item`` for this user (permission not checked here)."""
        raise NotImplementedError

    def run_step(self, pk: int, action: str) -> None:
        """Call the service for ``action`` with the posted form; raises DomainError."""
        raise NotImplementedError

    def step_context(self, item) -> dict:
        """What else this register's record page shows."""
        return {}

    def locked_reason(self, item):  # a closed record is not changed (intake.check_contact_edit)
        return _l("This record is closed: nothing more can be done with it.") if item.state == "closed" else None

    def can_step(self) -> bool:
        return current_app.appbuilder.sm.has_access(P.WRITE, self.class_permission_name)

    def steps_of(self, item) -> list[str]:
        return self.step_actions(item) if self.can_step() else []

    def render_template(self, template, **kwargs):
        # StaffModelView.show renders the record page; its step forms need more than the record
        item = kwargs.get("item")
        if template == self.show_template and item is not None:
            kwargs.update(self.step_page(item))
        return super().render_template(template, **kwargs)

    def step_page(self, item) -> dict:
        return dict(
            actions=self.steps_of(item), action_labels=self.action_labels,
            read_back=self.read_back(item) if hasattr(self, "read_back") else None,
            can_callback=(current_app.appbuilder.sm.has_access(P.WRITE, P.CALLBACK)
                          and item.state == self.callback_state),
            callbacks=db.session.query(Callback).filter_by(**{self.callback_key: item.id}).order_by(Callback.id).all(),
            **self.step_context(item))

    def post_step(self, pk: int, run, done: str):
        """Run a posted step of the record page: ``done`` flashed on success, a refusal flashed
        and rolled back; back to the record page."""
        self._scoped_or_404(pk)
        try:
            run()
        except DomainError as err:
            db.session.rollback()
            if self.missing_to_list and isinstance(err, NotFound):
                return redirect(url_for(".list"))
            flash(str(err), "danger")
        else:
            flash(done, "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/transition/<int:pk>/<action>", methods=["POST"])
    @has_access
    def transition(self, pk, action):
        return self.post_step(pk, lambda: self.run_step(pk, action),
                              gettext("Done: %(action)s.", action=self.action_labels.get(action, action)))

    @expose("/callback/<int:pk>", methods=["POST"])
    @has_access
    def callback(self, pk):
        from app.servicedesk.desk_views import post_callback

        self._scoped_or_404(pk)
        return post_callback(url_for(".show", pk=pk), **{self.callback_key: pk})
