"""Receipt seals: a keyed hash chain over everything a receipt prints, and `ledger verify`.

Each receipt's ``hash`` is HMAC-SHA256, keyed with the ledger key, of a canonical text of its
printed fields, its lines and the previous receipt's hash (one chain per estate and year).
The key is never in the database: someone who can write the database but lacks the key can
change a receipt and recompute the chain with this very code, and verify still finds it.

The key is the ``LEDGER_KEY`` setting; when it is unset, it is derived from SECRET_KEY (itself
from the environment or instance/secret_key, generated once) with a label of its own, so a
first start needs nothing. Rotating SECRET_KEY then changes the ledger key: set LEDGER_KEY to
the output of ``flask ledger key`` first (README "Ledger seals").

Receipts posted before migration 0011 carry seal version 1, the old unkeyed SHA-256 of fewer
fields. They are not rewritten (receipts are final): ``anchor_legacy_chains`` (run by `init`)
records, per chain, the last old-rule receipt and its hash in a ``LedgerAnchor`` sealed with the
key. Verify accepts the old rule only up to that point, so nobody can forge old-rule receipts
after it, and the old part, linked by its hashes to the sealed point, cannot change either.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select, type_coerce

from app.cashdesk.models import LedgerAnchor, PrepaidEntry, Receipt, ReceiptCounter, ReceiptLine
from app.core.money import Money, fmt, to_fen
from app.extensions import db
from app.fees.models import Charge

GENESIS = "0" * 64
LEGACY, KEYED = 1, 2
_LABEL = b"estate-desk ledger seal key v2"

# every field a receipt prints or points at, in a fixed order (the lines follow)
SEALED_FIELDS = (
    "estate_id", "number", "year", "seq", "kind", "business_date", "posted_at", "unit_id", "payer_name",
    "method", "reference", "amount", "to_prepaid", "from_prepaid", "cashier_id", "cashier_name",
    "reverses_id", "reason", "approved_by_id",
)
_MONEY = {"amount", "to_prepaid", "from_prepaid"}


# --- the key ----------------------------------------------------------------------------
def ledger_key() -> bytes:
    configured = (current_app.config.get("LEDGER_KEY") or "").strip()
    if configured:
        return configured.encode("utf-8")
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode("utf-8")
    # domain separation: the session-signing key itself never keys a seal. Hex, so that
    # LEDGER_KEY=<this text> gives the very same key (before rotating SECRET_KEY)
    return hmac.new(secret, _LABEL, hashlib.sha256).hexdigest().encode("ascii")


# --- pure: canonical texts and hashes ----------------------------------------------------
def _value(name: str, value):
    if value is None:
        return None
    if name in _MONEY:
        return to_fen(value)  # integer fen: no float or formatting can change it
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def seal_text(prev_hash: str, receipt, lines: list[tuple[int, int, str, Decimal]]) -> str:
    """The canonical text: JSON (so a payer name with '|' or a newline cannot pass for another
    field), fields in SEALED_FIELDS order, lines (charge id, fee item id, period, fen) sorted."""
    fields = [[name, _value(name, getattr(receipt, name))] for name in SEALED_FIELDS]
    body = sorted([int(cid), int(item), str(period), to_fen(amount)] for cid, item, period, amount in lines)
    return json.dumps({"v": KEYED, "prev": prev_hash, "fields": fields, "lines": body},
                      ensure_ascii=False, separators=(",", ":"))


def keyed_hash(key: bytes, prev_hash: str, receipt, lines) -> str:
    return hmac.new(key, seal_text(prev_hash, receipt, lines).encode("utf-8"), hashlib.sha256).hexdigest()


def legacy_hash(prev_hash: str, receipt, lines: list[tuple[int, Decimal]]) -> str:
    """Seal version 1, frozen as it was (a copy: rules.canonical may change for other uses)."""
    fields = {
        "estate_id": receipt.estate_id, "number": receipt.number, "year": receipt.year, "seq": receipt.seq,
        "kind": receipt.kind, "unit_id": receipt.unit_id, "method": receipt.method,
        "amount_fen": to_fen(receipt.amount), "to_prepaid_fen": to_fen(receipt.to_prepaid),
        "from_prepaid_fen": to_fen(receipt.from_prepaid), "business_date": receipt.business_date.isoformat(),
        "posted_at": receipt.posted_at.isoformat(), "reverses_id": receipt.reverses_id or "",
        "lines": ";".join(f"{cid}:{to_fen(amount)}" for cid, amount in sorted(lines)),
    }
    order = ("estate_id", "number", "year", "seq", "kind", "unit_id", "method", "amount_fen", "to_prepaid_fen",
             "from_prepaid_fen", "business_date", "posted_at", "reverses_id", "lines")
    text = "|".join(f"{k}={fields.get(k, '')}" for k in order)
    return hashlib.sha256((prev_hash + "\n" + text).encode("utf-8")).hexdigest()


def anchor_mac(key: bytes, estate_id: int, year: int, last_seq: int, last_hash: str) -> str:
    text = json.dumps({"anchor": [int(estate_id), int(year), int(last_seq), last_hash]}, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


# --- sealing a new receipt ---------------------------------------------------------------
def seal(receipt: Receipt, parts: list[tuple[int, Decimal]]) -> None:
    """Seal ``receipt`` (its fields set, not yet flushed) that settles ``parts``."""
    info = dict(
        (cid, (item, period)) for cid, item, period in db.session.execute(
            select(Charge.id, Charge.fee_item_id, Charge.period).where(Charge.id.in_([c for c, _ in parts]))
        )
    ) if parts else {}
    lines = [(cid, *info[cid], amount) for cid, amount in parts]
    receipt.seal_version = KEYED
    receipt.hash = keyed_hash(ledger_key(), receipt.prev_hash, receipt, lines)


def anchor_legacy_chains(now) -> int:
    """Record, sealed with the key, where each chain's old-rule receipts end (once per chain;
    run by `init` after the migrations). Returns how many records were written."""
    done = {tuple(row) for row in db.session.execute(select(LedgerAnchor.estate_id, LedgerAnchor.year))}
    ends = db.session.execute(
        select(Receipt.estate_id, Receipt.year, func.max(Receipt.seq)).where(Receipt.seal_version == LEGACY)
        .group_by(Receipt.estate_id, Receipt.year)
    ).all()
    key, written = ledger_key(), 0
    for estate_id, year, last_seq in ends:
        if (estate_id, year) in done:
            continue
        last_hash = db.session.scalar(select(Receipt.hash).where(
            Receipt.estate_id == estate_id, Receipt.year == year, Receipt.seq == last_seq))
        db.session.add(LedgerAnchor(estate_id=estate_id, year=year, last_seq=last_seq, last_hash=last_hash,
                                    created_at=now, mac=anchor_mac(key, estate_id, year, last_seq, last_hash)))
        written += 1
    db.session.commit()
    return written


# --- verify -------------------------------------------------------------------------------
def verify_ledger(estate_id: int | None = None) -> tuple[bool, str]:
    """Recompute every chain with the key, compare each chain's end with the receipt counter,
    check every charge's paid and every receipt's prepaid entries against the receipts.
    Returns (ok, message): the first problem in words, or "OK: N receipts verified"."""
    key = ledger_key()
    anchors = {(a.estate_id, a.year): a for a in db.session.scalars(
        select(LedgerAnchor).where(*_scope(LedgerAnchor, estate_id)))}
    counters = {(c.estate_id, c.year): c.last_number for c in db.session.scalars(
        select(ReceiptCounter).where(*_scope(ReceiptCounter, estate_id))) if c.last_number}
    chains = [tuple(row) for row in db.session.execute(
        select(Receipt.estate_id, Receipt.year).where(*_scope(Receipt, estate_id)).distinct()
        .order_by(Receipt.estate_id, Receipt.year))]
    from app.estate.models import Estate

    names = {i: n for i, n in db.session.execute(select(Estate.id, Estate.name))}

    def where(chain, message):  # receipt numbers repeat from estate to estate
        return False, f"{names.get(chain[0], chain[0])}: {message}"

    checked = 0
    for chain in chains:
        problem, last = _verify_chain(key, *chain, anchors.get(chain))
        if problem:
            return where(chain, problem)
        checked += last
        if last != counters.get(chain, 0):
            return where(chain, _counter_problem(chain, last, counters.get(chain, 0)))
    for chain in sorted(set(counters) - set(chains)):
        return where(chain, _counter_problem(chain, 0, counters[chain]))
    for chain in sorted(set(anchors) - set(chains)):
        return where(chain, gettext("The upgrade record of the %(year)d receipts points at receipts that are "
                                    "not there.", year=chain[1]))
    problem = _paid_problem(estate_id) or _prepaid_problem(estate_id)
    if problem:
        return False, problem
    return True, f"OK: {checked} receipts verified"


def _scope(model, estate_id):
    return () if estate_id is None else (model.estate_id == estate_id,)


def _verify_chain(key: bytes, estate_id: int, year: int, anchor) -> tuple[str | None, int]:
    """(the first problem or None, the last number) of one estate's receipts of one year."""
    lines: dict[int, list] = {}
    for rid, cid, item, period, amount in db.session.execute(
        select(ReceiptLine.receipt_id, ReceiptLine.charge_id, Charge.fee_item_id, Charge.period,
               ReceiptLine.amount)
        .join(Receipt, ReceiptLine.receipt_id == Receipt.id).join(Charge, ReceiptLine.charge_id == Charge.id)
        .where(Receipt.estate_id == estate_id, Receipt.year == year)
    ):
        lines.setdefault(rid, []).append((cid, item, period, amount))
    if anchor is not None and not hmac.compare_digest(
            anchor.mac, anchor_mac(key, anchor.estate_id, anchor.year, anchor.last_seq, anchor.last_hash)):
        return gettext("The upgrade record of the %(year)d receipts does not match its seal.", year=year), 0
    prev_hash, prev_seq = GENESIS, 0
    columns = [getattr(Receipt, name) for name in {*SEALED_FIELDS, "id", "prev_hash", "hash", "seal_version"}]
    for r in db.session.execute(select(*columns).where(Receipt.estate_id == estate_id, Receipt.year == year)
                                .order_by(Receipt.seq)).yield_per(1000):
        if r.seq != prev_seq + 1:
            return gettext("Receipt %(number)s is missing: the numbers jump from %(prev)d to %(seq)d.",
                           number=f"{year}-{prev_seq + 1:06d}", prev=prev_seq, seq=r.seq), prev_seq
        own = lines.get(r.id, [])
        if r.seal_version == KEYED:
            expected = keyed_hash(key, prev_hash, r, own)
        elif r.seal_version == LEGACY and anchor is not None and r.seq <= anchor.last_seq:
            expected = legacy_hash(prev_hash, r, [(cid, amount) for cid, _i, _p, amount in own])
        else:
            return gettext("Receipt %(number)s (record %(id)d) is sealed without the ledger key after "
                           "the keyed seals began.", number=r.number, id=r.id), r.seq
        if r.prev_hash != prev_hash or not hmac.compare_digest(r.hash, expected) or (
                anchor is not None and r.seq == anchor.last_seq and r.hash != anchor.last_hash):
            return gettext("Receipt %(number)s (record %(id)d) does not match its seal: it was changed "
                           "after posting, or the receipt before it was.", number=r.number, id=r.id), r.seq
        prev_hash, prev_seq = r.hash, r.seq
    if anchor is not None and prev_seq < anchor.last_seq:
        return _counter_problem((estate_id, year), prev_seq, anchor.last_seq), prev_seq
    return None, prev_seq


