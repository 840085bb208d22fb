"""The Admin's staff-account pages in office terms: 姓名 and 岗位 instead of FAB's first and last
name (a Chinese name is one field), no user-group column nobody uses, role names in words (护卫
is 安全护卫部, not FAB's 安全管理 menu), and staff named by their full name elsewhere."""
import re

from app.extensions import db
from app.security.roles import ROLE_LABELS, staff_name
from tests.conftest import csrf_token, do_login


def test_user_list_speaks_of_name_and_post_without_groups(app, client):
    do_login(client, "admin")
    html = client.get("/users/list/").get_data(as_text=True)
    heads = re.sub(r"<[^>]+>", " ", html[html.index("<thead"):html.index("</thead>")])
    assert "姓名" in heads and "岗位" in heads
    assert "用户组" not in heads and "Groups" not in heads
    assert "安全护卫部" in html and "安全管理</td>" not in html  # the Security role in words


def test_a_new_user_needs_a_role_and_is_named_by_full_name(app, client):
    do_login(client, "admin")
    with app.app_context():
        role = app.appbuilder.sm.find_role("Clerk")
        role_id = role.id
    form = dict(first_name="孙晓梅", last_name="客服", username="sunxm", email="sunxm@example.com", active="y",
                password="孙晓梅的登录密码足够长了吧", conf_password="孙晓梅的登录密码足够长了吧")
    no_role = client.post("/users/add", data={**form, "csrf_token": csrf_token(client, "/users/add")})
    assert no_role.status_code == 200  # the form again, with its message under the role field
    assert "密码至少需要" not in no_role.get_data(as_text=True)  # refused for the role, not the password
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="sunxm") is None
    resp = client.post("/users/add", data={**form, "roles": str(role_id),
                                           "csrf_token": csrf_token(client, "/users/add")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="sunxm")
        assert staff_name(user) == "孙晓梅"
        db.session.delete(user)
        db.session.commit()


def test_role_labels_are_translated_with_context(app):
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("zh_CN"):
        assert str(ROLE_LABELS["Security"]) == "安全护卫部"
        assert str(ROLE_LABELS["Clerk"]) == "物业管理员/客服"


def _role_id(app, name="Clerk"):
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def test_the_role_picker_names_roles_in_chinese(app, client):
    do_login(client, "admin")
    for url in ("/users/add", "/users/edit/1"):
        html = client.get(url).get_data(as_text=True)
        picker = re.search(r'<select[^>]*name="roles".*?</select>', html, re.S).group(0)
        texts = re.findall(r">([^<]+)</option>", picker)
        assert "物业管理员/客服" in texts and "安全护卫部" in texts and "系统管理员" in texts, texts
        assert not [t for t in texts if re.search(r"[A-Za-z]", t)], texts


def test_a_staff_account_needs_no_email(app, client):
    do_login(client, "admin")
    form = dict(first_name="钱多多", last_name="工程部", username="qiandd", email=" ", active="y",
                roles=str(_role_id(app, "Engineer")), password="钱多多的登录密码足够长了吧",
                conf_password="钱多多的登录密码足够长了吧")
    resp = client.post("/users/add", data={**form, "csrf_token": csrf_token(client, "/users/add")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    # a second one without e-mail too (the address column is unique)
    resp = client.post("/users/add", data={**form, "username": "qiandd2", "email": "",
                                           "csrf_token": csrf_token(client, "/users/add")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="qiandd")
        uid = user.id
    # the pages show no made-up address: the edit form's box is empty, and sent back unchanged
    html = client.get(f"/users/edit/{uid}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="email"[^>]*>', html) and "no-email.invalid" not in html
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="qiandd").email == "qiandd@no-email.invalid"
    assert "no-email.invalid" not in client.get(f"/users/show/{uid}").get_data(as_text=True)
    assert "no-email.invalid" not in client.get("/users/list/").get_data(as_text=True)
    # a real address typed later is kept; a malformed one is refused
    edit = dict(first_name="钱多多", last_name="工程部", username="qiandd", email="qdd@example.com", active="y",
                roles=str(_role_id(app, "Engineer")))
    resp = client.post(f"/users/edit/{uid}", data={**edit, "csrf_token": csrf_token(client, f"/users/edit/{uid}")})
    assert resp.status_code == 302
    bad = client.post(f"/users/edit/{uid}", data={**edit, "email": "不是邮箱",
                                                   "csrf_token": csrf_token(client, f"/users/edit/{uid}")})
    assert bad.status_code == 200
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="qiandd").email == "qdd@example.com"
        for name in ("qiandd", "qiandd2"):
            db.session.delete(app.appbuilder.sm.find_user(username=name))
        db.session.commit()
