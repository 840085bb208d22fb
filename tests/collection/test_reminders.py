"""Payment reminders: letter text, numbering and reprints, logging, the case file, bad input,
who may print, the command."""
import datetime as dt
import re
from decimal import Decimal as D

import pytest

from app.collection import arrears, rules, services
from app.collection.models import CollectionAction, PaymentReminder
from app.core.money import rmb_upper
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from tests.collection.conftest import NOW
from tests.reports.pdfutil import page_texts, squash


def _print(estate_ids, units, actor, now=NOW, **kw):
    f = arrears.ArrearsFilter(unit_ids=[u.id for u in units])
    return services.print_reminders(estate_ids, f, actor, now, **kw)


def _count(model, unit_ids):
    return db.session.query(model).filter(model.unit_id.in_(unit_ids)).count()


def test_letters_hold_owner_room_items_and_total(make_units, estate_ids, clerk):
    _number, units = make_units(["欧阳建国", "司马光", "诸葛亮"])
    pdf, reminders = _print(estate_ids, list(reversed(units)), clerk)
    pages = page_texts(pdf)
    assert len(pages) == 3  # one letter a page, sorted by building and room
    for unit, page, reminder, owner in zip(units, pages, reminders, ["欧阳建国", "司马光", "诸葛亮"]):
        text = squash(page)
        assert reminder.unit_id == unit.id
        total = reminder.total
        assert reminder.amount == D("348.60") and total == D("348.60") + reminder.late_fee
        for expected in (owner, unit.code, reminder.number, "生活垃圾清运费", "物业服务费", "2031-01", "2031-03",
                         "30.00", "318.60", "348.60", f"¥{total:,.2f}", rmb_upper(total),
                         "江苏苏南物业服务开发有限公司南京分公司", "2031年6月1日"):
            assert squash(expected) in text, (expected, page)
        assert squash("第 1 页") in text or "Page1of1" in text  # numbered on its own


def test_numbers_are_gapless_and_reprint_keeps_them(make_units, estate_ids, clerk):
    _number, units = make_units(["赵一", "钱二"])
    ids = [u.id for u in units]
    _pdf, first = _print(estate_ids, units, clerk)
    numbers = [r.number for r in first]
    seqs = [r.seq for r in first]
    assert seqs[1] == seqs[0] + 1 and all(re.fullmatch(r"CJ2031-\d{5}", n) for n in numbers)
    assert _count(CollectionAction, ids) == 2  # each printed letter logged once, as a written notice
    actions = db.session.query(CollectionAction).filter(CollectionAction.unit_id.in_(ids)).all()
    assert {a.kind for a in actions} == {"notice"} and {a.reminder.number for a in actions} == set(numbers)

    pdf, again = _print(estate_ids, units, clerk, now=NOW + dt.timedelta(days=1))
    assert [r.number for r in again] == numbers
    assert [r.print_count for r in again] == [2, 2]
    assert _count(PaymentReminder, ids) == 2 and _count(CollectionAction, ids) == 2
    assert all(squash(n) in squash(t) for n, t in zip(numbers, page_texts(pdf)))

    _pdf, new = _print(estate_ids, units, clerk, now=NOW + dt.timedelta(days=20), new_round=True)
    assert [r.round_no for r in new] == [2, 2] and [r.stage for r in new] == ["second", "second"]
    assert new[0].seq == seqs[1] + 1 or new[0].seq > seqs[1]  # other tests may print in between
    assert new[1].seq == new[0].seq + 1
    assert _count(PaymentReminder, ids) == 4 and _count(CollectionAction, ids) == 4


def _in_full(unit_id, day):
    """What a unit must pay on ``day`` to owe nothing: its charges and its late fee."""
    from app.cashdesk.services import arrears_total
    from app.latefees.services import late_fees_owed

    return arrears_total(unit_id) + late_fees_owed([unit_id], day).of_unit(unit_id)


