"""The published pages (公示): fee schedule and service contents, the service price lists,
notices — readable without logging in (the Public role), on a phone too. Nothing personal:
no owner names, rooms or debts."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select

from app.core.responses import pdf_response
from app.estate.models import Estate
from app.extensions import db
from app.fees import rules as fee_rules
from app.fees import services as fee_services
from app.fees.models import ServicePrice
from app.estate.rules import PROPERTY_TYPES
from app.publishing import rules, services
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
        rates, contents, posted = [], {}, None
        if schedule is not None:
            items = {}
            for r in sorted(schedule.rates, key=lambda r: (r.fee_item.sort_order, r.fee_item_id)):
                row = items.setdefault(r.fee_item_id, {"item": r.fee_item, "rates": []})
                row["rates"].append((r.property_type, fee_rules.fmt_rate(r.rate)))
            rates = list(items.values())
            for c in schedule.contents:
                contents.setdefault(c.area, []).append(c.content)
            posted = services.last_posting(estate.id, "fee_schedule", schedule.id)
        return self._render("public/fees.html", estate=estate, schedule=schedule, versions=versions, rates=rates,
                            contents=contents, areas=fee_rules.SERVICE_AREAS, types=PROPERTY_TYPES,
                            posted=posted, page="fees")

    @expose("/fees.pdf")
    @has_access
    def fees_pdf(self):
        from reports.poster import PosterSection, PosterTable, poster_pdf

        estate = _estate()
        schedule = fee_services.schedule_in_force(estate.id, _today())
        if schedule is None:
            abort(404)
        rows = []
        for r in sorted(schedule.rates, key=lambda r: (r.fee_item.sort_order, r.fee_item_id, r.property_type)):
            applies = gettext("All property types") if r.property_type == "all" else str(PROPERTY_TYPES.get(r.property_type))
            rows.append([r.fee_item.name, applies, fee_rules.fmt_rate(r.rate), r.fee_item.unit_label])
        sections = [PosterSection(gettext("Fee rates"), table=PosterTable(
            [gettext("Fee item"), gettext("Applies to"), gettext("Rate"), gettext("Unit of charge")], rows, numeric=[2]))]
        by_area: dict[str, list[str]] = {}
        for c in schedule.contents:
            by_area.setdefault(c.area, []).append(c.content)
        for area, label in fee_rules.SERVICE_AREAS.items():
            if area in by_area:
                sections.append(PosterSection(str(label), bullets=by_area[area]))
        subtitle = "\n".join(filter(None, [
            gettext("In force from %(day)s", day=schedule.effective_from.isoformat()),
            schedule.pricing_basis and f"{gettext('Basis')}：{schedule.pricing_basis}",
            schedule.service_grade and f"{gettext('Service grade')}：{schedule.service_grade}",
        ]))
        posted = services.last_posting(estate.id, "fee_schedule", schedule.id)
        day = posted.posted_at.date() if posted else _today()
        url = url_for("PublicView.fees", estate=estate.id, _external=True)
        return pdf_response(poster_pdf(estate, schedule.title, subtitle, sections, url, day, _lang()), "fees.pdf",
                            no_store=False)

    @expose("/services.pdf")
    @has_access
    def services_pdf(self):
        from reports.poster import PosterSection, PosterTable, poster_pdf

        estate = _estate()
        prices = db.session.scalars(select(ServicePrice).where(
            ServicePrice.estate_id == estate.id, ServicePrice.active.is_(True)
        ).order_by(ServicePrice.kind, ServicePrice.sort_order, ServicePrice.id)).all()
        sections = []
        for kind, label in fee_rules.PRICE_KINDS.items():
            rows = [[p.name, p.unit_label, gettext("Free") if p.price == 0 else f"{p.price:.2f}", p.notes or ""]
                    for p in prices if p.kind == kind]
            if rows:
                sections.append(PosterSection(str(label), table=PosterTable(
                    [gettext("Service"), gettext("Unit"), gettext("Price (yuan)"), gettext("Notes")], rows, numeric=[2])))
        if not sections:
            abort(404)
        url = url_for("PublicView.services", estate=estate.id, _external=True)
        return pdf_response(poster_pdf(estate, gettext("Special, agency and business services"),
                                       gettext("Services beyond the property service contract, on request, at "
                                               "these prices."),
                                       sections, url, _today(), _lang()), "services.pdf", no_store=False)

    @expose("/notices/<int:notice_id>.pdf")
    @has_access
    def notice_pdf(self, notice_id):
        from reports.poster import PosterSection, PosterTable, poster_pdf

        estate = _estate()
        notice = services.public_notice(estate.id, notice_id)
        if notice is None:
            abort(404)
        paragraphs = [p.strip() for p in notice.body.split("\n\n") if p.strip()]
        sections = [PosterSection("", paragraphs=paragraphs)]
        if notice.lines:
            totals = services.disclosure_totals(notice)
            for heading, lines, total in ((gettext("Income"), totals.income, totals.income_total),
                                          (gettext("Expenses"), totals.expenses, totals.expense_total)):
                if lines:
                    rows = [[item, f"{amount:,.2f}"] for item, amount in lines] + [[gettext("Total"), f"{total:,.2f}"]]
                    sections.append(PosterSection(heading, table=PosterTable(
                        [gettext("Item"), gettext("Amount (yuan)")], rows, numeric=[1])))
            sections.append(PosterSection("", paragraphs=[
                f"{gettext('Balance')}：¥{totals.income_total - totals.expense_total:,.2f}"]))
        subtitle = ""
        if notice.kind == "outage" and notice.starts_at:
            subtitle = gettext("From %(a)s to %(b)s", a=notice.starts_at.strftime("%Y-%m-%d %H:%M"),
                               b=notice.ends_at.strftime("%Y-%m-%d %H:%M"))
        if notice.kind == "disclosure" and notice.period_from:
            subtitle = gettext("Period: %(a)s to %(b)s", a=notice.period_from.isoformat(), b=notice.period_to.isoformat())
        url = url_for("PublicView.notice", notice_id=notice.id, estate=estate.id, _external=True)
        pdf = poster_pdf(estate, notice.title, subtitle, sections, url, notice.published_at.date(), _lang())
        return pdf_response(pdf, f"notice-{notice.id}.pdf", no_store=False)

    @expose("/services")
    @has_access
    def services(self):
        estate = _estate()
        prices = db.session.scalars(select(ServicePrice).where(
            ServicePrice.estate_id == estate.id, ServicePrice.active.is_(True)
        ).order_by(ServicePrice.kind, ServicePrice.sort_order, ServicePrice.id)).all()
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
                            totals=services.disclosure_totals(notice), page="notices")


def _lang() -> str:
    from app import select_locale

    return select_locale()


def _today():
    from app.core import clock

    return clock.today()
