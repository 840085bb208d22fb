"""StaffRestApi: the one base class of every register's REST API.

Same resource names and estate scope as StaffModelView; the register's service check runs
on every save; a DomainError is HTTP 422 with a field message, a database error a 409/422
without SQL, driver names or tracebacks in the body (stock FAB leaks them or returns 500).
"""
from __future__ import annotations

import json
import re

import prison
import yaml
from flask import current_app, request
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.const import API_URI_RIS_KEY
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.core.api_support import PlainFieldInfo, as_pk, check_relations, exact_decimals
from app.core.audit import acting_as
from app.core.models import estate_of
from app.core.views import _is_scoped, _scope_column, current_estate_ids
from app.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from app.extensions import db
from app.security.permissions import METHOD_PERMISSIONS

# route methods of a read-only register (money records, the change log); a register adds
# its own service endpoints to these
READ_ONLY = {"get", "get_list", "info"}
# values the driver cannot store (an id beyond BIGINT...) on a save: a 422
_BAD_VALUE = (SQLAlchemyError, OverflowError, ValueError, TypeError)
# bad query arguments (?q= with an unknown column, a value of the wrong type...) and the
# errors they cause deep in FAB or the driver: a 400, never a 500
_BAD_QUERY = (SQLAlchemyError, ValueError, TypeError, OverflowError, LookupError, AttributeError)
# what an action endpoint may answer besides its result: a body that is not (valid) JSON, no
# login, no permission, no such record, a refusal of the service (see run_service)
ACTION_ERRORS = (400, 401, 403, 404, 422)


def action_endpoint(url: str, summary: str, body: str | dict | None = None, *, ok: int = 200,
                    returns: str = "The record", also: dict[int, str] | None = None):
    """Declare an action endpoint (publish, confirm, approve, transition...): a POST route at
    ``url``, guarded by @protect (the method permission) and @safe, and its OpenAPI operation.
    FAB reads that operation from the exposed function's __doc__ (apispec's yaml_utils, the
    YAML after "---") when it builds /api/v1/_openapi, so this writes that __doc__.
    ``body``: the name of a schema in the API's openapi_spec_component_schemas, or the fields
    of an inline object as {name: JSON type or schema dict}; ``ok``/``returns``: the success
    status and what it returns; ``also``: further answers {status: description} (a 409...).
    Path arguments (<pk>) are whole numbers; errors: ACTION_ERRORS."""
    operation = {"summary": summary}
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", url)
    if names:
        operation["parameters"] = [{"in": "path", "name": n, "schema": {"type": "integer"}} for n in names]
    if body is not None:
        schema = ({"$ref": f"#/components/schemas/{body}"} if isinstance(body, str) else
                  {"type": "object", "properties": {k: v if isinstance(v, dict) else {"type": v}
                                                    for k, v in body.items()}})
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    operation["responses"] = {ok: {"description": returns},
                              **{code: {"$ref": f"#/components/responses/{code}"} for code in ACTION_ERRORS},
                              **{code: {"description": text} for code, text in (also or {}).items()}}

    def deco(fn):
        view = expose(url, methods=["POST"])(protect()(safe(fn)))
        view.__doc__ = f"{summary}\n---\n{yaml.safe_dump({'post': operation}, sort_keys=False)}"
        return view
    return deco


