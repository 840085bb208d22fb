"""Owner visits: recording (with the signature), the quota panel, the monthly summary.

Every writing function takes an explicit ``actor`` and ``now`` and owns its transaction; bad
input raises DomainError before anything is written. Reading functions take ``today`` /
the month, never the clock.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.audit import acting_as
from app.estate import services as estate_services
from app.estate.models import Building, Unit
from app.exceptions import DomainError, NotFound
from app.extensions import committed, db
from app.owners.models import Occupancy, Owner
from app.visits import rules
from app.visits.models import Visit, VisitQuota


def staff_name(user) -> str:
    if user is None:
        return ""
    return (getattr(user, "first_name", "") or "").strip() or getattr(user, "username", "")


# --- recording --------------------------------------------------------------------------
def resolve_unit(estate_ids: list[int], code: str | None, estate_id: int | None = None) -> Unit:
    """The unit staff name by its room (3-2-501) in their estates (in ``estate_id`` if given)."""
    text = (code or "").strip()
    if not text:
        raise DomainError(_l("Enter the room, e.g. 3-2-501."), field="unit_code")
    ids = [e for e in estate_ids if estate_id is None or e == estate_id]
    units = estate_services.find_unit_by_code(ids, text)
    if not units:
        raise DomainError(_l("There is no room %(code)s in your estates.", code=text), field="unit_code")
    if len(units) > 1:
        raise DomainError(_l("Room %(code)s exists in several of your estates: choose the estate.", code=text),
                          field="estate_id")
    return units[0]


def check_visit(visit: Visit, today: dt.date | None = None) -> None:
    """The register's invariants, on every save path (form, edit, API)."""
    from app.core import clock

    today = today or clock.today()
    if visit.unit is None and visit.unit_id is not None:
        visit.unit = db.session.get(Unit, visit.unit_id)
    if visit.unit is None:
        raise DomainError(_l("Choose the unit."), field="unit")
    if visit.kind not in rules.KINDS:
        raise DomainError(_l("Pick one of the listed values."), field="kind")
    rules.check_visit_date(visit.visit_date, today)
    visit.met_person = rules.clean_text(visit.met_person, "met_person", 100)
    for name in ("opinions", "requests", "follow_up"):
        setattr(visit, name, rules.clean_text(getattr(visit, name), name))
    visit.follow_up_needed = bool(visit.follow_up_needed)
    visit.follow_up_done = bool(visit.follow_up_done)
    if visit.follow_up_needed and not visit.follow_up:
        raise DomainError(_l("Say what is to be followed up."), field="follow_up")
    if visit.signature_kind not in rules.SIGNATURES:
        visit.signature_kind = "none"
    if visit.staff_id is None and visit.staff is None:
        visit.staff_id = audit.current_actor()[0]
    if visit.created_at is None:
        visit.created_at = clock.now()


def record_visit(*, estate_ids: list[int], actor, now: dt.datetime, unit_code: str | None = None,
                 unit_id: int | None = None, estate_id: int | None = None, kind: str = "",
                 visit_date: dt.date | None = None, met_person: str | None = None, opinions: str | None = None,
                 requests: str | None = None, follow_up: str | None = None, follow_up_needed: bool = False,
                 signature_kind: str = "none", signature: bytes | None = None) -> Visit:
    """Record one visit. The unit by its room code (or id), in the caller's estates; a
    signature image when signed on screen or on paper."""
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(_l("This unit does not exist."))
        if unit.estate_id not in estate_ids:
            raise DomainError(_l("You do not work for this estate."), field="unit_code")
    else:
        unit = resolve_unit(estate_ids, unit_code, estate_id)
    if signature_kind not in rules.SIGNATURES:
        raise DomainError(_l("Pick one of the listed values."), field="signature_kind")
    mime = digest = None
    if signature_kind == "none":
        signature = None
    else:
        field_name = "signature" if signature_kind == "drawn" else "signature_scan"
        mime = rules.check_signature(signature, field_name)
        digest = hashlib.sha256(signature).hexdigest()
    visit = Visit(unit=unit, estate_id=unit.estate_id, kind=kind, visit_date=visit_date,
                  staff_id=getattr(actor, "id", None), met_person=met_person, opinions=opinions,
                  requests=requests, follow_up=follow_up, follow_up_needed=bool(follow_up_needed),
                  follow_up_done=False, signature_kind=signature_kind, signature=signature,
                  signature_mime=mime, signature_sha256=digest, created_at=now)
    with committed():
        with db.session.no_autoflush:
            check_visit(visit, now.date())
        with acting_as(actor):
            db.session.add(visit)
    return visit