def _counter_problem(chain, last: int, counted: int) -> str:
    year = chain[1]
    if last > counted:
        return gettext("Receipt %(number)s was never issued: the receipt counter of %(year)d stops at "
                       "%(count)d.", number=f"{year}-{counted + 1:06d}", year=year, count=counted)
    if last == 0:
        return gettext("The receipt counter says %(count)d receipts were issued in %(year)d, but the "
                       "ledger has none.", count=counted, year=year)
    return gettext("Receipt %(number)s is missing: the receipt counter of %(year)d says %(count)d were "
                   "issued, the ledger ends at %(last)d.", number=f"{year}-{last + 1:06d}", year=year,
                   count=counted, last=last)


def _paid_problem(estate_id) -> str | None:
    """A charge whose paid differs from the sum of its receipt lines (reversals included)."""
    sums = select(ReceiptLine.charge_id, func.sum(ReceiptLine.amount).label("total")) \
        .group_by(ReceiptLine.charge_id).subquery()
    total = func.coalesce(sums.c.total, 0)
    row = db.session.execute(
        select(Charge.id, Charge.period, Charge.paid, type_coerce(total, Money()))
        .outerjoin(sums, sums.c.charge_id == Charge.id)
        .where(type_coerce(Charge.paid, Money().impl) != total, *_scope(Charge, estate_id))
        .order_by(Charge.id).limit(1)
    ).first()
    if row is None:
        return None
    return gettext("Charge %(id)d (%(period)s) shows %(paid)s paid, but its receipts add up to %(lines)s.",
                   id=row[0], period=row[1], paid=fmt(row[2]), lines=fmt(row[3]))


