"""The role matrix, walked cell by cell over HTTP: role x registered resource x action.

The oracle is data: ``app.security.roles.allowed`` (ROLE_MATRIX) for our registers,
``SELF_SERVICE`` for the account pages every staff member uses, and ``ADMIN_ONLY`` below for
FAB's own user/role administration and the staff-estate assignment. The resources and their
routes are collected from the running app, so a new view is walked as soon as it is
registered, and a view that has no rule anywhere fails ``test_every_registered_view_has_a_rule``.

What FAB 5.3 does, and so what the cells expect:
- page (``@has_access``): allowed -> 200; logged in without the permission -> 403 (our
  error page); anonymous -> 302 to /login/?next=...
- delete (POST /<view>/delete/<pk> with the CSRF token): allowed -> 302 back to the list
  and the record is gone; denied -> 403 and the record stays; anonymous -> 302 to /login/.
- REST API (``@protect``, allow_browser_login): allowed -> 200 (reads) or a 400/404/422 for
  an empty body / a missing id (mutations are probed without changing anything); denied ->
  403; anonymous -> 401.
"""
from __future__ import annotations

import re

import pytest

from app.security import permissions as P
from app.security.roles import ADMIN, PUBLIC, ROLE_MATRIX, SELF_SERVICE, STAFF_ROLES, allowed
from tests.security.conftest import is_login_redirect, path_of
from tests.security.matrix_walk import (
    ACTIONS, ADMIN_ONLY, MATRIX_RESOURCES, OPEN_VIEWS, REQUESTS, ROLES, SELF_SERVICE_RESOURCES, USER_OF, WALKED,
    find_samples, is_admin_only, report, url, walk_apis, walk_pages,
)


@pytest.fixture(scope="module")
def samples(app, sec_ids):
    return find_samples(app, sec_ids)


@pytest.fixture(scope="module", autouse=True)
def _size():
    yield
    api = {c for c in WALKED if c[1].startswith("api:")}
    anon = {c for c in WALKED if c[0] == "anonymous"}
    print(f"\nrole matrix: {len(WALKED)} (role, resource, action) cells walked with {REQUESTS[0]} requests: "
          f"{len(WALKED - api)} page cells, {len(api)} REST API cells; {len(anon)} of them anonymous")


# --- the rules themselves ------------------------------------------------------------------------
def test_every_registered_view_has_a_rule(app):
    """A new view without a rule fails: a row in ROLE_MATRIX, or Admin-only here."""
    missing, unprotected = [], []
    for view in app.appbuilder.baseviews:
        name, resource = type(view).__name__, view.class_permission_name
        if not view.base_permissions:
            if name not in OPEN_VIEWS:
                unprotected.append(name)
            continue
        if resource not in MATRIX_RESOURCES | SELF_SERVICE_RESOURCES and not is_admin_only(view):
            missing.append(f"{name} (resource {resource!r})")
    assert not missing, f"registered views whose resource has no rule in ROLE_MATRIX: {missing}"
    assert not unprotected, f"views without any permission check: {unprotected}"
    assert not (ADMIN_ONLY & MATRIX_RESOURCES), "a resource is both Admin-only and in ROLE_MATRIX"


def test_self_service_names_permissions_the_views_check(app):
    """SELF_SERVICE grants (permission, resource) pairs: each must be one a registered view
    really checks, or staff lose their profile page without any other test noticing (a view
    subclass gets a new class_permission_name)."""
    checked = {(perm, v.class_permission_name) for v in app.appbuilder.baseviews for perm in v.base_permissions}
    dead = [pair for pair in SELF_SERVICE if pair[0] != P.MENU_ACCESS and pair not in checked]
    assert not dead, f"SELF_SERVICE pairs no registered view checks: {dead}"


def test_everyone_opens_their_own_account_pages(browser):
    refused = {}
    for role in ROLES:
        b = browser(USER_OF[role])
        for page in ("/users/userinfo/", "/resetmypassword/form", "/userinfoeditview/form"):
            code = b.get(page).status_code
            if code != 200:
                refused[f"{role} {page}"] = code
    assert not refused, f"own account pages refused: {refused}"