def test_paid_unit_drops_out(make_units, estate_ids, clerk):
    from app.cashdesk.services import post_payment

    number, (paid, unpaid) = make_units(["已缴", "未缴"])
    post_payment(paid.id, _in_full(paid.id, dt.date(2031, 5, 20)), "cash", clerk, dt.datetime(2031, 5, 20, 9, 0))
    f = arrears.parse_filters({"building": number}, estate_ids)
    assert [r.unit_id for r in arrears.arrears_report(estate_ids, NOW.date(), f).rows] == [unpaid.id]
    _pdf, reminders = services.print_reminders(estate_ids, f, clerk, NOW)
    assert [r.unit_id for r in reminders] == [unpaid.id]
    assert _count(PaymentReminder, [paid.id]) == 0


def test_payment_in_full_closes_the_case_history_stays(make_units, estate_ids, clerk):
    from app.cashdesk.services import post_payment

    _number, (unit,) = make_units(["结案"])
    services.log_action(unit.id, "phone", clerk, NOW, reached=True, result="答应月底交")
    post_payment(unit.id, _in_full(unit.id, NOW.date() + dt.timedelta(days=1)), "cash", clerk,
                 NOW + dt.timedelta(days=1))
    cf = services.case_file(unit.id, NOW.date() + dt.timedelta(days=2))
    assert cf.arrears is None and cf.step.next_kind is None
    assert [a.kind for a in cf.actions] == ["phone"]
    with pytest.raises(DomainError):
        _print(estate_ids, [unit], clerk, now=NOW + dt.timedelta(days=2))


def test_stage_moves_on_when_a_promise_passes(make_units, estate_ids, clerk):
    _number, (unit,) = make_units(["承诺"])
    services.log_action(unit.id, "phone", clerk, NOW, reached=True, promise_date=dt.date(2031, 6, 10),
                        promise_amount="348.60", result="答应6月10日前交清")
    before = services.case_file(unit.id, dt.date(2031, 6, 10)).step
    assert before.stage == "phone" and before.next_kind == "notice" and not before.is_due(dt.date(2031, 6, 10))
    after = services.case_file(unit.id, dt.date(2031, 6, 11)).step
    assert after.is_due(dt.date(2031, 6, 11)) and after.promise_broken
    f = arrears.ArrearsFilter(unit_ids=[unit.id], stage="phone")
    (row,) = arrears.arrears_report(estate_ids, dt.date(2031, 6, 11), f).rows
    assert row.step.next_kind == "notice" and row.step.is_due(dt.date(2031, 6, 11))


def test_escalation_is_decided_by_the_manager(make_units, clerk, manager):
    _number, (unit,) = make_units(["拒交"])
    with pytest.raises(DomainError):
        services.log_action(unit.id, "escalation", clerk, NOW)  # a reason is required
    action = services.log_action(unit.id, "escalation", clerk, NOW, result="多次上门拒不交纳")
    assert services.case_file(unit.id, NOW.date()).step.next_kind == "decision"
    with pytest.raises(PermissionDenied):
        services.decide_escalation(action.id, "legal", None, clerk, NOW)
    services.decide_escalation(action.id, "legal", "发律师函", manager, NOW)
    assert services.case_file(unit.id, NOW.date()).step.next_kind is None
    with pytest.raises(DomainError):
        services.decide_escalation(action.id, "continue", None, manager, NOW)


@pytest.mark.parametrize("raw", [{"promise_amount": "-5", "promise_date": dt.date(2031, 7, 1)},
                                 {"promise_date": dt.date(2031, 5, 1)}, {"delivery": "pigeon"}])
def test_bad_action_input(make_units, clerk, raw):
    _number, (unit,) = make_units(["坏输入"])
    with pytest.raises(DomainError):
        services.log_action(unit.id, "phone", clerk, NOW, **raw)
    assert _count(CollectionAction, [unit.id]) == 0


def test_owner_markup_is_escaped_and_english_on_request(make_units, estate_ids, clerk):
    from reports.reminder import doc_of
    from reports.rendering import render_html

    _number, (unit,) = make_units(["<b>Li</b> & <script>x</script>"], lang="en")
    pdf, (reminder,) = _print(estate_ids, [unit], clerk)
    assert reminder.lang == "en"
    html = render_html("reminder.html", {"doc": doc_of(reminder)}, "en")
    assert "<script>" not in html and "&lt;b&gt;Li&lt;/b&gt; &amp; &lt;script&gt;" in html
    text = squash(page_texts(pdf)[0])
    assert squash("<b>Li</b>") in text and "Paymentreminder" in text and "Page1of1" in text


