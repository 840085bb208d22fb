"""Pieces shared by the document builders: the letterhead, periods, estate scope."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Letterhead:
    """Who issues the document: printed at the top of every page one."""

    estate_name: str
    company_name: str
    address: str = ""
    office_phone: str = ""
    office_hours: str = ""
    # for payment by bank transfer (printed on payment reminders)
    bank_name: str = ""
    bank_account_name: str = ""
    bank_account_number: str = ""


def letterhead_of(estate) -> Letterhead:
    return Letterhead(
        estate_name=estate.name,
        company_name=estate.company_name or estate.name,
        address=estate.address or "",
        office_phone=estate.office_phone or "",
        office_hours=estate.office_hours or "",
        bank_name=estate.bank_name or "",
        bank_account_name=estate.bank_account_name or "",
        bank_account_number=estate.bank_account_number or "",
    )


def check_scope(estate_id: int, estate_ids: Collection[int] | None, message) -> None:
    """NotFound(message) when the record lies outside the caller's estates (None: no limit).
    Outside the estates reads as "does not exist", as in the registers."""
    from app.exceptions import NotFound

    if estate_ids is not None and estate_id not in estate_ids:
        raise NotFound(message)


def _month_index(period: str) -> int | None:
    try:
        year, month = period.split("-")
        return int(year) * 12 + int(month) - 1
    except ValueError:
        return None


def period_runs(periods: Iterable[str]) -> list[tuple[str, str]]:
    """Months as consecutive runs: 2026-01, 2026-02, 2026-03, 2026-05 ->
    [("2026-01", "2026-03"), ("2026-05", "2026-05")]. Other period strings stay single."""
    uniq = sorted(set(p for p in periods if p))
    runs: list[list[str]] = []
    last = None
    for p in uniq:
        idx = _month_index(p)
        if runs and idx is not None and last is not None and idx == last + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
        last = idx
    return [tuple(r) for r in runs]
