"""FAB's own user, role and permission APIs (FAB_ADD_SECURITY_API), with what fuzzing found in
them closed: a database refusal was a 500 (or a 422 quoting the driver's message, e.g.
"UNIQUE constraint failed: ab_user.username"), and PUT on a user id that does not exist
crashed. Each class keeps FAB's name, resource and permission; security.manager puts them in
place of FAB's."""
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


def _refused_message() -> str:
    return gettext("The record could not be saved: a value is missing, already taken or not allowed.")


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


class EstateUserApi(PlainFieldInfo, _DatabaseRefusalIs422, UserApi):
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


class EstateRoleApi(PlainFieldInfo, _DatabaseRefusalIs422, RoleApi):
    pass


class EstatePermissionApi(PlainFieldInfo, _DatabaseRefusalIs422, PermissionApi):
    pass


class EstateViewMenuApi(PlainFieldInfo, _DatabaseRefusalIs422, ViewMenuApi):
    pass


class EstatePermissionViewMenuApi(PlainFieldInfo, _DatabaseRefusalIs422, PermissionViewMenuApi):
    pass


class EstateGroupApi(PlainFieldInfo, _DatabaseRefusalIs422, GroupApi):
    pass
