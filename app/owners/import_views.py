"""Import units and owners from Excel, download the template, export the owner list.

Import (page, template, upload): resource DataImport, read/write. The owner export is a
separate right (can_export on Owner) and is checked on its own, so a Manager may download
the list without being allowed to import.
"""
from __future__ import annotations

import io

from flask import abort, current_app, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.validators import InputRequired

from app.core import clock
from app.exceptions import DomainError, ImportRejected
from app.extensions import db
from app.fees import opening_import
from app.meters import reading_import
from app.owners import exporter, importer
from app.security import permissions as P
from app.core.views import current_estates


class ExcelFileForm(FlaskForm):
    """What every Excel import asks: the estate, the .xlsx file, and all-or-nothing or good rows only."""
    estate = SelectField(_l("Estate"), coerce=int, validators=[InputRequired()])
    file = FileField(
        _l("Excel file (.xlsx)"),
        validators=[FileRequired(_l("Choose the file to import.")),
                    FileAllowed(["xlsx"], _l("Only Excel .xlsx files can be imported."))],
    )
    good_rows_only = BooleanField(
        _l("Import only the rows without errors"),
        description=_l("Otherwise nothing is imported while any row has an error."),
    )


class ImportForm(ExcelFileForm):
    update_existing = BooleanField(
        _l("Update existing units and people with the values in the file"),
        description=_l("Otherwise a value that differs from the registered one is reported as an error."),
    )


class OpeningForm(ExcelFileForm):
    """期初欠费: the opening balances of the units, one row per unit, fee item and month."""


def _estate_choices() -> list[tuple[int, str]]:
    return [(e.id, e.name) for e in current_estates()]


def _can_export() -> bool:
    return current_app.appbuilder.sm.has_access(P.EXPORT, P.OWNER)


class DataImportView(BaseView):
    route_base = "/import"
    class_permission_name = P.DATA_IMPORT
    method_permission_name = {"index": "read", "template": "read", "upload": "write", "opening": "write",
                              "readings": "write"}
    default_view = "index"

    def _form(self) -> ImportForm:
        form = ImportForm()
        form.estate.choices = _estate_choices()
        return form

    def _page(self, form: ImportForm, status: int = 200, opening_form: OpeningForm | None = None):
        if opening_form is None:
            opening_form = OpeningForm(prefix="opening")
            opening_form.estate.choices = _estate_choices()
        readings_form = OpeningForm(prefix="readings")
        readings_form.estate.choices = _estate_choices()
        return self.render_template(
            "staff/import.html", form=form, title=_l("Import and export"),
            columns=importer.COLUMNS, required=importer.REQUIRED_COLUMNS,
            max_rows=importer.MAX_ROWS, can_export=_can_export(), opening_form=opening_form,
            opening_columns=opening_import.COLUMNS, readings_form=readings_form,
            readings_columns=reading_import.COLUMNS,
        ), status

    @expose("/")
    @has_access
    def index(self):
        return self._page(self._form())

    @expose("/template.xlsx")
    @has_access
    def template(self):
        return send_file(io.BytesIO(exporter.import_template()), mimetype=exporter.XLSX_MIMETYPE,
                         as_attachment=True, download_name="import-template.xlsx")

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        form = self._form()
        if not form.validate_on_submit():
            return self._page(form, 400)
        sm = current_app.appbuilder.sm
        options = dict(good_rows_only=form.good_rows_only.data, update_existing=form.update_existing.data)
        estate_name = dict(form.estate.choices).get(form.estate.data, "")
        rows = []
        try:
            rows = importer.parse_workbook(form.file.data.stream)
            result = importer.import_rows(
                rows, sm.current_estate_ids(), db.session, estate_id=form.estate.data,
                actor=current_user._get_current_object(), **options,
            )
        except ImportRejected as err:
            return self.render_template(
                "staff/import_result.html", title=_l("Import refused"), estate_name=estate_name,
                message=str(err), errors=err.errors, result=None, notices=getattr(rows, "notices", []),
            ), 422
        except DomainError as err:
            db.session.rollback()
            return self.render_template(
                "staff/import_result.html", title=_l("Import refused"), estate_name=estate_name,
                message=str(err), errors=[], result=None,
            ), 422
        return self.render_template(
            "staff/import_result.html", title=_l("Import finished"), estate_name=estate_name,
            message=None, errors=result.skipped, result=result, notices=getattr(rows, "notices", []),
        )

    @expose("/opening", methods=["POST"])
    @has_access
    def opening(self):
        """期初欠费 from Excel: charges of source "opening", each (unit, item, month) once."""
        return self._money_import("opening", opening_import.read_workbook, opening_import.import_opening_balances)

    @expose("/readings", methods=["POST"])
    @has_access
    def readings(self):
        """抄表 from Excel: readings recorded (and household meters billed) as in the register."""
        return self._money_import("readings", reading_import.read_readings, reading_import.import_readings)

    def _money_import(self, prefix, read, write):
        form = OpeningForm(prefix=prefix)
        form.estate.choices = _estate_choices()
        if not form.validate_on_submit():
            return self._page(self._form(), 400, opening_form=form if prefix == "opening" else None)
        estate_name = dict(form.estate.choices).get(form.estate.data, "")
        rows = []
        try:
            if form.estate.data not in current_app.appbuilder.sm.current_estate_ids():
                raise DomainError(_l("You do not work for this estate."))
            rows = read(form.file.data.stream)
            result = write(rows, form.estate.data, current_user._get_current_object(), clock.now(),
                           good_rows_only=form.good_rows_only.data)
        except ImportRejected as err:
            return self.render_template(
                "staff/import_result.html", title=_l("Import refused"), estate_name=estate_name,
                message=str(err), errors=err.errors, result=None, notices=getattr(rows, "notices", []),
            ), 422
        except DomainError as err:
            db.session.rollback()
            return self.render_template(
                "staff/import_result.html", title=_l("Import refused"), estate_name=estate_name,
                message=str(err), errors=[], result=None,
            ), 422
        return self.render_template(
            "staff/import_result.html", title=_l("Import finished"), estate_name=estate_name,
            message=None, errors=result.skipped, result=None, notices=rows.notices,
            **{"opening" if prefix == "opening" else "readings": result},
        )

    @expose("/owners.xlsx")
    def owners_xlsx(self):
        """The owner list of the user's estates; phones masked without can_read_phone."""
        sm = current_app.appbuilder.sm
        if not current_user.is_authenticated:
            return redirect(url_for(sm.auth_view.__class__.__name__ + ".login", next=request.url))
        if not _can_export():
            abort(403)
        data = exporter.export_owners(
            sm.current_estate_ids(), mask_personal=not sm.has_access(P.READ_PHONE, P.OWNER),
            id_numbers=sm.has_access(P.READ_ID_NUMBER, P.OWNER),
        )
        from app.security import events

        events.record(events.EXPORT, detail={"what": "owner_list", "estates": sm.current_estate_ids(),
                                             "masked": not sm.has_access(P.READ_PHONE, P.OWNER)})
        name = _("owner-list") + f"-{clock.today():%Y%m%d}.xlsx"
        response = send_file(io.BytesIO(data), mimetype=exporter.XLSX_MIMETYPE,
                             as_attachment=True, download_name=name)
        response.headers["Cache-Control"] = "no-store"
        return response
