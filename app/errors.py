"""Translated error pages: no stack trace or English-only page reaches a user."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _

from app.extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register(app) -> None:
    def page(code: int, title: str, message: str):
        if _wants_json():
            return jsonify(message=message), code
        return render_template("staff/error.html", code=code, title=title, message=message,
                               appbuilder=app.appbuilder), code

    @app.errorhandler(400)
    def bad_request(_e):
        return page(400, _("Bad request"), _("The request could not be understood. Please go back and try again."))

    @app.errorhandler(403)
    def forbidden(_e):
        return page(403, _("Access denied"), _("You do not have permission to open this page."))

    @app.errorhandler(404)
    def not_found(_e):
        return page(404, _("Not found"), _("This page or record does not exist, or it belongs to an estate you do not work for."))

    @app.errorhandler(413)
    def too_large(_e):
        return page(413, _("File too large"), _("The file or form is too large."))

    @app.errorhandler(429)
    def too_many_requests(_e):
        resp, code = page(429, _("Too many failed logins"), _(
            "There were too many failed logins from this computer in the last minute. "
            "Please wait a minute and try again; if you forgot your password, ask the system administrator."))
        resp = app.make_response((resp, code))
        resp.headers["Retry-After"] = "60"
        return resp

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return page(500, _("Something went wrong"), _("The system could not finish this request; nothing was saved. Please try again, and tell the administrator if it happens again."))
