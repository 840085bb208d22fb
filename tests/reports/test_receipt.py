"""收据 PDF from a receipt posted through app.cashdesk.services.post_payment."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from app.core.money import rmb_upper
from reports.receipt import build_receipt, receipt_filename, receipt_pdf
from tests.reports.pdfutil import all_decoded_streams, embedded_files, embedded_fonts, pdf_text, squash

NOW = dt.datetime(2031, 1, 10, 10, 30)


@pytest.fixture()
def receipt(report_unit, clerk):
    """1,005.50 received: 348.60 settles the six charges, 656.90 is kept as prepaid."""
    from app.cashdesk.services import post_payment

    return post_payment(report_unit.id, "1005.50", "cash", clerk, NOW, payer_name="欧阳建国")


def test_receipt_pdf_holds_payer_room_items_and_total(receipt, report_unit):
    pdf = receipt_pdf(receipt.id)
    assert pdf.startswith(b"%PDF-")
    text = squash(pdf_text(pdf))
    for expected in (
        "欧阳建国",  # payer
        report_unit.code,  # room
        receipt.number,
        "生活垃圾清运费", "物业服务费",  # items
        "2031-01", "2031-03",  # their months
        "318.60", "30.00",  # item amounts: 3 × 106.20, 3 × 10.00
        "656.90",  # prepaid kept
        "¥1,005.50",  # total in figures
        rmb_upper(D("1005.50")),  # 壹仟零伍元伍角
        "江苏苏南物业服务开发有限公司南京分公司", "山水湖畔小区",
        "2031年1月10日",
    ):
        assert squash(expected) in text, expected
    assert rmb_upper(D("1005.50")) == "壹仟零伍元伍角"


def test_receipt_items_add_up_to_the_money_received(receipt):
    doc = build_receipt(receipt.id)
    assert doc.settled == D("348.60")
    assert doc.settled + doc.to_prepaid - doc.from_prepaid == doc.amount == D("1005.50")
    assert [(i.text, i.periods, i.amount) for i in doc.items] == [
        ("物业服务费", [("2031-01", "2031-03")], D("318.60")),
        ("生活垃圾清运费", [("2031-01", "2031-03")], D("30.00")),
    ]
    assert receipt_filename(doc) == f"receipt-{receipt.number}.pdf"


def test_receipt_paid_from_prepaid(receipt, report_unit, clerk):
    """A later charge settled from the prepaid balance: a zero receipt with a 预存抵扣 line."""
    from app.cashdesk.services import post_payment
    from app.extensions import db
    from app.fees.models import Charge, FeeItem

    item = db.session.query(FeeItem).filter_by(estate_id=report_unit.estate_id, code="garbage").one()
    start = dt.date(2031, 4, 1)
    from app.core.audit import acting_as

    with acting_as(name="test-reports"):
        db.session.add(Charge(unit_id=report_unit.id, fee_item=item, period="2031-04", period_start=start,
                              period_end=start.replace(day=30), due_date=start + dt.timedelta(days=30),
                              amount=D("10.00"), paid=D("0.00"), source="manual", created_at=NOW))
        db.session.commit()
    later = post_payment(report_unit.id, "0", "cash", clerk, NOW + dt.timedelta(days=90))
    doc = build_receipt(later.id)
    assert doc.from_prepaid == D("10.00") and doc.amount == D("0.00")
    text = squash(pdf_text(receipt_pdf(later.id)))
    assert "-10.00" in text and "零元整" in text and "2031-04" in text


def test_reversal_receipt_and_voided_original(receipt, clerk, manager):
    from app.cashdesk.services import approve_void, request_void

    req = request_void(receipt.id, "金额录入错误", clerk, NOW + dt.timedelta(hours=1))
    reversal = approve_void(req.id, manager, NOW + dt.timedelta(hours=2))
    doc = build_receipt(reversal.id)
    assert doc.is_reversal and doc.reverses_number == receipt.number and doc.amount == D("-1005.50")
    text = squash(pdf_text(receipt_pdf(reversal.id)))
    for expected in (reversal.number, receipt.number, "金额录入错误", "-¥1,005.50", "负壹仟零伍元伍角", "冲正"):
        assert squash(expected) in text, expected
    # a reprint of the original says it has been voided, and by which receipt
    original = squash(pdf_text(receipt_pdf(receipt.id)))
    assert reversal.number in original and "作废" in original


def test_receipt_outside_the_callers_estates_is_not_found(receipt, other_estate):
    from app.exceptions import NotFound

    with pytest.raises(NotFound):
        build_receipt(receipt.id, estate_ids=[other_estate.id])
    assert build_receipt(receipt.id, estate_ids=[receipt.estate_id]).number == receipt.number
    with pytest.raises(NotFound):
        build_receipt(10**9)


def test_hostile_payer_name_prints_as_text(report_unit, clerk):
    from app.cashdesk.services import post_payment

    receipt = post_payment(report_unit.id, "30.00", "cheque", clerk, NOW,
                           payer_name='<script>alert(1)</script><img src="file:///etc/passwd">',
                           reference='<link rel=attachment href="file:///etc/passwd">')
    pdf = receipt_pdf(receipt.id)
    assert "alert(1)" in pdf_text(pdf)
    assert embedded_files(pdf) == []
    assert b"root:x:0:0" not in all_decoded_streams(pdf)


def test_receipt_embeds_only_our_font(receipt):
    fonts = embedded_fonts(receipt_pdf(receipt.id))
    assert fonts and all("Estate-Sans" in f["name"] for f in fonts)


def test_receipt_in_english(receipt):
    text = pdf_text(receipt_pdf(receipt.id, lang="en"))
    assert "Receipt" in text and "Cash" in text and "Page 1 of 1" in text
    assert "欧阳建国" in squash(text)
