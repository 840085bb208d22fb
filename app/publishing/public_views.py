"""The published pages (公示): fee schedule and service contents, the service price lists,
notices — readable without logging in (the Public role), on a phone too. Nothing personal:
no owner names, rooms or debts."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select

from app.core.responses import pdf_response
from app.estate.models import Estate
from app.extensions import db
from app.fees import rules as fee_rules
from app.fees import services as fee_services
from app.estate.rules import PROPERTY_TYPES
from app.publishing import posters, rules, services
from app.security import permissions as P


def _estate() -> Estate:
    """?estate=<id>, or the only/first estate: a QR code on a board links with its estate id."""
    estate_id = request.args.get("estate", type=int)
    if estate_id is not None:
        estate = db.session.get(Estate, estate_id)
    else:
        estate = db.session.scalar(select(Estate).order_by(Estate.id).limit(1))
    if estate is None:
        abort(404)
    return estate


class PublicView(BaseView):
    route_base = "/public"
    class_permission_name = P.PUBLIC_PAGES
    method_permission_name = {"fees": "read", "services": "read", "notices": "read", "notice": "read",
                              "fees_pdf": "read", "services_pdf": "read", "notice_pdf": "read"}
    default_view = "fees"

    def _render(self, template, **kwargs):
        return self.render_template(template, estate=kwargs.pop("estate"), **kwargs)

    @expose("/fees")
    @has_access
    def fees(self):
        estate = _estate()
        schedule = fee_services.schedule_in_force(estate.id, _today())
        versions = fee_services.published_versions(estate.id)
        rates, contents, posted, late = [], {}, None, []
        if schedule is not None:
            rates = posters.rate_groups(schedule)
            late = posters.late_fee_rules(schedule, _lang())
            contents = posters.contents_by_area(schedule)
            posted = services.last_posting(estate.id, "fee_schedule", schedule.id)
        return self._render("public/fees.html", estate=estate, schedule=schedule, versions=versions, rates=rates,
                            contents=contents, areas=fee_rules.SERVICE_AREAS, types=PROPERTY_TYPES,
                            posted=posted, late_fee_rules=late, page="fees")

    @expose("/fees.pdf")
    @has_access
    def fees_pdf(self):
        estate = _estate()
        schedule = fee_services.schedule_in_force(estate.id, _today())
        if schedule is None:
            abort(404)
        posted = services.last_posting(estate.id, "fee_schedule", schedule.id)
        day = posted.posted_at.date() if posted else _today()
        url = url_for("PublicView.fees", estate=estate.id, _external=True)
        return _poster(estate, posters.fee_schedule_poster(schedule, _lang()), url, day, "fees.pdf")

    @expose("/services.pdf")
    @has_access
    def services_pdf(self):
        estate = _estate()
        content = posters.service_price_poster(services.active_prices(estate.id), _lang())
        if not content.sections:
            abort(404)
        url = url_for("PublicView.services", estate=estate.id, _external=True)
        return _poster(estate, content, url, _today(), "services.pdf")

    @expose("/notices/<int:notice_id>.pdf")
    @has_access
    def notice_pdf(self, notice_id):
        estate = _estate()
        notice = services.public_notice(estate.id, notice_id)
        if notice is None:
            abort(404)
        content = posters.notice_poster(notice, services.disclosure_totals(notice), _lang())
        url = url_for("PublicView.notice", notice_id=notice.id, estate=estate.id, _external=True)
        return _poster(estate, content, url, notice.published_at.date(), f"notice-{notice.id}.pdf")

    @expose("/services")
    @has_access
    def services(self):
        estate = _estate()
        prices = services.active_prices(estate.id)
        groups = {kind: [p for p in prices if p.kind == kind] for kind in fee_rules.PRICE_KINDS}
        return self._render("public/services.html", estate=estate, groups=groups, kinds=fee_rules.PRICE_KINDS,
                            page="services")

    @expose("/notices")
    @has_access
    def notices(self):
        estate = _estate()
        return self._render("public/notices.html", estate=estate, notices=services.public_notices(estate.id),
                            kinds=rules.NOTICE_KINDS, page="notices")

    @expose("/notices/<int:notice_id>")
    @has_access
    def notice(self, notice_id):
        estate = _estate()
        notice = services.public_notice(estate.id, notice_id)
        if notice is None:
            abort(404)
        return self._render("public/notice.html", estate=estate, notice=notice, kinds=rules.NOTICE_KINDS,
                            totals=services.disclosure_totals(notice), page="notices",
                            paragraphs_of=rules.notice_paragraphs)


def _poster(estate, content, url: str, posted_on, filename: str):
    from reports.poster import poster_pdf

    pdf = poster_pdf(estate, content.title, content.subtitle, content.sections, url, posted_on, _lang())
    return pdf_response(pdf, filename, no_store=False)


def _lang() -> str:
    from app import select_locale

    return select_locale()


def _today():
    from app.core import clock

    return clock.today()
