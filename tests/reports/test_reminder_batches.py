"""Reminder letters laid out in batches: one document per batch with "Page 1 of 1" as text, the
letter-by-letter fallback when a letter runs onto a second page, and parallel workers keeping
the order. No database: letters are built as plain data."""
import datetime as dt
from decimal import Decimal as D

import pytest

from reports.common import Letterhead
from reports.reminder import LetterPool, ReminderDoc, ReminderLine, render_reminders
from tests.reports.pdfutil import page_texts, squash

HEAD = Letterhead(estate_name="山水湖畔", company_name="江苏苏南物业服务开发有限公司南京分公司",
                  office_phone="025-84561234", bank_name="中国工商银行南京江宁支行",
                  bank_account_name="江苏苏南物业服务开发有限公司南京分公司", bank_account_number="4301 0123 0910 0088 888")


def letter(n: int, lines: int = 2, lang: str = "zh_CN") -> ReminderDoc:
    # lines in separate years never join into one run of months: one table row each
    rows = [ReminderLine("物业服务费", f"{2000 + i}-01", f"{2000 + i}-01", D("100.00"), None) for i in range(lines)]
    amount = sum((r.amount for r in rows), D("0.00"))
    return ReminderDoc(number=f"CJ2026-{n:05d}", stage="first", round_no=1, lang=lang,
                       issued_on=dt.date(2026, 11, 28), as_of=dt.date(2026, 11, 28), deadline=dt.date(2026, 12, 12),
                       letterhead=HEAD, unit_code=f"3-2-{500 + n}", owner_names=[f"业主{n}"], lines=rows,
                       amount=amount, total=amount)


def test_a_batch_is_one_letter_a_page_each_numbered_on_its_own_with_the_bank_account():
    docs = [letter(i) for i in range(1, 6)]
    pages = [squash(t) for t in page_texts(render_reminders(docs))]
    assert len(pages) == 5
    for doc, page in zip(docs, pages):
        assert doc.number in page and doc.unit_code in page and "第1页，共1页" in page
        assert squash("4301 0123 0910 0088 888") in page and "开户行：中国工商银行南京江宁支行" in page
        assert squash(f"请在附言中注明房号及通知书编号{doc.number}") in page


def test_a_letter_running_onto_a_second_page_gets_its_own_page_count():
    docs = [letter(1), letter(2, lines=45), letter(3)]
    pages = [squash(t) for t in page_texts(render_reminders(docs))]
    assert len(pages) == 4  # the long letter takes two pages
    assert "CJ2026-00001" in pages[0] and "第1页，共1页" in pages[0]
    assert "CJ2026-00002" in pages[1] and "第1页，共2页" in pages[1] and "第2页，共2页" in pages[2]
    assert "CJ2026-00003" in pages[3] and "第1页，共1页" in pages[3]


def test_letters_in_two_languages_keep_their_order_and_language():
    docs = [letter(1), letter(2, lang="en"), letter(3)]
    pages = [squash(t) for t in page_texts(render_reminders(docs))]
    assert ["催缴通知书" in p for p in pages] == [True, False, True]
    assert "Paymentreminder" in pages[1] and "Page1of1" in pages[1]


@pytest.mark.parametrize("workers", [2])
def test_parallel_workers_print_the_same_letters_in_the_same_order(workers):
    docs = [letter(i) for i in range(1, 31)]
    with LetterPool(workers) as pool:
        parallel = page_texts(render_reminders(docs, pool=pool))
    assert [d.number for d in docs] == [next(n for n in (d.number for d in docs) if n in squash(p)) for p in parallel]
    assert all("第1页，共1页" in squash(p) for p in parallel)
