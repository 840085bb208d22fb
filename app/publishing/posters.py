"""What goes on the bulletin-board posters (公示): title, subtitle and sections of the fee
schedule, the service price lists and a notice, built from the records the views fetch.
No DB work and no request here: tests call these directly, the views only fetch and respond.
The rates are grouped the way the public fee page shows them (one fee item, its rates in the
order of PROPERTY_TYPES), so the poster and the page never disagree."""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import force_locale, gettext

from app.estate.rules import PROPERTY_TYPES
from app.fees import rules as fee_rules
from app.publishing.rules import notice_paragraphs
from reports.poster import PosterSection, PosterTable

_TYPE_ORDER = {fee_rules.ALL_TYPES: -1, **{code: n for n, code in enumerate(PROPERTY_TYPES)}}


class PosterContent(NamedTuple):
    title: str
    subtitle: str
    sections: list[PosterSection]


# --- the fee schedule (shared with the public fee page) ----------------------------------------
def rate_groups(schedule) -> list[dict]:
    """[{"item": FeeItem, "rates": [(property_type, "1.20"), ...]}]: items in their sort order,
    a rate for all property types first, then the types in the order of PROPERTY_TYPES."""
    items: dict[int, dict] = {}
    for r in sorted(schedule.rates, key=lambda r: (r.fee_item.sort_order, r.fee_item_id,
                                                   _TYPE_ORDER.get(r.property_type, len(_TYPE_ORDER)))):
        items.setdefault(r.fee_item_id, {"item": r.fee_item, "rates": []})["rates"].append(
            (r.property_type, fee_rules.fmt_rate(r.rate)))
    return list(items.values())


