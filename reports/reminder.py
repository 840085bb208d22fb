"""催缴通知书: the printed payment reminder, with its delivery receipt (送达回执) behind a cut line.

    snapshot_of(arrears_row, number=..., ...) -> str  # JSON kept on the PaymentReminder
    doc = doc_of(reminder)                           # ReminderDoc (plain data, no ORM objects)
    pdf = render_reminders([doc, ...], workers=2)    # one PDF, one letter per page

A reminder's letter is built once, when its number is issued, and kept as JSON: a reprint
shows the same letter under the same number. Overdue charges are grouped per fee item into
runs of months (2026-01 至 2026-06), so a year of arrears still fits one A4 page.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from reports.common import Letterhead, letterhead_of
from reports.rendering import DEFAULT_LANG, normalize_lang, render_checked, render_many

ZERO = Decimal("0.00")
TEMPLATE = "reminder.html"
SNAPSHOT_VERSION = 1


@dataclass
class ReminderLine:
    item: str
    period_from: str
    period_to: str
    amount: Decimal
    late_fee: Decimal | None  # None: the item has no late fee
    months: int = 1


@dataclass
class ReminderDoc:
    number: str
    stage: str  # first / second / final
    round_no: int
    lang: str
    issued_on: dt.date
    as_of: dt.date
    deadline: dt.date
    letterhead: Letterhead
    unit_code: str
    owner_names: list[str]
    lines: list[ReminderLine] = field(default_factory=list)
    amount: Decimal = ZERO  # the overdue charges
    late_fee: Decimal = ZERO
    total: Decimal = ZERO  # amount + late_fee: printed in figures and in capitals

    @property
    def has_late_fee(self) -> bool:
        return any(line.late_fee is not None for line in self.lines)

    @property
    def owner_text(self) -> str:
        return "、".join(self.owner_names)


def _month_index(period: str) -> int | None:
    try:
        y, m = period.split("-")
        return int(y) * 12 + int(m) - 1
    except ValueError:
        return None


def group_lines(items) -> list[ReminderLine]:
    """ArrearsItems (item, period, outstanding, late_fee) -> one line per fee item and run of
    consecutive months, in the order the items first appear (oldest first)."""
    by_item: dict[str, list] = {}
    for it in items:
        by_item.setdefault(it.item, []).append(it)
    lines: list[ReminderLine] = []
    for name, its in by_item.items():
        its = sorted(its, key=lambda i: (i.period, i.due_date))
        run: list = []
        for it in its:
            idx, prev = _month_index(it.period), _month_index(run[-1].period) if run else None
            if run and (idx is None or prev is None or idx > prev + 1):
                lines.append(_line(name, run))
                run = []
            run.append(it)
        if run:
            lines.append(_line(name, run))
    return lines


def _line(name: str, run: list) -> ReminderLine:
    fees = [i.late_fee for i in run if i.late_fee is not None]
    return ReminderLine(
        item=name, period_from=run[0].period, period_to=run[-1].period,
        amount=sum((i.outstanding for i in run), ZERO),
        late_fee=sum(fees, ZERO) if fees else None, months=len({i.period for i in run}),
    )


def snapshot_of(row, *, number: str, stage: str, round_no: int, deadline: dt.date, issued_on: dt.date,
                as_of: dt.date | None = None) -> str:
    """The letter of ``row`` (app.collection.arrears.ArrearsRow) as JSON (money as text);
    ``as_of``: the day the amounts are owed on (default: the issue date)."""
    from app.estate.models import Estate
    from app.extensions import db

    lines = group_lines(row.items)
    data = {
        "v": SNAPSHOT_VERSION, "number": number, "stage": stage, "round_no": round_no,
        "lang": row.owner_lang, "issued_on": issued_on.isoformat(), "as_of": (as_of or issued_on).isoformat(),
        "deadline": deadline.isoformat(),
        "letterhead": asdict(letterhead_of(db.session.get(Estate, row.estate_id))),
        "unit_code": row.unit_code, "owner_names": list(row.owner_names),
        "lines": [{"item": ln.item, "period_from": ln.period_from, "period_to": ln.period_to,
                   "amount": str(ln.amount), "late_fee": None if ln.late_fee is None else str(ln.late_fee),
                   "months": ln.months} for ln in lines],
        "amount": str(row.total), "late_fee": str(row.late_fee), "total": str(row.total + row.late_fee),
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def current_doc(row, reminder, as_of: dt.date) -> ReminderDoc:
    """The letter ``reminder`` printed (again) on ``as_of``: its number, stage, round, deadline
    and issue date, but the amounts of ``row``, the unit's arrears on ``as_of`` — a reprint never
    asks for money paid since the first print. For a letter issued that day it is the same as
    its snapshot."""
    from types import SimpleNamespace

    snap = snapshot_of(row, number=reminder.number, stage=reminder.stage, round_no=reminder.round_no,
                       deadline=reminder.deadline, issued_on=reminder.as_of, as_of=as_of)
    return doc_of(SimpleNamespace(number=reminder.number, lang=reminder.lang, snapshot=snap))


def doc_of(reminder, lang: str | None = None) -> ReminderDoc:
    """The letter of a PaymentReminder, from its snapshot; ``lang`` overrides its language."""
    d = json.loads(reminder.snapshot)
    return ReminderDoc(
        number=reminder.number, stage=d["stage"], round_no=d["round_no"],
        lang=normalize_lang(lang or reminder.lang or d["lang"]),
        issued_on=dt.date.fromisoformat(d["issued_on"]), as_of=dt.date.fromisoformat(d["as_of"]),
        deadline=dt.date.fromisoformat(d["deadline"]), letterhead=Letterhead(**d["letterhead"]),
        unit_code=d["unit_code"], owner_names=list(d["owner_names"]),
        lines=[ReminderLine(ln["item"], ln["period_from"], ln["period_to"], Decimal(ln["amount"]),
                            None if ln["late_fee"] is None else Decimal(ln["late_fee"]), ln["months"])
               for ln in d["lines"]],
        amount=Decimal(d["amount"]), late_fee=Decimal(d["late_fee"]), total=Decimal(d["total"]),
    )


# --- rendering ------------------------------------------------------------------------------
def _render_job(job: tuple[str, list[ReminderDoc]]) -> bytes:
    """The letters of one language as one PDF. Laid out as ONE document (a letter costs about
    a third of what it costs as a document of its own), with "Page 1 of 1" printed as text:
    right as long as every letter took one page, which is checked on the laid-out pages. A
    batch where some letter ran onto a second page is laid out letter by letter instead, each
    with its own page counters."""
    lang, docs = job
    pdf = render_checked(TEMPLATE, {"docs": docs}, lang, accept=lambda document: len(document.pages) == len(docs))
    if pdf is None:
        pdf = render_many(TEMPLATE, [{"doc": d} for d in docs], lang, chunk_size=len(docs) or 1)
    return pdf


# Letters laid out as one document at most. Bounded for memory: a process laying out 100
# letters peaks at about 340 MiB, 250 letters at 600 MiB; a letter costs the same in both.
BATCH_SIZE = 100


def _jobs(docs: list[ReminderDoc], chunk: int) -> list[tuple[str, list[ReminderDoc]]]:
    """Consecutive letters of one language, at most ``chunk`` to a job, order kept."""
    jobs: list[tuple[str, list[ReminderDoc]]] = []
    for doc in docs:
        if jobs and jobs[-1][0] == doc.lang and len(jobs[-1][1]) < chunk:
            jobs[-1][1].append(doc)
        else:
            jobs.append((doc.lang, [doc]))
    return jobs


def _warm(_=None) -> int:
    """Load WeasyPrint and our fonts in a worker process before the first batch arrives."""
    import os

    from reports.rendering import html_to_pdf

    html_to_pdf("<p>预热</p>")
    return os.getpid()


class LetterPool:
    """Worker processes for laying out letters, started early: ``with LetterPool(2) as pool``
    around the database work, then ``render_reminders(docs, pool=pool)``. Starting a worker
    (Python, WeasyPrint, the CJK font) takes a second or two; begun before the arrears are
    selected and numbered, it overlaps that work. ``workers`` <= 1: no processes at all."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.executor = None

    def __enter__(self) -> "LetterPool":
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("spawn")  # no forked database connections or fonts
            self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
            for _ in range(self.workers):
                self.executor.submit(_warm)
        return self

    def __exit__(self, *exc) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


