"""The walker of the role matrix (tests/security/test_role_matrix.py): the oracle, the routes
of the registered views and APIs, and one check per cell. Not a test module."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from flask import url_for
from flask_appbuilder.api import BaseApi
from flask_appbuilder.security.views import UserModelView

from app.bootstrap import DEMO_USERS
from app.security import permissions as P
from app.security.roles import ADMIN, PUBLIC, ROLE_MATRIX, SELF_SERVICE, STAFF_ROLES, allowed
from tests.security.conftest import is_login_redirect, path_of

ROLES = (ADMIN, *STAFF_ROLES)
USER_OF = {role: user for user, role in DEMO_USERS.items()}
ACTIONS = ("read", "write", "delete")

# No row in ROLE_MATRIX on purpose: Admin only. FAB's user, role and permission
# administration (views and APIs) and the staff-to-estate assignment. The user view is Admin
# only whatever its class is called (see is_admin_only).
ADMIN_ONLY = {
    P.STAFF_ESTATE, P.SECURITY_EVENT,
    "UserDBModelView", "RoleModelView", "UserGroupModelView", "UserStatsChartView",
    "PermissionModelView", "ViewMenuModelView", "PermissionViewModelView", "ResetPasswordView",
    "User", "Role", "Group", "Permission", "ViewMenu", "PermissionViewMenu", "MenuApi",
}
# Views that hold no permission at all: login/logout, the language switch, FAB's "back"
# helper, the JWT login API, and the home page (it sends anonymous users to the login page).
OPEN_VIEWS = {"AuthDBView", "UtilView", "LocaleView", "SecurityApi", "EstateSecurityApi", "DashboardIndexView"}

SELF_SERVICE_PAIRS = set(SELF_SERVICE)
MATRIX_RESOURCES = set().union(*(set(r) for r in ROLE_MATRIX.values()))
SELF_SERVICE_RESOURCES = {res for perm, res in SELF_SERVICE if perm != P.MENU_ACCESS}

READ_PERMS = {
    P.READ, "can_list", "can_show", "can_get", "can_info", "can_chart", "can_this_form_get",
    "can_userinfo", "can_list_role_permissions", "can_download",
}
CRUD = ("list", "show", "add", "edit", "delete")
NONEXISTENT = 2_000_000_000
# query strings for read pages that need one to be meaningful ({"View.fn": "?q=..."})
PROBE_QUERY: dict[str, str] = {}

WALKED: set[tuple[str, str, str]] = set()  # (role, resource, action) cells
REQUESTS = [0]


# --- the oracle ------------------------------------------------------------------------------
def action_of(perm: str) -> str:
    if perm == P.DELETE:
        return "delete"
    return "read" if perm in READ_PERMS else "write"


def is_admin_only(view) -> bool:
    return view.class_permission_name in ADMIN_ONLY or isinstance(view, UserModelView)


def expected(role: str | None, view, perm: str) -> bool:
    """May ``role`` (None = anonymous: the Public role) use the route of ``view`` that needs ``perm``?"""
    if perm not in view.base_permissions:
        return False
    if role is None:
        return view.class_permission_name in MATRIX_RESOURCES and allowed(PUBLIC, view.class_permission_name, perm)
    resource = view.class_permission_name
    if (perm, resource) in SELF_SERVICE_PAIRS:
        return True
    if resource in MATRIX_RESOURCES:
        return allowed(role, resource, perm)
    return role == ADMIN


# --- what the app registered -----------------------------------------------------------------
def required_permission(view, fn_name: str) -> str | None:
    """The permission FAB's @has_access / @protect checks for ``fn_name``; None if unprotected."""
    fn = getattr(view, fn_name, None)
    name = getattr(fn, "_permission_name", None)
    if name is None:
        return None
    override = (view.method_permission_name or {}).get(fn_name)
    return "can_" + (override or name)


def routes(app, view) -> dict[str, list]:
    out: dict[str, list] = {}
    for rule in app.url_map.iter_rules():
        endpoint, _, fn = rule.endpoint.partition(".")
        if endpoint == view.endpoint and fn:
            out.setdefault(fn, []).append(rule)
    return out


def protected_views(app):
    return [v for v in app.appbuilder.baseviews if v.base_permissions]


def is_crud(app, view) -> bool:
    return not isinstance(view, BaseApi) and set(CRUD) <= set(routes(app, view))