def test_empty_selection_prints_nothing(estate_ids, clerk, make_units):
    with pytest.raises(DomainError):
        services.print_reminders(estate_ids, arrears.ArrearsFilter(unit_ids=[]), clerk, NOW)
    number, (unit,) = make_units(["没选"])
    with pytest.raises(DomainError):  # nothing overdue on that day
        services.print_reminders(estate_ids, arrears.ArrearsFilter(unit_ids=[unit.id]), clerk,
                                 dt.datetime(2031, 1, 15))
    assert _count(PaymentReminder, [unit.id]) == 0 and _count(CollectionAction, [unit.id]) == 0


def test_engineer_may_not_print(app_ctx, estate_ids, make_units):
    engineer = app_ctx.appbuilder.sm.find_user(username="engineer")
    _number, (unit,) = make_units(["工程"])
    with pytest.raises(PermissionDenied):
        _print(estate_ids, [unit], engineer)
    assert _count(PaymentReminder, [unit.id]) == 0


def _token(client, url):
    from tests.conftest import csrf_token

    html = client.get(url).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return m.group(1) if m else csrf_token(client)


@pytest.fixture()
def at_now(monkeypatch):
    """The pages' clock set to NOW (the fixture charges are overdue then)."""
    from app.core import clock

    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: NOW.date())