class StaffRestApi(PlainFieldInfo, ModelRestApi):
    method_permission_name = METHOD_PERMISSIONS
    allow_browser_login = True
    service_check = None
    max_page_size = 100

    def __init__(self):
        model = self.datamodel.obj
        if _is_scoped(model):
            self.base_filters = [[_scope_column(model), FilterInFunction, current_estate_ids]] + list(
                self.base_filters or []
            )
        super().__init__()
        self._scope_relations()  # after FAB filled in the default add/edit columns

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        for schema in (self.add_model_schema, self.edit_model_schema):
            exact_decimals(schema, self.datamodel.obj)

    def _scope_relations(self) -> None:
        """Relation choices (the _info endpoint) offer only rows of the user's estates."""
        add_q = dict(self.add_query_rel_fields or {})
        edit_q = dict(self.edit_query_rel_fields or {})
        for col in set(self.add_columns or []) | set(self.edit_columns or []):
            if not self.datamodel.is_relation(col):
                continue
            related = self.datamodel.get_related_model(col)
            if _is_scoped(related):
                rule = [[_scope_column(related), FilterInFunction, current_estate_ids]]
                add_q.setdefault(col, rule)
                edit_q.setdefault(col, rule)
        self.add_query_rel_fields = add_q
        self.edit_query_rel_fields = edit_q

    def _check(self, item) -> None:
        if _is_scoped(type(item)):
            estate_id = estate_of(item)
            if estate_id is not None and estate_id not in current_estate_ids():
                raise DomainError(gettext("You do not work for this estate."), field="estate")
        if self.service_check:
            type(self).service_check(item)

    def _refused(self, err: DomainError):
        db.session.rollback()
        if isinstance(err, NotFound):
            return self.response_404()
        if isinstance(err, PermissionDenied):
            return self.response_403()
        if isinstance(err, Conflict):
            return self.response(409, message={err.field or "_schema": [str(err)]})
        return self.response_422(message={err.field or "_schema": [str(err)]})

    @staticmethod
    def actor():
        """The user of this request: the login session's or the JWT's."""
        return current_app.appbuilder.sm.current_user

    def _relations(self, columns) -> None:
        """Foreign keys in the body name existing rows of the user's estates (else a 422 on
        the field): never a new related row, never a driver error."""
        check_relations(self.datamodel, request.json, columns, current_estate_ids())

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(self._screen_request)
        return blueprint

    def _screen_request(self):
        """Before FAB sees the request: a body beyond MAX_CONTENT_LENGTH is a 413 and a ?q=
        that is neither rison nor JSON a 400, in our words (FAB's @safe would answer 500:
        reading such a body raises 413 inside it, and "(((" sends the rison parser into a
        RecursionError)."""
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            return self.response(413, message=gettext("The request is too large (at most %(mb)d MB).",
                                                      mb=limit // (1024 * 1024)))
        raw = request.args.get(API_URI_RIS_KEY)
        if raw:
            try:
                prison.loads(raw)
            except Exception:  # noqa: BLE001 - any parser failure, RecursionError included
                try:
                    json.loads(raw)
                except Exception:  # noqa: BLE001
                    return self.response_400(message=gettext("The query argument q is not valid rison or JSON."))
        if request.is_json and request.content_length:
            try:
                request.get_json()  # parsed once here; a body nested too deep is a 400 too
            except Exception:  # noqa: BLE001
                return self.response_400(message=gettext("The body is not valid JSON."))
        return None

    def response_500(self, message: str | None = None):
        """Whatever failed, the body says so in our words: no SQL, driver or traceback."""
        db.session.rollback()
        return self.response(500, message=gettext("The request could not be completed."))

    def _scoped_item(self, pk):
        pk = as_pk(pk)
        return None if pk is None else self.datamodel.get(pk, self._base_filters)

    # --- reads: bad ?q= arguments are a 400 ----------------------------------------------
    def _read(self, handler, *args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except DomainError as err:
            return self._refused(err)
        except _BAD_QUERY:
            db.session.rollback()
            return self.response_400(message=gettext("The query arguments are not valid."))

    def get_list_headless(self, **kwargs):
        args = kwargs.get("rison") or {}
        if not isinstance(args.get("page_size", 1), int) or args.get("page_size", 1) < 1 \
                or not isinstance(args.get("page", 0), int) or args.get("page", 0) < 0:
            return self.response_400(message=gettext("A page is a number from 0, a page size from 1 to %(n)d.",
                                                     n=self.max_page_size))
        return self._read(super().get_list_headless, **kwargs)

    def get_headless(self, pk, **kwargs):
        if as_pk(pk) is None:
            return self.response_404()
        return self._read(super().get_headless, as_pk(pk), **kwargs)

    def info_headless(self, **kwargs):
        return self._read(super().info_headless, **kwargs)

    # --- service endpoints ------------------------------------------------------------------
    def run_on(self, pk, call, schema=None, status: int = 200):
        """``run_service`` on record ``pk`` of the user's estates, a 404 when there is none:
        ``call(item, data)`` (an action endpoint: publish, confirm, decide...)."""
        item = self._scoped_item(pk)
        if item is None:
            return self.response_404()
        return self.run_service(lambda data: call(item, data), schema, status)

    def run_service(self, call, schema=None, status: int = 200):
        """Run ``call(data)`` (a service with the explicit actor) with the body loaded by the
        marshmallow ``schema``; answer the record it returns, or map its refusal: a bad body
        or a DomainError is a 422 on the field, NotFound a 404, PermissionDenied a 403."""
        data = {}
        if schema is not None:
            if not request.is_json:
                return self.response_400(message=gettext("Request is not JSON"))
            try:
                data = schema().load(request.json)
            except ValidationError as err:
                return self.response_422(message=err.messages)
        try:
            with acting_as(self.actor()):
                item = call(data)
        except DomainError as err:
            return self._refused(err)
        except _BAD_VALUE as err:
            return self._db_error(err)
        return self.response(status, id=item.id, result=self.show_model_schema.dump(item))

    def _db_error(self, err: SQLAlchemyError):
        db.session.rollback()
        if isinstance(err, IntegrityError):
            return self.response(409, message=gettext("The record conflicts with an existing one."))
        return self.response_422(message=gettext("The record could not be saved."))

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message=gettext("Request is not JSON"))
        try:
            self._relations(self.add_columns)
            with db.session.no_autoflush:
                item = self.add_model_schema.load(request.json)
                self.pre_add(item)
                self._check(item)
            with acting_as(self.actor()):
                db.session.add(item)
                db.session.commit()
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except DomainError as err:
            return self._refused(err)
        except _BAD_VALUE as err:
            return self._db_error(err)
        self.post_add(item)
        return self.response(
            201,
            result=self.add_model_schema.dump(item, many=False),
            id=self.datamodel.get_pk_value(item),
        )

    def put_headless(self, pk):
        item = self._scoped_item(pk)
        if not request.is_json:
            return self.response_400(message=gettext("Request is not JSON"))
        if not item:
            return self.response_404()
        try:
            if not isinstance(request.json, dict):
                raise ValidationError(gettext("Invalid input type."), "_schema")
            self._relations(self.edit_columns)
            with db.session.no_autoflush:
                data = self._merge_update_item(item, request.json)
                item = self.edit_model_schema.load(data, instance=item)
                self.pre_update(item)
                self._check(item)
            with acting_as(self.actor()):
                db.session.commit()
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except DomainError as err:
            return self._refused(err)
        except _BAD_VALUE as err:
            return self._db_error(err)
        self.post_update(item)
        return self.response(200, result=self.edit_model_schema.dump(item, many=False))

    def delete_headless(self, pk):
        item = self._scoped_item(pk)
        if not item:
            return self.response_404()
        try:
            self.pre_delete(item)
            with acting_as(self.actor()):
                db.session.delete(item)
                db.session.commit()
        except DomainError as err:
            return self._refused(err)
        except _BAD_VALUE as err:
            return self._db_error(err)
        self.post_delete(item)
        return self.response(200, message="OK")
