"""FAB's own user and permission APIs (app/security/fab_apis.py): what fuzzing found there is a
4xx with a plain message now, never a 500 or the database driver's text."""


def test_put_on_a_user_that_does_not_exist_is_404(api):
    admin = api("admin")
    resp = admin.put("/api/v1/security/users/987654", json={"first_name": "无人"})
    assert resp.status_code == 404


def test_post_without_json_is_400(api):
    admin = api("admin")
    resp = admin.post("/api/v1/security/users/", data="username=x")
    assert resp.status_code == 400
    assert "JSON" in resp.get_data(as_text=True)


def test_duplicate_user_name_is_422_without_the_drivers_text(api, app):
    admin = api("admin")
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Clerk").id
    resp = admin.post("/api/v1/security/users/", json={
        "username": "clerk", "first_name": "重复", "last_name": "用户", "email": "dup-clerk@example.com",
        "password": "a-long-unusual-passphrase-2026", "roles": [role_id], "active": True,
    })
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "UNIQUE" not in body and "ab_user" not in body and "IntegrityError" not in body


def test_permission_on_resource_without_its_ids_is_422_not_500(api):
    admin = api("admin")
    resp = admin.post("/api/v1/security/permissions-resources/", json={})
    assert resp.status_code == 422
    assert "NOT NULL" not in resp.get_data(as_text=True)
