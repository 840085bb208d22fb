"""FAB's own user pages, speaking the office's language: the profile shows 是/否 and the
role names in words, not True and [Clerk]."""
from flask import redirect, request
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.security.forms import ResetPasswordForm
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Optional, Regexp

from app.security.passwords import RULE
from app.security.roles import ROLE_LABELS, role_label

# FAB's user table requires a unique e-mail address; an office's staff often have none. An
# account saved without one gets this made-up address (".invalid" can never be delivered, RFC
# 2606), which the pages show as empty.
NO_EMAIL_DOMAIN = "no-email.invalid"


def no_email(address) -> bool:
    return not address or str(address).endswith("@" + NO_EMAIL_DOMAIN)


def _email(address) -> str:
    return "" if no_email(address) else address


def _roles(roles) -> str:
    return "、".join(str(ROLE_LABELS.get(r.name, r.name)) for r in roles or [])


class StaffUserDBModelView(UserDBModelView):
    # the same permissions as FAB's own view: SELF_SERVICE grants them to every staff role
    class_permission_name = "UserDBModelView"
    # A Chinese name is one field (王丽); FAB's "first name" holds it and its required "last name"
    # holds the post (客服, 工程部), so that "first last" never reads as 丽 王. No user groups:
    # roles are given to each user directly.
    label_columns = {**UserDBModelView.label_columns, "first_name": _l("Full name"), "last_name": _l("Post")}
    description_columns = {
        **UserDBModelView.description_columns,
        "first_name": _l("The staff member's full name, as on the staff list (e.g. 王丽)"),
        "last_name": _l("Post or department (e.g. 客服, 工程部)"),
    }
    list_columns = [c for c in UserDBModelView.list_columns if c != "groups"]
    search_columns = [c for c in UserDBModelView.search_columns if c != "groups"]
    add_columns = [c for c in UserDBModelView.add_columns if c != "groups"]
    edit_columns = [c for c in UserDBModelView.edit_columns if c != "groups"]
    validators_columns = {"roles": [DataRequired()]}
    formatters_columns = {
        "active": lambda v: _l("Yes") if v else _l("No"),
        "roles": _roles,
        "email": _email,
    }
    # the password rule under the field (FAB's own text says the application checks nothing)
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "password": PasswordField(_l("Password"), description=RULE,
                                  validators=[DataRequired(), PasswordComplexityValidator()],
                                  widget=BS3PasswordFieldWidget()),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # FAB builds these two fields from the model: the role picker would read Clerk, and the
        # NOT NULL e-mail column would make the address required
        for form in (self.add_form, self.edit_form):
            roles = getattr(form, "roles", None)
            if isinstance(roles, UnboundField):
                roles.kwargs["get_label"] = lambda role: role_label(role.name)
            email = getattr(form, "email", None)
            if isinstance(email, UnboundField):
                kept = [v for v in email.kwargs.get("validators") or []
                        if not isinstance(v, (InputRequired, DataRequired, Optional))]
                email.kwargs["validators"] = [Optional(), Regexp(
                    r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                    message=_l("Enter an e-mail address such as name@example.com, or leave it empty."))] + kept

    def _fill_email(self, item) -> None:
        address = (item.email or "").strip()
        item.email = address if not no_email(address) else f"{item.username}@{NO_EMAIL_DOMAIN}"

    def pre_add(self, item):
        self._fill_email(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._fill_email(item)  # from the current login name: a renamed account keeps it unique
        super().pre_update(item)

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        if "email" in form._fields:
            form.email.data = _email(form.email.data)


class StaffResetPasswordForm(ResetPasswordForm):
    password = PasswordField(_l("Password"), description=RULE,
                             validators=[DataRequired(), PasswordComplexityValidator()],
                             widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(_l("Confirm Password"), description=_l("Please rewrite the password to confirm"),
                                  validators=[EqualTo("password", message=_l("Passwords must match"))],
                                  widget=BS3PasswordFieldWidget())


# Same class names as FAB's: the endpoints and permission names (SELF_SERVICE) stay as they are.
class ResetMyPasswordView(fab_views.ResetMyPasswordView):
    form = StaffResetPasswordForm


class ResetPasswordView(fab_views.ResetPasswordView):
    form = StaffResetPasswordForm


class AuthDBView(fab_views.AuthDBView):
    """FAB logs out on a GET of /logout/: a link in a mail, an <img src> on any page or a
    browser's prefetch could end a clerk's session in the middle of taking a payment. A GET
    now shows a one-button page; only its POST (with the session's CSRF token, checked by
    Flask-WTF as for every form) logs out. Same class name as FAB's: the endpoint stays
    AuthDBView.logout."""

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        if request.method == "POST":
            return super().logout()
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_index)
        return self.render_template("staff/logout.html", title=_l("Log out"), appbuilder=self.appbuilder)
