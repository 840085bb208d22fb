"""Every edit form of every register keeps what it shows.

Walks every registered ModelView with an edit form — those of today and those added later —
as the administrator (who may edit every register): opens the edit page of a demo record,
sends the form back exactly as a browser would, and expects the record unchanged and no row in
the change log. Then, for each exact-decimal column on the form, it types a value with the
column's full scale as a person would (full-width digits, spaces) and reads it back; one decimal
more is refused with a message and changes nothing.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_appbuilder import ModelView
from flask_appbuilder.security.views import RoleModelView, UserModelView
from sqlalchemy import func, inspect, select
from werkzeug.datastructures import MultiDict

from app.core.audit import AuditLog
from app.core.money import FixedDecimal
from app.extensions import db
from tests.conftest import do_login
from tests.core.formwalk import alerts, read_form

# FAB's own account screens (users and roles, stamped by FAB on every save) are not registers
# of the office and are left out.


def _edit_views(app) -> list:
    views = []
    for view in app.appbuilder.baseviews:
        if not isinstance(view, ModelView) or isinstance(view, (UserModelView, RoleModelView)):
            continue
        if not view.edit_columns or "edit" not in dir(view):
            continue
        permission = "can_" + (view.method_permission_name or {}).get("edit", "edit")
        if view.base_permissions and permission not in view.base_permissions:
            continue
        views.append(view)
    return views


def _view_names(app) -> list[str]:
    return sorted(type(v).__name__ for v in _edit_views(app))


def _view(app, name):
    return next(v for v in _edit_views(app) if type(v).__name__ == name)


def _snapshot(item) -> dict:
    """Every column and many-to-many membership of the record."""
    state = {}
    mapper = inspect(type(item))
    for attr in mapper.column_attrs:
        state[attr.key] = getattr(item, attr.key)
    for rel in mapper.relationships:
        if rel.uselist and rel.secondary is not None:
            state[rel.key] = sorted(inspect(o).identity for o in getattr(item, rel.key))
    return state


def _pick_record(app, view):
    """A demo record of the register that the page lets one edit (the first one by id)."""
    model = view.datamodel.obj
    pk = inspect(model).primary_key[0]
    with app.test_request_context():
        for item in db.session.scalars(select(model).order_by(pk).limit(200)):
            if view.record_editable(item) if hasattr(view, "record_editable") else True:
                return getattr(item, pk.key)
    return None


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


@pytest.fixture(scope="module")
def admin(app):
    client = app.test_client()
    do_login(client, "admin")
    return client


def test_the_walk_finds_the_registers(app):
    names = _view_names(app)
    # a sample that must be there; the walk covers every register with an edit form
    for name in ("UnitModelView", "OwnerModelView", "FeeItemModelView", "FeeRateModelView",
                 "ServicePriceModelView", "NoticeModelView"):
        assert name in names, names
    assert len(names) >= 15, names


@pytest.mark.parametrize("name", [
    "UnitModelView", "OwnerModelView", "OccupancyModelView", "BuildingModelView", "EntranceModelView",
    "ZoneModelView", "EstateModelView", "FeeItemModelView", "FeeRateModelView", "FeeScheduleModelView",
    "ServiceContentModelView", "ServicePriceModelView", "NoticeModelView", "MeterModelView",
    "MeterReadingModelView", "WorkOrderModelView", "ComplaintModelView", "StaffEstateModelView",
])
def test_listed_registers_are_walked(app, name):
    """The walk below is generic; this keeps the registers we know of from silently dropping
    out of it (a register renamed or without edit form would make the walk pass vacuously)."""
    assert name in _view_names(app)


def test_every_edit_form_sent_back_as_rendered_changes_nothing(app, admin):
    failures = []
    for view in _edit_views(app):
        name = type(view).__name__
        with app.app_context():
            pk = _pick_record(app, view)
            if pk is None:
                continue
            model = view.datamodel.obj
            before = _snapshot(db.session.get(model, pk))
            audit_before = _audit_count()
            db.session.remove()
        url = f"{view.route_base}/edit/{pk}"
        page = admin.get(url)
        if page.status_code != 200:
            failures.append(f"{url}: GET {page.status_code}")
            continue
        fields = read_form(page.get_data(as_text=True))
        if not fields:
            failures.append(f"{url}: no form")
            continue
        resp = admin.post(url, data=MultiDict(fields))
        body = resp.get_data(as_text=True)
        if resp.status_code != 302:
            failures.append(f"{url}: POST {resp.status_code} {alerts(body)}")
            continue
        with app.app_context():
            after = _snapshot(db.session.get(model, pk))
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            written = _audit_count() - audit_before
            db.session.remove()
        if changed or written:
            failures.append(f"{url}: changed {changed}, {written} change-log rows")
    assert not failures, "\n".join(failures)


def _decimal_fields(view) -> list[tuple[str, int]]:
    """(column, places) of the exact-decimal columns on the edit form."""
    table = view.datamodel.obj.__table__
    out = []
    for col in view.edit_columns or []:
        column = table.columns.get(col)
        if column is None:
            continue
        if isinstance(column.type, FixedDecimal):
            out.append((col, column.type.places))
        elif getattr(column.type, "scale", None) is not None and column.type.python_type is Decimal:
            out.append((col, column.type.scale))
    return out


def _fullwidth(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


def test_every_decimal_keeps_its_full_scale(app, admin):
    """Typed with all the decimals the column holds (one more than shown), full-width digits and
    spaces as an office keyboard gives them, read back exactly; one decimal more is refused with
    a message and the record stays as it was."""
    failures, tried = [], 0
    for view in _edit_views(app):
        columns = _decimal_fields(view)
        if not columns:
            continue
        name = type(view).__name__
        with app.app_context():
            pk = _pick_record(app, view)
            db.session.remove()
        if pk is None:
            continue
        url = f"{view.route_base}/edit/{pk}"
        model = view.datamodel.obj
        for col, places in columns:
            fields = read_form(admin.get(url).get_data(as_text=True))
            shown = dict(fields).get(col)
            if shown is None:
                continue  # the column is shown another way (e.g. a read-only row)
            original = Decimal(shown) if shown else Decimal("1")
            step = Decimal(1).scaleb(-places)
            typed = original + step  # changes the last decimal the column keeps
            text = f"{typed:.{places}f}"
            tried += 1
            posted = [(n, f" {_fullwidth(text)} " if n == col else v) for n, v in fields]
            resp = admin.post(url, data=MultiDict(posted))
            with app.app_context():
                stored = getattr(db.session.get(model, pk), col)
                db.session.remove()
            if resp.status_code != 302 or stored != typed:
                failures.append(f"{url} {col}: typed {text!r}, stored {stored!r} ({resp.status_code})")
                continue
            shown_again = dict(read_form(admin.get(url).get_data(as_text=True))).get(col)
            if shown_again != text:
                failures.append(f"{url} {col}: typed {text!r}, the form shows {shown_again!r}")
            too_fine = [(n, text + "1" if n == col else v) for n, v in fields]
            refused = admin.post(url, data=MultiDict(too_fine))
            with app.app_context():
                kept = getattr(db.session.get(model, pk), col)
                db.session.remove()
            if refused.status_code != 200 or kept != typed or "decimal" not in refused.get_data(as_text=True).lower() \
                    and "小数" not in refused.get_data(as_text=True):
                failures.append(f"{url} {col}: {text + '1'!r} not refused with a message ({refused.status_code}, kept {kept!r})")
            # put the demo value back for the other tests
            admin.post(url, data=MultiDict(fields))
    assert tried >= 4, "the walk typed into fewer decimal fields than the demo registers have"
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module", autouse=True)
def drafts(app):
    """A draft fee schedule (with its rates and contents) and a draft notice with times to the
    second, so that the walk reaches the registers whose demo records are all published."""
    import datetime as dt

    from app.core import clock
    from app.core.audit import acting_as
    from app.fees.models import FeeSchedule
    from app.fees.services import new_version
    from app.publishing.models import Notice

    with app.app_context():
        published = db.session.query(FeeSchedule).filter_by(estate_id=1, status="published").first()
        draft = new_version(published.id, app.appbuilder.sm.find_user(username="supervisor"))
        start = dt.datetime.combine(clock.today(), dt.time(8, 0, 37))
        with acting_as(name="test-seed"):
            notice = Notice(estate_id=1, title="停水通知", body="第一段。\n\n第二段。", status="draft",
                            starts_at=start, ends_at=start + dt.timedelta(hours=9))
            db.session.add(notice)
            db.session.commit()
        ids = {"schedule": draft.id, "published": published.id, "notice": notice.id}
        db.session.remove()
    return ids


def test_a_record_that_may_not_be_edited_says_why(app, admin, drafts):
    url = f"/feeschedulemodelview/edit/{drafts['published']}"
    resp = admin.get(url)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/feeschedulemodelview/show/{drafts['published']}")
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已发布的收费标准不能修改" in page, alerts(page)
    assert f'href="{url}"' not in page  # and the record page offers no 修改
    token = dict(read_form(admin.get(f"/feeschedulemodelview/edit/{drafts['schedule']}").get_data(as_text=True)))
    resp = admin.post(url, data={"title": "改名", "csrf_token": token["csrf_token"]})
    assert resp.status_code == 302  # a POST is turned away the same way
    with app.app_context():
        from app.fees.models import FeeSchedule

        assert db.session.get(FeeSchedule, drafts["published"]).title != "改名"


@pytest.mark.parametrize("typed", ["{d} 08:00", "{d}T08:00", "{slash} 8:00", "{cn} 8:00", "{fw}"])
def test_date_times_are_read_as_typed(app, admin, drafts, typed):
    import datetime as dt

    from app.core import clock
    from app.publishing.models import Notice

    day = clock.today()
    text = typed.format(d=day.isoformat(), slash=f"{day.year}/{day.month}/{day.day}",
                        cn=f"{day.year}年{day.month}月{day.day}日", fw=_fullwidth(f"{day.isoformat()} 08:00"))
    url = f"/noticemodelview/edit/{drafts['notice']}"
    fields = read_form(admin.get(url).get_data(as_text=True))
    posted = [(n, text if n == "ends_at" else v) for n, v in fields]
    resp = admin.post(url, data=MultiDict(posted))
    assert resp.status_code == 302, alerts(resp.get_data(as_text=True))
    with app.app_context():
        notice = db.session.get(Notice, drafts["notice"])
        assert notice.ends_at == dt.datetime.combine(day, dt.time(8, 0))
        assert notice.starts_at.second == 37  # the untouched time keeps its seconds
        db.session.remove()
    shown = dict(read_form(admin.get(url).get_data(as_text=True)))
    assert shown["ends_at"] == f"{day.isoformat()} 08:00"


@pytest.mark.parametrize("typed", ["明天上午", "2026年13月40日 8:00", "2027-02-29 08:00", "2026-12-09 25:00"])
def test_a_date_time_that_is_not_one_is_refused_with_a_message(app, admin, drafts, typed):
    url = f"/noticemodelview/edit/{drafts['notice']}"
    fields = read_form(admin.get(url).get_data(as_text=True))
    resp = admin.post(url, data=MultiDict([(n, typed if n == "ends_at" else v) for n, v in fields]))
    assert resp.status_code == 200
    assert any("请填写日期和时间" in a for a in alerts(resp.get_data(as_text=True)))


def test_the_posting_log_is_dated_now_unless_typed_otherwise(app, login):
    import re

    from app.core import clock

    client = login("supervisor")
    html = client.get("/postingmodelview/add").get_data(as_text=True)
    m = re.search(r'<input[^>]*name="posted_at"[^>]*>', html)
    assert m and "data-datetime" in m.group(0)
    value = re.search(r'value="([^"]*)"', m.group(0)).group(1)
    assert value[:10] == clock.today().isoformat() and len(value) == 16, value  # to the minute


def test_no_control_character_reaches_a_register_from_a_form(app, admin):
    """NUL bytes typed (or pasted) into any text box of any register's form are refused with a
    message on that box, and the record stays as it was."""
    failures, tried = [], 0
    for view in _edit_views(app):
        table = view.datamodel.obj.__table__
        texts = [c for c in view.edit_columns or [] if c in table.columns
                 and getattr(table.columns[c].type, "length", None) is not None and not view.datamodel.is_relation(c)
                 and c not in (getattr(view, "choice_fields", None) or {})]
        with app.app_context():
            pk = _pick_record(app, view)
            if pk is None or not texts:
                db.session.remove()
                continue
            before = _snapshot(db.session.get(view.datamodel.obj, pk))
            db.session.remove()
        url = f"{view.route_base}/edit/{pk}"
        fields = read_form(admin.get(url).get_data(as_text=True))
        col = next((c for c in texts if c in dict(fields)), None)
        if col is None:
            continue
        tried += 1
        resp = admin.post(url, data=MultiDict([(n, "\x00" * 5 if n == col else v) for n, v in fields]))
        with app.app_context():
            after = _snapshot(db.session.get(view.datamodel.obj, pk))
            db.session.remove()
        if resp.status_code != 200 or after != before or not any("控制字符" in a for a in alerts(resp.get_data(as_text=True))):
            failures.append(f"{url} {col}: {resp.status_code}, {alerts(resp.get_data(as_text=True))}")
    assert tried >= 10
    assert not failures, "\n".join(failures)
