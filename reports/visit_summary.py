"""走访月度汇总: the monthly visit summary for the manager (A4 portrait).

    doc = build_visit_summary(estate_id, 2026, 11, printed_on)   # VisitSummaryDoc
    pdf = visit_summary_pdf(estate_id, 2026, 11, lang="zh_CN", printed_on=...)

The figures are app.visits.services.monthly_summary's, the same as the summary page: counts by
kind, staff and building, each quota met or not, the opinions and requests raised, the
follow-ups still open.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reports.common import Letterhead, letterhead_of
from reports.rendering import DEFAULT_LANG, render_pdf

TEMPLATE = "visit_summary.html"


@dataclass
class SummaryRow:
    name: str
    counts: list[int]  # per kind, in KIND_ORDER
    visits: int


@dataclass
class QuotaRow:
    kind: str
    start: dt.date
    end: dt.date
    target: int
    done: int
    met: bool
    verdict: str  # app.visits.rules.QuotaLine.verdict: met / missed / open / future


@dataclass
class NoteRow:
    day: dt.date
    unit_code: str
    kind: str
    staff: str
    opinions: str
    requests: str
    follow_up: str


@dataclass
class VisitSummaryDoc:
    letterhead: Letterhead
    month: str  # 2026-11
    start: dt.date
    end: dt.date
    printed_on: dt.date
    kinds: list[str]
    visits: int
    households: int
    signed: int
    by_kind: list[tuple[str, int, int]] = field(default_factory=list)  # kind, visits, households
    staff_rows: list[SummaryRow] = field(default_factory=list)
    building_rows: list[SummaryRow] = field(default_factory=list)
    quotas: list[QuotaRow] = field(default_factory=list)
    opinions: list[NoteRow] = field(default_factory=list)
    open_follow_ups: list[NoteRow] = field(default_factory=list)


def _rows(rows, kinds) -> list[SummaryRow]:
    return [SummaryRow(r.name, [r.by_kind.get(k, 0) for k in kinds], r.visits) for r in rows]


def _notes(rows) -> list[NoteRow]:
    return [NoteRow(o.day, o.unit_code, o.kind, o.staff, o.opinions, o.requests, o.follow_up) for o in rows]


def build_visit_summary(estate_id: int, year: int, month: int, printed_on: dt.date) -> VisitSummaryDoc:
    from app.estate.models import Estate
    from app.extensions import db
    from app.visits import rules
    from app.visits.services import monthly_summary

    s = monthly_summary(estate_id, year, month, printed_on)
    kinds = list(rules.KINDS)
    return VisitSummaryDoc(
        letterhead=letterhead_of(db.session.get(Estate, estate_id)), month=f"{year:04d}-{month:02d}",
        start=s.start, end=s.end, printed_on=printed_on, kinds=kinds, visits=s.visits, households=s.households,
        signed=s.signed, by_kind=[(k, *s.by_kind[k]) for k in kinds],
        staff_rows=_rows(s.staff_rows, kinds), building_rows=_rows(s.building_rows, kinds),
        quotas=[QuotaRow(q.kind, q.start, q.end, q.target, q.done, q.met, v) for q, v in s.quota_verdicts],
        opinions=_notes(s.opinions), open_follow_ups=_notes(s.open_follow_ups))


def render_visit_summary(doc: VisitSummaryDoc, lang: str = DEFAULT_LANG) -> bytes:
    return render_pdf(TEMPLATE, {"doc": doc}, lang)


def visit_summary_pdf(estate_id: int, year: int, month: int, *, lang: str = DEFAULT_LANG,
                      printed_on: dt.date) -> bytes:
    return render_visit_summary(build_visit_summary(estate_id, year, month, printed_on), lang)