def _prepaid_problem(estate_id) -> str | None:
    """A receipt whose prepaid entries do not add up to what it kept minus what it used."""
    sums = select(PrepaidEntry.receipt_id, func.sum(PrepaidEntry.amount).label("total")) \
        .group_by(PrepaidEntry.receipt_id).subquery()
    total = func.coalesce(sums.c.total, 0)
    kept = type_coerce(Receipt.to_prepaid, Money().impl) - type_coerce(Receipt.from_prepaid, Money().impl)
    row = db.session.execute(
        select(Receipt.number, type_coerce(total, Money()), type_coerce(kept, Money()))
        .outerjoin(sums, sums.c.receipt_id == Receipt.id)
        .where(kept != total, *_scope(Receipt, estate_id)).order_by(Receipt.id).limit(1)
    ).first()
    if row is None:
        loose = db.session.scalar(select(func.count()).select_from(PrepaidEntry).where(
            PrepaidEntry.receipt_id.is_(None), *_scope(PrepaidEntry, estate_id)))
        return gettext("%(n)d prepaid entries belong to no receipt.", n=loose) if loose else None
    return gettext("Receipt %(number)s: its prepaid entries add up to %(entries)s, not %(expected)s.",
                   number=row[0], entries=fmt(row[1]), expected=fmt(row[2]))
