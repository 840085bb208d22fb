"""The staff home page: quick search and the day's figures for the user's estates."""
from flask import current_app, g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from app.extensions import db
from app.core.views import current_estates


class DashboardIndexView(IndexView):
    index_template = "staff/index.html"

    @expose("/")
    def index(self):
        if not g.user or not g.user.is_authenticated:
            return redirect(url_for("AuthDBView.login"))
        from app.estate.models import Unit
        from app.owners.models import Owner

        ids = current_app.appbuilder.sm.current_estate_ids()
        estates = current_estates()
        units = dict(
            db.session.execute(
                select(Unit.status, func.count()).where(Unit.estate_id.in_(ids)).group_by(Unit.status)
            ).all()
        )
        owners = db.session.scalar(select(func.count()).select_from(Owner).where(Owner.estate_id.in_(ids)))
        # 对账 every three days: warn those who can read reconciliations when one is overdue
        reconciliation_overdue = []
        from app.security import permissions as P

        if current_app.appbuilder.sm.has_access(P.READ, P.RECONCILIATION):
            from app.cashdesk.reconciliation import reconciliation_overdue as overdue
            from app.core import clock

            for estate in estates:
                late, last = overdue(estate.id, clock.today())
                if late:
                    reconciliation_overdue.append((estate.name, last))
        # an outage in progress: what to tell the callers (停水停电通知)
        from app.core import clock as _clock
        from app.publishing.services import current_outages

        outages = current_outages(ids, _clock.now())
        # late work orders and escalated complaints (客服服务), for those who may read them
        from app.servicedesk.services import dashboard_panel

        service_desk = dashboard_panel(current_app.appbuilder.sm, ids, _clock.now())
        # what the desk took today (收款), for those who read receipts
        takings = None
        if current_app.appbuilder.sm.has_access(P.READ, P.RECEIPT):
            from app.cashdesk.services import takings_on

            takings = takings_on(ids, _clock.today())
        return self.render_template(
            self.index_template,
            outages=outages,
            service_desk=service_desk,
            appbuilder=self.appbuilder,
            estates=estates,
            unit_counts=units,
            unit_total=sum(units.values()),
            owner_total=owners,
            reconciliation_overdue=reconciliation_overdue,
            takings=takings,
        )