def signature_of(visit_id: int, estate_ids: list[int]) -> tuple[bytes, str]:
    row = db.session.execute(select(Visit.estate_id, Visit.signature, Visit.signature_mime)
                             .where(Visit.id == visit_id)).first()
    if row is None or row.estate_id not in estate_ids or not row.signature:
        raise NotFound(_l("This record does not exist."))
    return row.signature, row.signature_mime or "image/png"


# --- quotas -----------------------------------------------------------------------------
def quota_rules(estate_id: int) -> list[rules.QuotaRule]:
    stored = db.session.scalars(select(VisitQuota).where(VisitQuota.estate_id == estate_id)).all()
    return rules.merge_quotas([rules.QuotaRule(q.kind, q.period, q.min_households, q.per_staff) for q in stored])


def check_quota(quota: VisitQuota) -> None:
    if quota.kind not in rules.QUOTA_KINDS:
        raise DomainError(_l("Pick one of the listed values."), field="kind")
    if quota.period not in rules.PERIODS:
        raise DomainError(_l("Pick one of the listed values."), field="period")
    if quota.min_households is not None and quota.min_households < 0:
        raise DomainError(_l("The number of households cannot be negative."), field="min_households")
    if quota.min_households is None and quota.kind != "important":
        raise DomainError(_l("Enter the number of households."), field="min_households")
    quota.per_staff = bool(quota.per_staff)
    estate_id = quota.estate.id if quota.estate is not None else quota.estate_id
    dup = db.session.scalar(select(VisitQuota.id).where(VisitQuota.estate_id == estate_id,
                                                        VisitQuota.kind == quota.kind,
                                                        VisitQuota.id != (quota.id or 0)))
    if dup:
        raise DomainError(_l("This estate already has a quota of this kind: edit that one."), field="kind")


def ensure_default_quotas(estate_id: int, actor=None) -> None:
    """Write the seed plan's quotas for an estate that has none (demo, new estates)."""
    have = set(db.session.scalars(select(VisitQuota.kind).where(VisitQuota.estate_id == estate_id)))
    with acting_as(actor, None if actor else "demo-seed"):
        for rule in rules.DEFAULT_QUOTAS:
            if rule.kind not in have:
                db.session.add(VisitQuota(estate_id=estate_id, kind=rule.kind, period=rule.period,
                                          min_households=rule.min_households, per_staff=rule.per_staff))
        db.session.commit()


def _important_units(estate_id: int) -> dict[int, tuple[str, str]]:
    """Households with an important client living there: {unit id: (room, names)}."""
    out: dict[int, tuple[str, list[str]]] = {}
    rows = db.session.execute(
        select(Unit.id, Unit.code, Owner.name).join(Occupancy, Occupancy.unit_id == Unit.id)
        .join(Owner, Owner.id == Occupancy.owner_id)
        .where(Unit.estate_id == estate_id, Owner.important_client.is_(True), Occupancy.move_out_date.is_(None))
        .order_by(Unit.sort_key))
    for uid, code, name in rows:
        out.setdefault(uid, (code, []))[1].append(name)
    return {k: (c, "、".join(n)) for k, (c, n) in out.items()}


@dataclass
class VisitFact:
    unit_id: int
    kind: str
    day: dt.date
    staff: str
    building: str
    unit_code: str = ""