def url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def methods_of(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def find_samples(app, sec_ids) -> dict[type, int]:
    """An existing record of each view's model in the demo estate (first by id)."""
    from app.extensions import db

    found: dict[type, int] = {}
    with app.app_context():
        for view in app.appbuilder.baseviews:
            datamodel = getattr(view, "datamodel", None)
            if datamodel is None or datamodel.obj in found:
                continue
            model = datamodel.obj
            query = db.session.query(model)
            if model.__name__ == "Estate":
                query = query.filter(model.id == sec_ids.demo)
            elif hasattr(model, "estate_id"):
                query = query.filter(model.estate_id == sec_ids.demo)
            row = query.order_by(model.id).first()
            if row is not None:
                found[model] = row.id
    return found


# --- one check ---------------------------------------------------------------------------------
@dataclass
class Outcome:
    role: str | None
    resource: str
    action: str
    what: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.role or 'anonymous'} | {self.resource} | {self.action} | {self.what}: expected {self.expected}, got {self.got}"


def _call(fn, *args, **kw):
    REQUESTS[0] += 1
    try:
        return fn(*args, **kw), None
    except Exception as err:  # noqa: BLE001 - a crash is a cell result too
        return None, f"exception {type(err).__name__}: {str(err)[:120]}"


def _got(resp, err) -> str:
    if err:
        return err
    loc = path_of(resp)
    return f"{resp.status_code}" + (f" -> {loc}" if loc else "")


def held(app, role: str) -> set[tuple[str, str]]:
    """The (permission, resource) pairs ``role`` holds in the database."""
    with app.app_context():
        role_ = app.appbuilder.sm.find_role(role)
        return {(pv.permission.name, pv.view_menu.name) for pv in role_.permissions}


def check_page(app, b, role, view, perm, method, target, failures, *, strict_200=True, locked_to=None):
    """GET a page route; for a POST route, a refusal is asked over HTTP (nothing happens
    before the permission check), an allowed POST is checked in the database: a route that
    acts on an empty form (billing, imports...) must not run because a test probed it."""
    exp = expected(role, view, perm)
    action = action_of(perm)
    resource = view.class_permission_name
    WALKED.add((role or "anonymous", resource, action))
    if method == "POST" and exp:
        if (perm, resource) not in held(app, role):
            failures.append(Outcome(role, resource, action, f"POST {target}",
                                    f"{perm} on {resource} held by the role", "not held"))
        return
    resp, err = _call(b.get, target) if method == "GET" else _call(b.post_form, target)
    if role is None and not exp:
        ok, want = (err is None and is_login_redirect(resp)), "302 -> /login/"
    elif exp and locked_to:  # a record locked in its state: its edit address leads to its page
        want = f"302 -> {locked_to}"
        ok = err is None and resp.status_code == 302 and path_of(resp) == locked_to
    elif exp:
        want = "200" if strict_200 else "200 or a redirect other than the login page"
        ok = err is None and (resp.status_code == 200 or (
            not strict_200 and resp.status_code == 302 and not is_login_redirect(resp)))
    else:
        ok, want = (err is None and resp.status_code == 403), "403"
    if not ok:
        failures.append(Outcome(role, resource, action, f"{method} {target}", want, _got(resp, err)))


def check_delete(app, b, role, view, failures, throwaway, samples_):
    perm = required_permission(view, "delete")
    exp = expected(role, view, perm)
    WALKED.add((role or "anonymous", view.class_permission_name, "delete"))
    model = view.datamodel.obj
    list_url = url(app, f"{view.endpoint}.list")
    if throwaway.can_make(model.__name__):
        model, pk = throwaway.make(model.__name__)
        if exp and expected(role, view, required_permission(view, "list")):
            b.get(list_url)  # FAB sends you back to the page you came from
        target = url(app, f"{view.endpoint}.delete", pk=pk)
        resp, err = _call(b.post_form, target)
        gone = not throwaway.exists(model, pk)
        if role is None:
            ok, want = (err is None and is_login_redirect(resp) and not gone), "302 -> /login/, record kept"
        elif exp:
            ok = err is None and resp.status_code == 302 and not is_login_redirect(resp) and gone
            want = "302 back to the list, record deleted"
            if ok and expected(role, view, required_permission(view, "list")):
                ok, want = path_of(resp) == list_url, f"302 -> {list_url}, record deleted"
        else:
            ok, want = (err is None and resp.status_code == 403 and not gone), "403, record kept"
        got = _got(resp, err) + ("" if err else (", record deleted" if gone else ", record kept"))
    else:
        # no throwaway record for this model: a missing id tells allowed (404) from denied (403)
        target = url(app, f"{view.endpoint}.delete", pk=NONEXISTENT)
        resp, err = _call(b.post_form, target)
        if role is None:
            ok, want = (err is None and is_login_redirect(resp)), "302 -> /login/"
        else:
            want = "404" if exp else "403"
            ok = err is None and str(resp.status_code) == want
        got = _got(resp, err)
    if not ok:
        failures.append(Outcome(role, view.class_permission_name, "delete", f"POST {target}", want, got))


