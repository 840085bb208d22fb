"""FAB's own user, role and permission APIs (FAB_ADD_SECURITY_API), with what fuzzing found in
them closed: a database refusal was a 500 (or a 422 quoting the driver's message, e.g.
"UNIQUE constraint failed: ab_user.username"), and PUT on a user id that does not exist
crashed, and an id beyond the id column's range in a body (``roles``, ``user_ids``,
``permission_view_menu_ids``…) overflowed the driver. Each class keeps FAB's name, resource and
permission; security.manager puts them in place of FAB's."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.security.sqla.apis import (
    GroupApi, PermissionApi, PermissionViewMenuApi, RoleApi, UserApi, ViewMenuApi,
)
from flask_babel import gettext
from sqlalchemy.exc import SQLAlchemyError

from app.core.api_support import PlainFieldInfo
from app.core.url_guard import MAX_PATH_ID


def _refused_message() -> str:
    return gettext("The record could not be saved: a value is missing, already taken or not allowed.")


def _bad_id(key: str, value) -> bool:
    """An integer id the database cannot hold (SQLite overflows beyond 64 bits, PostgreSQL's
    INTEGER beyond 31), in a list of ids or an ``…_id`` field."""
    values = value if isinstance(value, list) else [value] if key.endswith("id") else []
    return any(isinstance(v, int) and not isinstance(v, bool) and not 0 < v <= MAX_PATH_ID for v in values)


class _BodyChecked:
    """Every POST/PUT body of these APIs must be JSON and hold no id out of range, checked
    before FAB reads it (in the blueprint, so that each of FAB's endpoints is covered, not one
    override each). It runs before the permission check: the refusal of a malformed body
    tells nothing about the data."""

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(self._refuse_bad_body)
        return blueprint

    def _refuse_bad_body(self):
        if request.method not in ("POST", "PUT"):
            return None
        if not request.is_json:  # FAB reads request.json: a 500 without a JSON body
            return self.response_400(message=gettext("The request body must be JSON."))
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None  # FAB's own answer (400)
        bad = sorted(key for key, value in body.items() if _bad_id(key, value))
        if bad:
            message = gettext("Give a list of ids of existing records.")
            return self.response_422(message={key: [message] for key in bad})
        return None


class _DatabaseRefusalIs422:
    """post_headless / put_headless / delete_headless: a refusal by the database is a 422 with
    a plain, translated message, never a 500 or the driver's text."""

    def _guarded(self, call, *args):
        from app.extensions import db

        try:
            return call(*args)
        except SQLAlchemyError:
            db.session.rollback()
            return self.response_422(message=_refused_message())

    def post_headless(self):
        return self._guarded(super().post_headless)

    def put_headless(self, pk):
        return self._guarded(super().put_headless, pk)

    def delete_headless(self, pk):
        return self._guarded(super().delete_headless, pk)


class EstateUserApi(PlainFieldInfo, _BodyChecked, _DatabaseRefusalIs422, UserApi):
    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        if not request.is_json:  # FAB's post reads request.json: a 500 without a JSON body
            return self.response_400(message=gettext("The request body must be JSON."))
        resp = self._guarded(UserApi.post, self)
        if resp.status_code == 422:  # FAB puts the driver's IntegrityError text here
            return self.response_422(message=_refused_message())
        return resp

    @expose("/<pk>", methods=("PUT",))
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        if self.datamodel.get(pk, self._base_filters) is None:  # FAB's put would crash on it
            return self.response_404()
        if not request.is_json:
            return self.response_400(message=gettext("The request body must be JSON."))
        resp = self._guarded(UserApi.put, self, pk)
        if resp.status_code == 422:
            return self.response_422(message=_refused_message())
        return resp


class EstateRoleApi(PlainFieldInfo, _BodyChecked, _DatabaseRefusalIs422, RoleApi):
    pass


class EstatePermissionApi(PlainFieldInfo, _BodyChecked, _DatabaseRefusalIs422, PermissionApi):
    pass


class EstateViewMenuApi(PlainFieldInfo, _BodyChecked, _DatabaseRefusalIs422, ViewMenuApi):
    pass


class EstatePermissionViewMenuApi(PlainFieldInfo, _BodyChecked, _DatabaseRefusalIs422, PermissionViewMenuApi):
    pass


class EstateGroupApi(PlainFieldInfo, _BodyChecked, _DatabaseRefusalIs422, GroupApi):
    pass