def _facts(estate_id: int, start: dt.date, end: dt.date) -> list[VisitFact]:
    from flask_appbuilder.security.sqla.models import User

    rows = db.session.execute(
        select(Visit.unit_id, Visit.kind, Visit.visit_date, User.first_name, User.username, Building.number,
               Unit.code)
        .join(Unit, Unit.id == Visit.unit_id).join(Building, Building.id == Unit.building_id)
        .outerjoin(User, User.id == Visit.staff_id)
        .where(Visit.estate_id == estate_id, Visit.visit_date >= start, Visit.visit_date <= end))
    return [VisitFact(u, k, d, (fn or "").strip() or un or "", b, c) for u, k, d, fn, un, b, c in rows]


@dataclass
class CountRow:
    name: str  # staff name or building number
    by_kind: dict[str, int]  # households per kind (in each kind's quota period on the panel)
    visits: int = 0


@dataclass
class QuotaPanel:
    today: dt.date
    week: tuple[dt.date, dt.date]
    month: tuple[dt.date, dt.date]
    lines: list[rules.QuotaLine]
    staff_rows: list[CountRow]
    building_rows: list[CountRow]
    important_missing: list[tuple[int, str, str]]  # important households not visited this week
    important_total: int = 0


def _count_rows(facts: list[VisitFact], key, kinds_period: dict[str, tuple[dt.date, dt.date]],
                visits_in: tuple[dt.date, dt.date]) -> list[CountRow]:
    """Households per kind (each in its period) and visits in ``visits_in``, per ``key``."""
    groups: dict[str, list[VisitFact]] = {}
    for f in facts:
        groups.setdefault(key(f), []).append(f)
    out = []
    for name, fs in groups.items():
        by_kind = {}
        for kind, (start, end) in kinds_period.items():
            by_kind[kind] = len({f.unit_id for f in fs if f.kind == kind and start <= f.day <= end})
        out.append(CountRow(name, by_kind, sum(1 for f in fs if visits_in[0] <= f.day <= visits_in[1])))
    return out


def _building_sort(name: str):
    return (len(name), name)


def quota_panel(estate_id: int, today: dt.date) -> QuotaPanel:
    """This week's (Monday–Sunday) and this month's visits against the estate's quotas, with
    households per kind per staff member and per building (each kind in its quota's period)."""
    week, month = rules.week_bounds(today), rules.month_bounds(today)
    start, end = min(week[0], month[0]), max(week[1], month[1])
    facts = _facts(estate_id, start, end)
    important = _important_units(estate_id)
    plain = [(f.unit_id, f.kind, f.day, f.staff) for f in facts]
    lines, periods = [], {}
    for rule in quota_rules(estate_id):
        bounds = week if rule.period == "week" else month
        periods[rule.kind] = bounds
        lines.append(rules.quota_line(rule, plain, *bounds, len(important)))
    periods.setdefault("complaint", month)
    in_month = [f for f in facts if month[0] <= f.day <= month[1] or week[0] <= f.day <= week[1]]
    visited = rules.households([p[:3] for p in plain], "important", *week)
    missing = [(uid, code, names) for uid, (code, names) in important.items() if uid not in visited]
    return QuotaPanel(
        today=today, week=week, month=month, lines=lines,
        staff_rows=sorted(_count_rows(in_month, lambda f: f.staff, periods, month), key=lambda r: r.name),
        building_rows=sorted(_count_rows(in_month, lambda f: f.building, periods, month),
                             key=lambda r: _building_sort(r.name)),
        important_missing=missing, important_total=len(important))


# --- the monthly summary ----------------------------------------------------------------
@dataclass
class OpinionRow:
    visit_id: int
    day: dt.date
    unit_code: str
    kind: str
    staff: str
    met_person: str
    opinions: str
    requests: str
    follow_up: str
    follow_up_open: bool