def _locked_to(app, view, pk) -> str | None:
    """The record page that the edit address of a record locked in its state leads to."""
    from app.extensions import db

    if not hasattr(view, "locked_reason"):
        return None
    with app.test_request_context():
        locked = view.locked_reason(db.session.get(view.datamodel.obj, pk))
        return urlparse(url_for(f"{view.endpoint}.show", pk=pk)).path if locked else None


def walk_pages(app, b, role, action, throwaway, samples_) -> list[Outcome]:
    failures: list[Outcome] = []
    for view in protected_views(app):
        if isinstance(view, BaseApi):
            continue
        view_routes = routes(app, view)
        crud = is_crud(app, view)
        pk = samples_.get(getattr(getattr(view, "datamodel", None), "obj", None))
        if crud:
            if action == "read":
                perm = required_permission(view, "list")
                check_page(app, b, role, view, perm, "GET", url(app, f"{view.endpoint}.list"), failures)
                if pk is not None:
                    check_page(app, b, role, view, required_permission(view, "show"), "GET",
                               url(app, f"{view.endpoint}.show", pk=pk), failures)
            elif action == "write":
                check_page(app, b, role, view, required_permission(view, "add"), "GET",
                           url(app, f"{view.endpoint}.add"), failures)
                if pk is not None:
                    check_page(app, b, role, view, required_permission(view, "edit"), "GET",
                               url(app, f"{view.endpoint}.edit", pk=pk), failures,
                               locked_to=_locked_to(app, view, pk))
            else:
                check_delete(app, b, role, view, failures, throwaway, samples_)
        # every other protected route without arguments: the quick search, the import
        # page, the account pages, FAB's chart...
        for fn, rules in sorted(view_routes.items()):
            if crud and fn in CRUD:
                continue
            perm = required_permission(view, fn)
            if perm is None or action_of(perm) != action:
                continue
            for rule in rules:
                if rule.arguments:
                    continue
                endpoint = f"{view.endpoint}.{fn}"
                target = url(app, endpoint) + PROBE_QUERY.get(endpoint, "")
                for method in sorted(methods_of(rule)):
                    check_page(app, b, role, view, perm, method, target, failures, strict_200=False)
    return failures


def walk_apis(app, b, role, action, samples_) -> list[Outcome]:
    failures: list[Outcome] = []
    for view in protected_views(app):
        if not isinstance(view, BaseApi):
            continue
        pk = samples_.get(getattr(getattr(view, "datamodel", None), "obj", None))
        for fn, rules in sorted(routes(app, view).items()):
            perm = required_permission(view, fn)
            if perm is None or action_of(perm) != action:
                continue
            exp = expected(role, view, perm)
            for rule in rules:
                for method in sorted(methods_of(rule)):
                    reading = method == "GET"
                    value = pk if (reading and pk is not None) else NONEXISTENT
                    target = url(app, f"{view.endpoint}.{fn}", **{a: value for a in rule.arguments})
                    WALKED.add((role or "anonymous", f"api:{view.class_permission_name}", action))
                    if method == "POST" and not rule.arguments and exp:
                        # an allowed create is not sent (an empty body might be valid for a
                        # new register); the permission is checked in the database, and the
                        # PUT/DELETE probes on a missing id prove the route lets the role in
                        if (perm, view.class_permission_name) not in held(app, role):
                            failures.append(Outcome(role, f"api:{view.class_permission_name}", action,
                                                    f"POST {target}", f"{perm} held by the role", "not held"))
                        continue
                    body = {} if method in ("POST", "PUT") else None
                    resp, err = _call(b.api, method, target, body)
                    if role is None:
                        want, ok = "401", err is None and resp.status_code == 401
                    elif not exp:
                        want, ok = "403", err is None and resp.status_code == 403
                    elif reading:
                        code = 200 if (not rule.arguments or value != NONEXISTENT) else 404
                        want, ok = str(code), err is None and resp.status_code == code
                    elif view.class_permission_name in ADMIN_ONLY:
                        # FAB's own security API answers some empty probes with a 500 (its
                        # bug, not a permission answer): past the permission check is enough
                        want = "past the permission check, nothing changed"
                        ok = err is None and resp.status_code not in (401, 403) and resp.status_code >= 300
                    else:
                        want = "400/404/422 (allowed; empty body or missing id, nothing changed)"
                        ok = err is None and resp.status_code in (400, 404, 422)
                    if not ok:
                        failures.append(Outcome(role, f"api:{view.class_permission_name}", action,
                                                f"{method} {target}", want, _got(resp, err)))
    return failures


def report(failures: list[Outcome]) -> str:
    return "\n" + "\n".join(str(f) for f in failures)


