"""StaffModelView: the one base class every register view uses.

It adds, once for all registers:
- read/write/delete permissions on a shared resource name (security.permissions);
- the estate scope: lists, show/edit/delete and relation drop-downs only reach the
  user's estates (Admin: all), and a save into another estate is refused;
- choice fields with translated labels (``choice_fields``);
- the register's service check on every save; a DomainError is shown next to its field
  and nothing is written;
- the record's change history on its page (``show_history``).
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterInFunction, FilterNotEqual
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload
from flask_appbuilder.fields import QuerySelectField
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.core import UnboundField

from app.core import audit, clock
from app.core.fields import field_for, keep_seconds
from app.core.inputs import bad_character
from app.core.history import present_history
from app.core.models import estate_of
from app.exceptions import DomainError
from app.extensions import db
from app.security.permissions import METHOD_PERMISSIONS


def current_estate_ids() -> list[int]:
    from flask import current_app

    return current_app.appbuilder.sm.current_estate_ids()


def current_estates() -> list:
    """The estates the user works for, by name (Admin: all): estate pickers and the home page."""
    from app.estate.models import Estate

    return list(db.session.scalars(
        select(Estate).where(Estate.id.in_(current_estate_ids())).order_by(Estate.name)))


def scoped_or_404(model, pk):
    """The record ``pk`` of ``model`` if it belongs to one of the user's estates, else 404: a
    record of another estate reads as one that does not exist."""
    item = db.session.get(model, pk)
    # a stored row carries its estate; following the parents would cost a query each
    if item is None or getattr(item, "estate_id", None) not in current_estate_ids():
        abort(404)
    return item


def _to_minute(value):
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _is_scoped(model) -> bool:
    return model is not None and hasattr(model, "estate_id")


def _scope_column(model) -> str:
    return "id" if model.__name__ == "Estate" else "estate_id"


class StaffModelView(ModelView):
    method_permission_name = METHOD_PERMISSIONS
    page_size = 25
    # {column: {value: lazy label}}: rendered as a select, shown translated in lists
    choice_fields: dict[str, dict] = {}
    # the register's invariants (services), run on add and edit: fn(item) -> None
    service_check = None
    show_history = True
    # fields audited but never shown in a history (hashes, tokens, sequence numbers)
    history_exclude: tuple = ()
    show_template = "staff/show_with_history.html"
    list_template = "staff/list.html"

    def __init__(self, **kwargs):
        model = self.datamodel.obj
        if _is_scoped(model):
            self.base_filters = [[_scope_column(model), FilterInFunction, current_estate_ids]] + list(
                self.base_filters or []
            )
        self._setup_choices()
        self._setup_typed_fields()
        self._setup_relation_scopes()
        self._setup_time_formats()
        super().__init__(**kwargs)
        self._setup_blank_choices()
        self._setup_search_filters()
        self._setup_blank_nones()
        self._setup_eager_list()

    # relations a list shows through a property (e.g. the occupants of a unit): loaded
    # with the page in a few queries instead of one query per row
    list_eager: tuple = ()

    def _setup_eager_list(self) -> None:
        """Load the relations of the list columns (and ``list_eager``) with the page: a
        constant number of SQL statements whatever the page size."""
        model = self.datamodel.obj
        paths = [[getattr(model, c)] for c in (self.list_columns or []) if self.datamodel.is_relation(c)]
        paths += [[getattr(model, part) if i == 0 else part for i, part in enumerate(p)] for p in self.list_eager]
        if not paths:
            return
        def eager(attr, parent=None):
            # many-to-one by a join (SQLAlchemy skips a selectin query when every key on the page
            # is empty, so its count would depend on the rows); collections by one more query
            many = attr.property.uselist
            if parent is None:
                return selectinload(attr) if many else joinedload(attr)
            return parent.selectinload(attr) if many else parent.joinedload(attr)

        loaders = []
        for path in paths:
            loader = eager(path[0])
            for attr in path[1:]:
                loader = eager(attr, loader)
            loaders.append(loader)
        apply_all = self.datamodel.apply_all

        def apply_all_eager(query, *args, **kwargs):
            return apply_all(query, *args, **kwargs).options(*loaders)

        self.datamodel.apply_all = apply_all_eager

    # --- set-up --------------------------------------------------------------------------
    def _setup_time_formats(self) -> None:
        """Times read to the minute in lists and on record pages (FAB prints the seconds)."""
        table = getattr(self.datamodel.obj, "__table__", None)
        if table is None:
            return
        formatters = dict(self.formatters_columns or {})
        for column in table.columns:
            if isinstance(column.type, DateTime) and column.name not in formatters:
                formatters[column.name] = _to_minute
        self.formatters_columns = formatters

    def _setup_typed_fields(self) -> None:
        """Exact decimals and date-times get the fields that keep what is typed (app.core.fields;
        FAB would give a money column an integer field). A view's own extra field wins."""
        table = getattr(self.datamodel.obj, "__table__", None)
        if table is None:
            return
        for columns, attr in ((self.add_columns, "add_form_extra_fields"), (self.edit_columns, "edit_form_extra_fields")):
            extra = dict(getattr(self, attr) or {})
            for col in columns or []:
                column = table.columns.get(col)
                if column is None or col in extra:
                    continue
                default = None
                if attr == "add_form_extra_fields" and isinstance(column.type, DateTime) and not column.nullable:
                    default = clock.now  # when it happened: now, unless typed otherwise
                field = field_for(column, (self.label_columns or {}).get(col, col.replace("_", " ").capitalize()),
                                  (self.description_columns or {}).get(col, ""),
                                  (self.validators_columns or {}).get(col), default)
                if field is not None:
                    extra[col] = field
            setattr(self, attr, extra)

    def _setup_choices(self) -> None:
        # FAB marks a NOT NULL boolean as required, so an unticked box would be refused:
        # give such columns a plain optional checkbox.
        form_cols = set(self.add_columns or []) | set(self.edit_columns or [])
        shown = set(self.list_columns or []) | set(self.show_columns or [])
        booleans = [c for c in form_cols if self.datamodel.is_boolean(c)]
        formatters = dict(self.formatters_columns or {})
        for col in shown | form_cols:
            if self.datamodel.is_boolean(col):
                formatters.setdefault(col, lambda v: _l("Yes") if v else _l("No"))
        self.formatters_columns = formatters
        if booleans:
            add_extra = dict(self.add_form_extra_fields or {})
            edit_extra = dict(self.edit_form_extra_fields or {})
            for col in booleans:
                box = BooleanField(
                    (self.label_columns or {}).get(col, col),
                    description=(self.description_columns or {}).get(col, ""),
                )
                add_extra.setdefault(col, box)
                edit_extra.setdefault(col, box)
            self.add_form_extra_fields = add_extra
            self.edit_form_extra_fields = edit_extra
            formatters = dict(self.formatters_columns or {})
            for col in booleans:
                formatters.setdefault(col, lambda v: _l("Yes") if v else _l("No"))
            self.formatters_columns = formatters
        if not self.choice_fields:
            return
        formatters = dict(self.formatters_columns or {})
        add_extra = dict(self.add_form_extra_fields or {})
        edit_extra = dict(self.edit_form_extra_fields or {})
        table = getattr(self.datamodel.obj, "__table__", None)
        for col, choices in self.choice_fields.items():
            # a new record starts at the column's own default (urgency 一般, not the first listed
            # 紧急, which would give anything left at the default the shortest time limit)
            column = table.columns.get(col) if table is not None else None
            default = getattr(column.default, "arg", None) if column is not None and column.default is not None else None
            field = SelectField(
                (self.label_columns or {}).get(col, col),
                choices=[(k, v) for k, v in choices.items()],
                description=(self.description_columns or {}).get(col, ""),
                default=default if isinstance(default, str) and default in choices else None,
            )
            add_extra.setdefault(col, field)
            edit_extra.setdefault(col, field)
            formatters.setdefault(col, lambda v, _c=choices: _c.get(v, v))
        self.formatters_columns = formatters
        self.add_form_extra_fields = add_extra
        self.edit_form_extra_fields = edit_extra
        # the search panel offers the same drop-down, compared with "equal to"
        search_extra = dict(self.search_form_extra_fields or {})
        for col, choices in self.choice_fields.items():
            search_extra.setdefault(col, SelectField(
                (self.label_columns or {}).get(col, col), choices=[(k, v) for k, v in choices.items()]))
        self.search_form_extra_fields = search_extra

    def _setup_blank_choices(self) -> None:
        """An optional relation's empty choice reads （无）: FAB gives it no text, and WTForms then
        shows its internal value ``__None`` in the drop-down."""
        for form in (self.add_form, self.edit_form):
            for name in dir(form):
                unbound = getattr(form, name, None)
                if (isinstance(unbound, UnboundField) and isinstance(unbound.field_class, type)
                        and issubclass(unbound.field_class, QuerySelectField) and unbound.kwargs.get("allow_blank")
                        and not unbound.kwargs.get("blank_text")):
                    unbound.kwargs["blank_text"] = _l("(none)")

    def _setup_search_filters(self) -> None:
        """Choice columns are filtered by equality (FAB offers starts-with on text)."""
        for col in self.choice_fields:
            if col in (self.search_columns or []):
                only = [FilterEqual(col, self.datamodel), FilterNotEqual(col, self.datamodel)]
                self._filters._search_filters[col] = only
                self._filters._all_filters[col] = only

    def _setup_blank_nones(self) -> None:
        """Empty values show as nothing, not "None"."""
        formatters = dict(self.formatters_columns or {})
        for col in set(self.list_columns or []) | set(self.show_columns or []):
            inner = formatters.get(col)
            formatters[col] = (lambda v, _f=inner: "" if v is None else (_f(v) if _f else v))
        self.formatters_columns = formatters

    def _setup_relation_scopes(self) -> None:
        """Relation drop-downs offer only rows of the user's estates."""
        datamodel = self.datamodel
        cols = set(self.add_columns or []) | set(self.edit_columns or []) | set(self.search_columns or [])
        add_q = dict(self.add_form_query_rel_fields or {})
        edit_q = dict(self.edit_form_query_rel_fields or {})
        search_q = dict(self.search_form_query_rel_fields or {})
        for col in cols:
            if not datamodel.is_relation(col):
                continue
            related = datamodel.get_related_model(col)
            if not _is_scoped(related):
                continue
            rule = [[_scope_column(related), FilterInFunction, current_estate_ids]]
            add_q.setdefault(col, rule)
            edit_q.setdefault(col, rule)
            search_q.setdefault(col, rule)
        self.add_form_query_rel_fields = add_q
        self.edit_form_query_rel_fields = edit_q
        self.search_form_query_rel_fields = search_q

    # --- the save path -------------------------------------------------------------------
    def check_scope(self, item) -> None:
        if not _is_scoped(type(item)):
            return
        estate_id = estate_of(item)
        if estate_id is not None and estate_id not in current_estate_ids():
            raise DomainError(_l("You do not work for this estate."), field="estate")

    def pre_add(self, item):
        self.check_scope(item)
        if self.service_check:
            type(self).service_check(item)

    def pre_update(self, item):
        self.check_scope(item)
        if self.service_check:
            type(self).service_check(item)

    def _save(self, form, item, is_add: bool) -> bool:
        """Populate, check and commit; on a refusal put the message on the form. True = saved."""
        self._normalise_text(form)
        keep_seconds(form, item)
        try:
            with db.session.no_autoflush:
                form.populate_obj(item)
                self.pre_add(item) if is_add else self.pre_update(item)
            if is_add:
                db.session.add(item)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            field = getattr(form, err.field, None) if err.field else None
            if field is not None and field.name in form._fields and not getattr(field, "_hidden", False):
                field.errors = list(field.errors or []) + [str(err)]
            else:
                flash(str(err), "danger")
            return False
        except SQLAlchemyError:
            db.session.rollback()
            flash(str(self.database_error_message), "danger")
            return False
        if is_add:
            self.post_add(item)
            flash(str(self.add_row_message), "success")
        else:
            self.post_update(item)
            flash(str(self.edit_row_message), "success")
        return True

    def _normalise_text(self, form) -> None:
        """Text as the office means it: browsers send a textarea's line breaks as CRLF (stored as
        LF, so a form sent back unchanged changes nothing), and a blank box of an optional field
        is "nothing", not an empty string."""
        table = getattr(self.datamodel.obj, "__table__", None)
        for name, field in form._fields.items():
            if not isinstance(field.data, str):
                continue
            text = field.data.replace("\r\n", "\n").replace("\r", "\n")
            column = table.columns.get(name) if table is not None else None
            if not text.strip() and column is not None and column.nullable:
                text = None
            field.data = text

    @staticmethod
    def _validate(form) -> bool:
        """The form's own checks, after refusing NUL bytes and other control characters (line
        breaks only in multi-line boxes): a reason of five NULs is not four characters of text, and
        FAB's uniqueness check would send them to the database, which PostgreSQL refuses."""
        bad = [f for f in form._fields.values()
               if isinstance(f.data, str) and bad_character(f.data, isinstance(f, TextAreaField))]
        for field in bad:
            field.errors = [gettext("The text contains a control character (such as a NUL byte or a line break "
                                    "where none is allowed): retype it.")]
        return not bad and form.validate()

    def _add(self):
        is_valid_form = True
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if self._validate(form):
                self.process_form(form, True)
                if self._save(form, self.datamodel.obj(), is_add=True):
                    return None
            is_valid_form = False
        if is_valid_form:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        is_valid_form = True
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if self._validate(form):
                self.process_form(form, False)
                if self._save(form, item, is_add=False):
                    return None
                item = self.datamodel.get(pk, self._base_filters)
            is_valid_form = False
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        widgets = self._get_related_views_widgets(
            item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets
        )
        if is_valid_form:
            self.update_redirect()
        return widgets

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
            db.session.delete(item)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "danger")
        except SQLAlchemyError:
            db.session.rollback()
            flash(str(_l("This record is still referred to by other records and cannot be deleted.")), "danger")
        else:
            self.post_delete(item)
            flash(str(self.delete_row_message), "success")
        self.update_redirect()

    # --- record page with its history ----------------------------------------------------
    def history_for(self, item) -> list:
        return audit.history(self.datamodel.obj.__tablename__, self.datamodel.get_pk_value(item))

    def history_masks(self) -> dict:
        """Fields whose values the viewer may not see in full: {field: masking function}."""
        return {}

    def history_choices(self) -> dict:
        """Choice labels for the values in the history (a register may show related rows)."""
        return self.choice_fields

    def history_rows(self, item) -> list:
        return present_history(self.history_for(item), self.label_columns, self.history_choices(),
                               self.datamodel.obj.__tablename__, self.history_masks())

    def _scoped_or_404(self, pk):
        """The record if it exists in the user's estates, else 404 (custom routes use it)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    def list_buttons(self) -> list[dict]:
        """Buttons above the list (same form as record_buttons), e.g. an export."""
        return []

    def render_template(self, template, **kwargs):
        # every page of a register knows its list buttons and whether a search is active
        # (FAB collapses the search panel even while filters apply)
        kwargs.setdefault("list_buttons", self.list_buttons() if template == self.list_template else [])
        kwargs.setdefault("searching", any(k.startswith("_flt_") for k in request.args))
        return super().render_template(template, **kwargs)

    # columns the record page shows only when they hold something (a receipt's reversal fields
    # on an ordinary payment are just empty rows)
    show_when_set: tuple = ()

    def show_columns_for(self, item) -> list[str]:
        """The columns the record page shows for ``item``: ``show_columns`` less the
        ``show_when_set`` ones it leaves empty (a register may also swap columns, e.g. masked
        personal data)."""
        return [c for c in self.show_columns
                if c not in self.show_when_set or getattr(item, c, None) not in (None, "")]

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        if item is None or show_fieldsets or self.show_fieldsets:
            return super()._get_show_widget(pk, item, widgets, actions, show_fieldsets)
        columns = self.show_columns_for(item)
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk, label_columns=self.label_columns, include_columns=columns,
            value_columns=self.datamodel.get_values_item(item, columns), formatters_columns=self.formatters_columns,
            actions=actions or self.actions, fieldsets=None, modelview_name=self.__class__.__name__,
        )
        return widgets

    def record_buttons(self, item) -> list[dict]:
        """Buttons above a record: dicts of label, url, and optionally method="post",
        style (Bootstrap btn-*), confirm (question asked before a POST)."""
        return []

    def locked_reason(self, item):
        """Why ``item`` may not be edited in its state (a published schedule, a posted
        apportionment, a closed work order), or None. The record page then offers no 修改 and
        the edit address shows this reason instead of a form; the service check refuses any
        other way in anyway."""
        return None

    def record_editable(self, item) -> bool:
        """Whether the record page offers 修改."""
        return self.locked_reason(item) is None

    def _edit_button(self, item) -> list[dict]:
        """修改 on the record page (FAB offers it only in the list), for those who may edit."""
        permission = "can_" + (self.method_permission_name or {}).get("edit", "edit")
        if item is None or not self.edit_columns or permission not in (self.base_permissions or [permission]):
            return []
        if not self.appbuilder.sm.has_access(permission, self.class_permission_name) or not self.record_editable(item):
            return []
        url = url_for(f"{type(self).__name__}.edit", pk=self.datamodel.get_pk_value(item))
        return [dict(label=gettext("Edit"), url=url, icon="fa-edit", style="default")]

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        reason = self.locked_reason(item) if item is not None else None
        if reason:
            # the record page offers no 修改 for this record; its edit address says why
            flash(str(reason), "warning")
            return redirect(url_for(f"{type(self).__name__}.show", pk=pk))
        return super().edit(pk)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        pk = self._deserialize_pk_if_composite(pk)
        widgets = self._show(pk)
        item = self.datamodel.get(pk, self._base_filters)
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self._related_views,
            history=self.history_rows(item) if self.show_history and item is not None else None,
            buttons=(self.record_buttons(item) + self._edit_button(item)) if item is not None else [],
            item=item,
        )