def test_clerk_prints_selected_rows_from_the_list(login, make_units, app, at_now):
    _number, units = make_units(["网页一", "网页二", "网页三"])
    client = login("clerk")
    token = _token(client, "/arrears/")
    resp = client.post("/arrears/print", data={"unit": [str(u.id) for u in units], "csrf_token": token})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    pages = page_texts(resp.data)
    assert len(pages) == 3 and "网页一" in squash(pages[0]) and "网页三" in squash(pages[2])
    # an empty selection: a message, no PDF
    resp = client.post("/arrears/print", data={"csrf_token": token})
    assert resp.status_code == 302
    # the case file shows the printed notice and reprints the letter
    resp = client.get(f"/collection/unit/{units[0].id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "CJ" in body
    rid = db.session.query(PaymentReminder.id).filter_by(unit_id=units[0].id).scalar()
    assert client.get(f"/collection/reminder/{rid}.pdf").mimetype == "application/pdf"


def test_clerk_logs_a_phone_call_from_the_case_file(login, make_units, at_now):
    _number, (unit,) = make_units(["电话"])
    client = login("clerk")
    token = _token(client, f"/collection/unit/{unit.id}")
    resp = client.post(f"/collection/unit/{unit.id}/action", data={
        "kind": "phone", "reached": "0", "result": "无人接听", "csrf_token": token})
    assert resp.status_code == 302
    assert db.session.query(CollectionAction).filter_by(unit_id=unit.id, kind="phone").one().reached is False
    resp = client.post(f"/collection/unit/{unit.id}/action", data={
        "kind": "phone", "promise_amount": "-1", "promise_date": "2099-01-01", "csrf_token": token})
    assert resp.status_code == 200 and "has-error" in resp.get_data(as_text=True)


def test_engineer_cannot_print_on_the_web(client, make_units, at_now):
    from tests.conftest import csrf_token, do_login

    _number, (unit,) = make_units(["工程网页"])
    token = csrf_token(client, "/login/")  # the session's token, kept through the login
    do_login(client, "engineer")
    for url in ("/arrears/print", f"/collection/unit/{unit.id}/print"):
        resp = client.post(url, data={"unit": [str(unit.id)], "csrf_token": token})
        assert resp.status_code in (302, 403) and resp.mimetype != "application/pdf", url
    assert _count(PaymentReminder, [unit.id]) == 0


def test_command_prints_and_refuses_bad_input(app, make_units, tmp_path, at_now):
    number, units = make_units(["命令一", "命令二"])
    runner = app.test_cli_runner()
    out = tmp_path / "r.pdf"
    for args, message in (
        (["--building", "nope"], "nope"),
        (["--building", number, "--min-amount", "-1"], None),
        (["--building", number, "--stage", "lawsuit"], "lawsuit"),
        (["--building", number, "--min-days", "9999"], None),  # empty selection
    ):
        result = runner.invoke(args=["reminders", "print", "--out", str(out), *args])
        assert result.exit_code != 0, result.output
        assert not out.exists()
        if message:
            assert message in result.output
    assert _count(PaymentReminder, [u.id for u in units]) == 0
    result = runner.invoke(args=["reminders", "print", "--out", str(out), "--building", number, "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(page_texts(out.read_bytes())) == 2
    assert _count(CollectionAction, [u.id for u in units]) == 2


def test_a_letter_whose_pdf_was_not_written_is_not_marked_printed(app, make_units, tmp_path, at_now, monkeypatch):
    """The command writes the file first and marks the letters printed after: a full disk (or a
    kill between the two) leaves no reminder counted as printed without its PDF."""
    from app.collection import cli

    number, units = make_units(["磁盘满"])
    out = tmp_path / "r.pdf"

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    write = cli.write_atomically
    monkeypatch.setattr(cli, "write_atomically", full_disk)
    result = app.test_cli_runner().invoke(args=["reminders", "print", "--out", str(out), "--building", number,
                                                "--workers", "1"])
    assert result.exit_code != 0 and "No space left on device" in result.output
    assert not out.exists()
    db.session.expire_all()
    reminders = db.session.query(PaymentReminder).filter_by(unit_id=units[0].id).all()
    assert all(r.print_count == 0 and r.printed_at is None for r in reminders)
    assert _count(CollectionAction, [units[0].id]) == 0
    monkeypatch.setattr(cli, "write_atomically", write)
    result = app.test_cli_runner().invoke(args=["reminders", "print", "--out", str(out), "--building", number,
                                                "--workers", "1"])
    assert result.exit_code == 0, result.output
    (reminder,) = db.session.query(PaymentReminder).filter_by(unit_id=units[0].id).all()
    assert reminder.print_count == 1 and out.read_bytes().startswith(b"%PDF")


def test_the_reminder_page_reprints_what_is_owed_today(login, make_units, estate_ids, clerk, at_now):
    from app.cashdesk.services import post_payment

    _n, (unit,) = make_units(["页面重印"])
    _pdf, (reminder,) = _print(estate_ids, [unit], clerk)
    post_payment(unit.id, "116.20", "cash", clerk, NOW)  # January (and its late fee first) paid since
    client = login("clerk")
    resp = client.get(f"/collection/reminder/{reminder.id}.pdf")
    assert resp.mimetype == "application/pdf"
    text = squash(page_texts(resp.data)[0])
    today = arrears.unit_arrears(db.session.get(type(unit), unit.id), NOW.date(), billed_to="owner")
    assert today.total < reminder.amount
    assert squash(reminder.number) in text and squash(f"¥{today.total + today.late_fee:,.2f}") in text
    assert squash(f"¥{reminder.total:,.2f}") not in text  # not the amount first asked for
    # everything paid: a message on the reminder's page, no letter asking for paid money
    post_payment(unit.id, "10000.00", "cash", clerk, NOW)
    resp = client.get(f"/collection/reminder/{reminder.id}.pdf")
    assert resp.status_code == 302 and f"/show/{reminder.id}" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert reminder.number in page and ("已全部缴清" in page or "has been paid" in page)


@pytest.mark.parametrize("field", ["result", "note"])
def test_collection_notes_refuse_control_characters(make_units, clerk, manager, field):
    _n, (unit,) = make_units(["控制字符"])
    if field == "result":
        with pytest.raises(DomainError) as err:
            services.log_action(unit.id, "phone", clerk, NOW, result="\x00\x00\x00\x00", reached=False)
    else:
        esc = services.log_action(unit.id, "escalation", clerk, NOW, result="长期拖欠，请经理决定")
        with pytest.raises(DomainError) as err:
            services.decide_escalation(esc.id, next(iter(rules.DECISIONS)), "同意\x00起诉", manager, NOW)
        db.session.rollback()
        assert db.session.get(CollectionAction, esc.id).decision is None
    assert err.value.field == field
