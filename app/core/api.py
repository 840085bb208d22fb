"""StaffRestApi: the one base class of every register's REST API.

Same resource names and estate scope as StaffModelView; the register's service check runs
on every save; a DomainError is HTTP 422 with a field message, a database error a 409/422
without SQL, driver names or tracebacks in the body (stock FAB leaks them or returns 500).
"""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.core.models import estate_of
from app.core.views import _is_scoped, _scope_column, current_estate_ids
from app.exceptions import DomainError
from app.extensions import db
from app.security.permissions import METHOD_PERMISSIONS


class StaffRestApi(ModelRestApi):
    method_permission_name = METHOD_PERMISSIONS
    allow_browser_login = True
    service_check = None

    def __init__(self):
        model = self.datamodel.obj
        if _is_scoped(model):
            self.base_filters = [[_scope_column(model), FilterInFunction, current_estate_ids]] + list(
                self.base_filters or []
            )
        self._scope_relations()
        super().__init__()

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
        return self.response_422(message={err.field or "_schema": [str(err)]})

    def _db_error(self, err: SQLAlchemyError):
        db.session.rollback()
        if isinstance(err, IntegrityError):
            return self.response(409, message=gettext("The record conflicts with an existing one."))
        return self.response_422(message=gettext("The record could not be saved."))

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message=gettext("Request is not JSON"))
        try:
            with db.session.no_autoflush:
                item = self.add_model_schema.load(request.json)
                self._check(item)
            db.session.add(item)
            db.session.commit()
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except DomainError as err:
            return self._refused(err)
        except SQLAlchemyError as err:
            return self._db_error(err)
        self.post_add(item)
        return self.response(
            201,
            result=self.add_model_schema.dump(item, many=False),
            id=self.datamodel.get_pk_value(item),
        )

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message=gettext("Request is not JSON"))
        if not item:
            return self.response_404()
        try:
            with db.session.no_autoflush:
                data = self._merge_update_item(item, request.json)
                item = self.edit_model_schema.load(data, instance=item)
                self._check(item)
            db.session.commit()
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except DomainError as err:
            return self._refused(err)
        except SQLAlchemyError as err:
            return self._db_error(err)
        self.post_update(item)
        return self.response(200, result=self.edit_model_schema.dump(item, many=False))

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.pre_delete(item)
            db.session.delete(item)
            db.session.commit()
        except DomainError as err:
            return self._refused(err)
        except SQLAlchemyError as err:
            return self._db_error(err)
        self.post_delete(item)
        return self.response(200, message="OK")