def test_every_matrix_action_is_a_permission_constant():
    """Actions are constants of app.security.permissions (a typo would grant nothing)."""
    known = {v for k, v in vars(P).items() if k.isupper() and isinstance(v, str) and v.startswith("can_")}
    odd = {(role, res, a) for role, rows in ROLE_MATRIX.items() for res, acts in rows.items()
           for a in acts if a not in known}
    assert not odd, f"unknown actions in ROLE_MATRIX: {sorted(odd)}"


def test_roles_in_the_database_hold_exactly_the_matrix(app):
    """sync_roles: every non-Admin role holds the matrix (and self-service), nothing more."""
    with app.app_context():
        sm = app.appbuilder.sm
        problems = []
        for role_name, rows in ROLE_MATRIX.items():
            role = sm.find_role(role_name)
            assert role is not None, role_name
            held = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions
                    if pv.permission.name != P.MENU_ACCESS}
            wanted = {(a, res) for res, acts in rows.items() for a in acts}
            if role_name != PUBLIC:
                wanted |= {pair for pair in SELF_SERVICE if pair[0] != P.MENU_ACCESS}
            if held != wanted:
                problems.append(f"{role_name}: extra {sorted(held - wanted)}, missing {sorted(wanted - held)}")
        assert not problems, "\n".join(problems)


def test_public_role_holds_only_the_published_pages(app):
    with app.app_context():
        held = {(pv.permission.name, pv.view_menu.name) for pv in app.appbuilder.sm.find_role(PUBLIC).permissions}
        assert held == {("can_read", "PublicPages")}


def test_admin_holds_every_permission_after_first_start(app):
    """roles.py: "Admin holds every permission FAB knows": every permission a registered view
    or API checks, every menu entry, and every permission of ROLE_MATRIX."""
    with app.app_context():
        admin = app.appbuilder.sm.find_role(ADMIN)
        held = {(pv.permission.name, pv.view_menu.name) for pv in admin.permissions}
        needed = {(perm, v.class_permission_name) for v in app.appbuilder.baseviews for perm in v.base_permissions}
        needed |= {(a, res) for rows in ROLE_MATRIX.values() for res, acts in rows.items() for a in acts}
        for top in app.appbuilder.menu.get_list():
            needed.add((P.MENU_ACCESS, top.name))
            needed |= {(P.MENU_ACCESS, child.name) for child in top.childs or [] if child.name != "-"}
    missing = sorted(f"{perm} on {res}" for perm, res in needed - held)
    assert not missing, f"Admin lacks {len(missing)} permissions, e.g. {missing[:12]}"


def test_running_init_again_keeps_every_staff_role(tmp_path):
    """``flask init`` runs on every deploy: FAB's add_permissions must not strip our custom
    permissions (can_read_phone...) and sync_roles must give the same roles again."""
    from app import create_app
    from app.bootstrap import init_database

    fresh = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'roles.db'}",
                       INSTANCE_PATH=str(tmp_path), SECRET_KEY="roles-test")

    def snapshot():
        sm = fresh.appbuilder.sm
        return {r.name: {(pv.permission.name, pv.view_menu.name) for pv in r.permissions}
                for r in sm.get_all_roles()}

    with fresh.app_context():
        init_database()
        first = snapshot()
        init_database()
        second = snapshot()
    for role in (*STAFF_ROLES, PUBLIC):
        assert first[role] == second[role], role
    assert first[ADMIN] <= second[ADMIN]


# --- the walk -----------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_pages(app, browser, throwaway, samples, role, action):
    failures = walk_pages(app, browser(USER_OF[role]), role, action, throwaway, samples)
    assert not failures, report(failures)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_rest_api(app, browser, samples, role, action):
    failures = walk_apis(app, browser(USER_OF[role]), role, action, samples)
    assert not failures, report(failures)


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_gets_the_login_page_everywhere(app, browser, throwaway, samples, action):
    failures = walk_pages(app, browser(None), None, action, throwaway, samples)
    assert not failures, report(failures)


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_api_is_401(app, browser, samples, action):
    failures = walk_apis(app, browser(None), None, action, samples)
    assert not failures, report(failures)