@dataclass
class VisitSummary:
    estate_id: int
    year: int
    month: int
    start: dt.date
    end: dt.date
    visits: int = 0
    households: int = 0
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (visits, households)
    staff_rows: list[CountRow] = field(default_factory=list)
    building_rows: list[CountRow] = field(default_factory=list)
    quota_lines: list[rules.QuotaLine] = field(default_factory=list)
    opinions: list[OpinionRow] = field(default_factory=list)
    open_follow_ups: list[OpinionRow] = field(default_factory=list)
    signed: int = 0
    today: dt.date | None = None  # the quota lines are judged as of this day

    @property
    def quota_verdicts(self) -> list[tuple[rules.QuotaLine, str]]:
        return [(q, q.verdict(self.today)) for q in self.quota_lines]


def _opinion_row(v: Visit) -> OpinionRow:
    return OpinionRow(v.id, v.visit_date, v.unit.code if v.unit else "", v.kind, staff_name(v.staff),
                      v.met_person or "", v.opinions or "", v.requests or "", v.follow_up or "", v.follow_up_open)


def monthly_summary(estate_id: int, year: int, month: int, today: dt.date) -> VisitSummary:
    """Counts by kind, staff and building, the quotas met or not (each week overlapping the
    month, judged on its whole seven days; the month), the opinions and requests raised, the
    follow-ups still open. A period not over on ``today`` is not judged (QuotaLine.verdict)."""
    try:
        start, end = rules.month_bounds(dt.date(year, month, 1))
    except ValueError:
        raise DomainError(_l("Enter the month as YYYY-MM."), field="month")
    s = VisitSummary(estate_id, year, month, start, end, today=today)
    weeks = rules.weeks_of_month(year, month)
    span_start = min([start] + [w[0] for w in weeks])
    span_end = max([end] + [w[1] for w in weeks])
    facts_all = _facts(estate_id, span_start, span_end)
    facts = [f for f in facts_all if start <= f.day <= end]
    s.visits = len(facts)
    s.households = len({f.unit_id for f in facts})
    for kind in rules.KINDS:
        fs = [f for f in facts if f.kind == kind]
        s.by_kind[kind] = (len(fs), len({f.unit_id for f in fs}))
    month_periods = {k: (start, end) for k in rules.KINDS}
    s.staff_rows = sorted(_count_rows(facts, lambda f: f.staff, month_periods, (start, end)), key=lambda r: r.name)
    s.building_rows = sorted(_count_rows(facts, lambda f: f.building, month_periods, (start, end)),
                             key=lambda r: _building_sort(r.name))
    important = len(_important_units(estate_id))
    plain = [(f.unit_id, f.kind, f.day, f.staff) for f in facts_all]
    for rule in quota_rules(estate_id):
        for bounds in (weeks if rule.period == "week" else [(start, end)]):
            s.quota_lines.append(rules.quota_line(rule, plain, *bounds, important))
    visits = db.session.scalars(
        select(Visit).options(joinedload(Visit.unit), joinedload(Visit.staff))
        .where(Visit.estate_id == estate_id, Visit.visit_date >= start, Visit.visit_date <= end)
        .order_by(Visit.visit_date, Visit.id)).all()
    s.signed = sum(1 for v in visits if v.signature_kind != "none")
    s.opinions = [_opinion_row(v) for v in visits if v.opinions or v.requests]
    open_rows = db.session.scalars(
        select(Visit).options(joinedload(Visit.unit), joinedload(Visit.staff))
        .where(Visit.estate_id == estate_id, Visit.visit_date <= end, Visit.follow_up_needed.is_(True),
               Visit.follow_up_done.is_(False))
        .order_by(Visit.visit_date, Visit.id)).all()
    s.open_follow_ups = [_opinion_row(v) for v in open_rows]
    return s


def open_follow_ups_of_units(unit_ids: list[int]) -> list[Visit]:
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(Visit).where(Visit.unit_id.in_(unit_ids), Visit.follow_up_needed.is_(True),
                            Visit.follow_up_done.is_(False)).order_by(Visit.visit_date.desc())))

