"""收费台帐 PDF: the same numbers as app.cashdesk.ledger.unit_ledger."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from app.core.money import fmt
from reports.statement import build_statement, statement_filename, statement_pdf
from tests.reports.pdfutil import embedded_fonts, page_texts, pdf_text, squash

NOW = dt.datetime(2031, 2, 10, 10, 30)
PRINTED = dt.date(2031, 3, 5)


@pytest.fixture()
def paid_unit(report_unit, clerk):
    """report_unit with 150.00 paid on 2031-02-10: January settled (116.20), 33.80 on February."""
    from app.cashdesk.services import post_payment

    post_payment(report_unit.id, "150.00", "mobile", clerk, NOW, payer_name="欧阳建国")
    return report_unit


def test_statement_totals_equal_the_ledger(paid_unit):
    from app.cashdesk.ledger import unit_ledger

    ledger = unit_ledger(paid_unit.id)
    doc = build_statement(paid_unit.id, printed_on=PRINTED)
    assert doc.total_charged == ledger.total_charged == D("348.60")
    assert doc.total_paid == ledger.total_paid == D("150.00")
    assert doc.period_charged == ledger.total_charged and doc.period_paid == ledger.total_paid
    assert doc.closing_balance == ledger.balance == D("198.60")
    assert doc.arrears == ledger.arrears == D("198.60")
    assert doc.prepaid == ledger.prepaid == D("0.00")
    assert doc.arrears_due == D("82.40")  # January and February are due by 2031-03-05
    assert [(ln.day, ln.kind, ln.charge, ln.payment, ln.balance) for ln in doc.lines] == [
        (ln.day, ln.kind, ln.charge, ln.payment, ln.balance) for ln in ledger.lines]
    assert doc.owner_names == ["欧阳建国"]


def test_statement_pdf_text(paid_unit):
    pdf = statement_pdf(paid_unit.id, printed_on=PRINTED)
    text = squash(pdf_text(pdf))
    for expected in (paid_unit.code, "欧阳建国", "生活垃圾清运费", "物业服务费", "2031-03", "348.60", "150.00",
                     "198.60", "¥198.60", "¥82.40", "2031-03-05", "88.50"):
        assert expected in text, expected
    assert re.search(r"第1页[/，,]?共1页", text)
    fonts = embedded_fonts(pdf)
    assert fonts and all("Estate-Sans" in f["name"] for f in fonts)
    assert statement_filename(build_statement(paid_unit.id)) == f"statement-{paid_unit.code}.pdf"


def test_statement_date_range(paid_unit):
    from app.cashdesk.ledger import unit_ledger

    start, end = dt.date(2031, 2, 1), dt.date(2031, 2, 28)
    doc = build_statement(paid_unit.id, start, end, printed_on=PRINTED)
    ranged = unit_ledger(paid_unit.id, start, end)
    assert [(ln.day, ln.charge, ln.payment, ln.balance) for ln in doc.lines] == [
        (ln.day, ln.charge, ln.payment, ln.balance) for ln in ranged.lines]
    assert doc.opening_balance == D("116.20")  # January
    assert doc.period_charged == D("116.20") and doc.period_paid == D("150.00")
    assert doc.closing_balance == doc.opening_balance + doc.period_charged - doc.period_paid == D("82.40")
    assert doc.closing_balance == ranged.lines[-1].balance
    text = squash(pdf_text(statement_pdf(paid_unit.id, start, end, printed_on=PRINTED)))
    assert "2031-02-01" in text and "2031-02-28" in text and "116.20" in text and "82.40" in text
    assert "2031-03-01" not in text


def test_statement_with_no_lines_in_range(paid_unit):
    doc = build_statement(paid_unit.id, dt.date(2020, 1, 1), dt.date(2020, 12, 31), printed_on=PRINTED)
    assert doc.lines == [] and doc.opening_balance == doc.closing_balance == D("0.00")
    assert statement_pdf(paid_unit.id, dt.date(2020, 1, 1), dt.date(2020, 12, 31)).startswith(b"%PDF")


def test_long_statement_numbers_its_pages(paid_unit, clerk):
    """Enough lines for several pages: every page says 第 N 页 / 共 M 页."""
    from app.core.audit import acting_as
    from app.extensions import db
    from app.fees.models import Charge, FeeItem

    item = db.session.query(FeeItem).filter_by(estate_id=paid_unit.estate_id, code="water").one()
    with acting_as(name="test-reports"):
        for i in range(60):
            start = dt.date(2032, 1, 1) + dt.timedelta(days=i)
            db.session.add(Charge(unit_id=paid_unit.id, fee_item=item, period=f"{start:%Y-%m}", period_start=start,
                                  period_end=start, due_date=start, amount=D("12.40"), paid=D("0.00"),
                                  source="meter", description=f"水费 第{i + 1}次抄表", created_at=NOW))
        db.session.commit()
    texts = [squash(t) for t in page_texts(statement_pdf(paid_unit.id, printed_on=PRINTED))]
    assert len(texts) >= 2
    for n, text in enumerate(texts, 1):
        assert re.search(rf"第{n}页[/，,]?共{len(texts)}页", text), text[-150:]
    assert fmt(D("348.60") + 60 * D("12.40")) in "".join(texts)  # 1,092.60 charged in all


def test_statement_scope_and_bad_range(paid_unit, other_estate):
    from app.exceptions import DomainError, NotFound

    with pytest.raises(NotFound):
        build_statement(paid_unit.id, estate_ids=[other_estate.id])
    with pytest.raises(NotFound):
        build_statement(10**9)
    with pytest.raises(DomainError):
        build_statement(paid_unit.id, dt.date(2031, 3, 1), dt.date(2031, 1, 1))