def test_anonymous_home_is_the_login_page(browser):
    resp = browser(None).get("/")
    assert is_login_redirect(resp)
    assert "password" in browser(None).get("/login/").get_data(as_text=True)


def test_every_role_deletes_over_http(app, browser, throwaway):
    """One real delete request per role on an owner made for it, named on its own (the walk
    above does the same for every register): allowed roles delete it and go back to the
    list, the others get 403 and the owner stays."""
    from app.owners.models import Owner

    list_url = url(app, "OwnerModelView.list")
    for role in ROLES:
        _, pk = throwaway.make("Owner")
        b = browser(USER_OF[role])
        b.get(list_url)
        resp = b.post_form(url(app, "OwnerModelView.delete", pk=pk))
        if allowed(role, P.OWNER, P.DELETE):
            assert resp.status_code == 302 and path_of(resp) == list_url, role
            assert not throwaway.exists(Owner, pk), role
        else:
            assert resp.status_code == 403, role
            assert throwaway.exists(Owner, pk), role


# --- the menu -------------------------------------------------------------------------------------
def _navbar(html: str) -> str:
    m = re.search(r'<ul class="nav navbar-nav">(.*?)</ul>\s*(?:<form|<ul class="nav navbar-nav navbar-right")',
                  html, re.S)
    assert m, "no navbar menu on the page"
    return m.group(1)


def _menu_entries(app):
    """[(category name, item name, url)] of every menu item, and {category: [urls]}."""
    entries = []
    with app.test_request_context():
        for top in app.appbuilder.menu.get_list():
            for child in (top.childs or [top]):
                if child.name == "-":
                    continue
                cat = top.name if top.childs else None
                entries.append((cat, child.name, child.get_url()))
    return entries


def _may_see(role: str, category: str | None, item: str) -> bool:
    from app.menu import MENU_RESOURCES

    resource = MENU_RESOURCES.get((category, item))
    if resource is None:  # FAB's own Security menu
        return role == ADMIN
    return allowed(role, resource, P.READ)


@pytest.mark.parametrize("role", ROLES)
def test_menu_shows_only_what_the_role_may_use(app, browser, role):
    nav = _navbar(browser(USER_OF[role]).html("/"))
    shown = set(re.findall(r'<a tabindex="-1" href="([^"]+)"', nav))
    entries = _menu_entries(app)
    want = {link for cat, item, link in entries if _may_see(role, cat, item)}
    assert shown == want, f"{role}: shown but not allowed {sorted(shown - want)}, allowed but not shown {sorted(want - shown)}"
    # a category appears exactly when one of its items does
    categories = {cat for cat, item, link in entries if cat and _may_see(role, cat, item)}
    assert nav.count('class="dropdown-toggle"') == len(categories), role


def test_clerk_menu_has_no_change_log_and_no_user_admin(app, browser):
    nav = _navbar(browser("clerk").html("/"))
    for text in ("Change log", "操作日志", "审计", "Security", "安全", "System", "系统"):
        assert text not in nav, text
    for link in ("/auditlogmodelview/", "/staffestatemodelview/", "/users/", "/roles/", "/groups/",
                 "/permissions/", "/viewmenus/", "/permissionviews/"):
        assert link not in nav, link


def test_supervisor_menu_has_the_import_entry(app, browser):
    from app.menu import MENU_RESOURCES

    items = [key for key, res in MENU_RESOURCES.items() if res == P.DATA_IMPORT]
    if not items:
        pytest.skip("no import menu entry registered")
    links = {link for cat, item, link in _menu_entries(app) if (cat, item) in items}
    nav = _navbar(browser("supervisor").html("/"))
    for link in links:
        assert f'href="{link}"' in nav
    clerk_nav = _navbar(browser("clerk").html("/"))
    for link in links:
        assert f'href="{link}"' not in clerk_nav