def render_reminders(docs: list[ReminderDoc], *, workers: int = 1, pool: LetterPool | None = None,
                     progress: Callable[[int], None] | None = None) -> bytes:
    """The letters as one PDF, in the given order, one letter per page, each numbered on its
    own. Each letter in its own language. With several workers (``pool``, or ``workers`` > 1
    for a pool of its own) the letters are laid out in parallel batches (WeasyPrint holds the
    GIL), joined with pypdf. ``progress(n)``: letters done since the last call."""
    from pypdf import PdfWriter

    if not docs:
        raise ValueError("render_reminders: no letters")
    if pool is None:
        with LetterPool(workers) as own:
            return render_reminders(docs, pool=own, progress=progress)
    if pool.executor is not None:
        # equal batches, the same number for each worker (all busy to the end), none larger
        # than BATCH_SIZE: 500 letters on 2 workers = 6 batches of 84
        rounds = -(-len(docs) // (pool.workers * BATCH_SIZE))
        chunk = max(10, -(-len(docs) // (pool.workers * rounds)))
    else:
        chunk = BATCH_SIZE
    jobs = _jobs(docs, chunk)
    parts: list[bytes] = []
    if pool.executor is not None and len(jobs) > 1:
        for (lang, batch), pdf in zip(jobs, pool.executor.map(_render_job, jobs)):
            parts.append(pdf)
            if progress:
                progress(len(batch))
    else:
        for job in jobs:
            parts.append(_render_job(job))
            if progress:
                progress(len(job[1]))
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for pdf in parts:
        writer.append(io.BytesIO(pdf))
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reminder_filename(docs: list[ReminderDoc]) -> str:
    if len(docs) == 1:
        return f"reminder-{docs[0].number}.pdf"
    return f"reminders-{docs[0].issued_on.isoformat()}-{len(docs)}.pdf"


__all__ = ["LetterPool", "ReminderDoc", "ReminderLine", "doc_of", "group_lines", "render_reminders", "reminder_filename",
           "snapshot_of", "DEFAULT_LANG"]
