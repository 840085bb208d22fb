"""The security log's details read as translated sentences (issue 13), not the stored keys
``via: form`` or ``what: payment_reminders``; a tag in a stored value stays text."""
from __future__ import annotations

import re

import pytest

from app.security import events
from tests.conftest import do_login

pytestmark = pytest.mark.usefixtures("login_limit")


def _write(app, kind, detail, username="tester"):
    with app.test_request_context("/"):
        events.record(kind, username=username, detail=detail)
        from app.extensions import db

        db.session.commit()


def _details(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_details_read_in_words(app, client):
    _write(app, events.LOGIN, {"via": "form"})
    _write(app, events.BATCH_PRINT, {"what": "payment_reminders", "count": 3, "new_round": True,
                                     "first": "CJ2026-0001", "last": "CJ2026-0003"})
    _write(app, events.EXPORT, {"what": "owner_list", "estates": [1], "masked": True})
    _write(app, events.USER_CHANGED, {"user": "<b>lw</b>", "changes": {"first_name": ["王丽", "王莉"],
                                                                      "roles": {"added": ["Clerk"]}},
                                      "password_changed": False})
    do_login(client, "admin")
    text = _details(client.get("/securityeventmodelview/list/").get_data(as_text=True))
    for expected in ("通过登录页面登录", "内容：催缴通知书", "3 份", "编号 CJ2026-0001 至 CJ2026-0003", "新一轮催缴",
                     "内容：业主名册", "项目：山水湖畔小区", "个人信息已遮盖",
                     "姓名 由“王丽”改为“王莉”", "增加角色：物业管理员/客服"):
        assert expected in text, expected
    for raw in ("via:", "what:", "payment_reminders", "owner_list", "masked:", "new_round"):
        assert raw not in text, raw
    html = client.get("/securityeventmodelview/list/").get_data(as_text=True)
    assert "<b>lw</b>" not in html and "账号：&lt;b&gt;lw&lt;/b&gt;" in html
