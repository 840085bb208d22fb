"""The staff home page: quick search and the day's figures for the user's estates."""
from flask import current_app, g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from app.extensions import db


class DashboardIndexView(IndexView):
    index_template = "staff/index.html"

    @expose("/")
    def index(self):
        if not g.user or not g.user.is_authenticated:
            return redirect(url_for("AuthDBView.login"))
        from app.estate.models import Estate, Unit
        from app.owners.models import Owner

        ids = current_app.appbuilder.sm.current_estate_ids()
        estates = db.session.scalars(select(Estate).where(Estate.id.in_(ids)).order_by(Estate.name)).all()
        units = dict(
            db.session.execute(
                select(Unit.status, func.count()).where(Unit.estate_id.in_(ids)).group_by(Unit.status)
            ).all()
        )
        owners = db.session.scalar(select(func.count()).select_from(Owner).where(Owner.estate_id.in_(ids)))
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            estates=estates,
            unit_counts=units,
            unit_total=sum(units.values()),
            owner_total=owners,
        )