def contents_by_area(schedule) -> dict[str, list[str]]:
    """The service contents, area by area in the order of SERVICE_AREAS (unknown areas last)."""
    by_area: dict[str, list[str]] = {}
    for c in schedule.contents:
        by_area.setdefault(c.area, []).append(c.content)
    order = list(fee_rules.SERVICE_AREAS)
    return dict(sorted(by_area.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


_ZH_DIGITS = "零一二三四五六七八九"


def fmt_daily_rate(rate, lang: str) -> str:
    """A daily late-fee rate as owners read it: 万分之三 in Chinese, 0.03% in English."""
    per_10k = rate * 10000
    if lang.startswith("zh") and per_10k == per_10k.to_integral_value() and 1 <= per_10k <= 9:
        return "万分之" + _ZH_DIGITS[int(per_10k)]
    percent = f"{rate * 100:f}".rstrip("0").rstrip(".")
    return f"{percent}%"


def late_fee_rules(schedule, lang: str) -> list[str]:
    """One sentence per fee item of the schedule that carries a late fee, in the items' order;
    none when the estate has late fees switched off (the office charges none)."""
    estate = getattr(schedule, "estate", None)
    if estate is not None and not estate.late_fees_enabled:
        return []
    with force_locale(lang):
        out = []
        for group in rate_groups(schedule):
            item = group["item"]
            if not item.late_fee_daily_rate or item.late_fee_daily_rate <= 0:
                continue
            rate = fmt_daily_rate(item.late_fee_daily_rate, lang)
            if item.late_fee_grace_days:
                out.append(gettext("%(item)s: if it is not paid by the due date, a late fee of %(rate)s of the "
                                   "amount unpaid is added for each day after %(days)s days' grace.",
                                   item=item.name, rate=rate, days=item.late_fee_grace_days))
            else:
                out.append(gettext("%(item)s: if it is not paid by the due date, a late fee of %(rate)s of the "
                                   "amount unpaid is added for each day overdue.", item=item.name, rate=rate))
        return out


def _type_label(code: str) -> str:
    if code == fee_rules.ALL_TYPES:
        return gettext("All property types")
    return str(PROPERTY_TYPES.get(code, code))


def fee_schedule_poster(schedule, lang: str) -> PosterContent:
    """The fee schedule in force: its rates (one merged cell per fee item) and, in one table,
    what the property service fee buys, area by area."""
    with force_locale(lang):
        rows = [[group["item"].name, _type_label(ptype), rate, group["item"].unit_label]
                for group in rate_groups(schedule) for ptype, rate in group["rates"]]
        # the late-fee rule closes the rate table: one line, so the demo schedule stays one page
        sections = [PosterSection(gettext("Fee rates"), table=PosterTable(
            [gettext("Fee item"), gettext("Applies to"), gettext("Rate"), gettext("Unit of charge")], rows,
            numeric=[2], widths=["26%", "28%", "18%", "28%"], group_first=True),
            summary=" ".join(late_fee_rules(schedule, lang)))]
        contents = contents_by_area(schedule)
        if contents:
            labels = fee_rules.SERVICE_AREAS
            rows = [[str(labels.get(area, area)), line] for area, lines in contents.items() for line in lines]
            sections.append(PosterSection(gettext("What the property service fee buys"), table=PosterTable(
                [gettext("Service"), gettext("Service contents")], rows, widths=["18%", "82%"], group_first=True)))
        first = " · ".join(filter(None, [
            gettext("In force from %(day)s", day=schedule.effective_from.isoformat()),
            schedule.service_grade and f"{gettext('Service grade')}{_colon(lang)}{schedule.service_grade}",
        ]))
        basis = schedule.pricing_basis and f"{gettext('Basis')}{_colon(lang)}{schedule.pricing_basis}"
        return PosterContent(schedule.title, "\n".join(filter(None, [first, basis])), sections)


# --- the special, agency and business services ---------------------------------------------------
def service_price_poster(prices, lang: str) -> PosterContent:
    """One table per kind of service (特约 / 代办 / 商务) that has prices; no sections when none."""
    with force_locale(lang):
        sections = []
        for kind, label in fee_rules.PRICE_KINDS.items():
            rows = [[p.name, p.unit_label, gettext("Free") if p.price == 0 else f"{p.price:.2f}", p.notes or ""]
                    for p in prices if p.kind == kind]
            if rows:
                sections.append(PosterSection(str(label), table=PosterTable(
                    [gettext("Service"), gettext("Unit of charge"), gettext("Price (yuan)"), gettext("Notes")], rows,
                    numeric=[2], widths=["34%", "16%", "16%", "34%"])))
        return PosterContent(gettext("Special, agency and business services"),
                             gettext("Services beyond the property service contract, on request, at these prices."),
                             sections)


# --- a notice ----------------------------------------------------------------------------------
def notice_poster(notice, totals, lang: str) -> PosterContent:
    """A notice: its paragraphs (blank lines part them), the salutation flush left; a
    disclosure adds its income and expense tables and the balance."""
    with force_locale(lang):
        salutation, paragraphs = notice_paragraphs(notice.body)
        sections = [PosterSection("", paragraphs=paragraphs, salutation=salutation)]
        if notice.lines:
            for heading, lines, total in ((gettext("Income"), totals.income, totals.income_total),
                                          (gettext("Expenses"), totals.expenses, totals.expense_total)):
                if lines:
                    rows = [[item, f"{amount:,.2f}"] for item, amount in lines] + [[gettext("Total"), f"{total:,.2f}"]]
                    sections.append(PosterSection(heading, table=PosterTable(
                        [gettext("Item"), gettext("Amount (yuan)")], rows, numeric=[1], widths=["70%", "30%"],
                        total_last=True)))
            balance = totals.income_total - totals.expense_total
            amount = f"-¥{-balance:,.2f}" if balance < 0 else f"¥{balance:,.2f}"
            sections.append(PosterSection("", summary=f"{gettext('Balance')}{_colon(lang)}{amount}"))
        subtitle = ""
        if notice.kind == "outage" and notice.starts_at:
            subtitle = gettext("From %(a)s to %(b)s", a=notice.starts_at.strftime("%Y-%m-%d %H:%M"),
                               b=notice.ends_at.strftime("%Y-%m-%d %H:%M"))
        if notice.kind == "disclosure" and notice.period_from:
            subtitle = gettext("Period: %(a)s to %(b)s", a=notice.period_from.isoformat(),
                               b=notice.period_to.isoformat())
        return PosterContent(notice.title, subtitle, sections)


def _colon(lang: str) -> str:
    return ": " if lang == "en" else "："
