"""FAB's own user pages, speaking the office's language: the profile shows 是/否 and the
role names in words, not True and [Clerk]."""
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.security.roles import ROLE_LABELS


def _roles(roles) -> str:
    return "、".join(str(ROLE_LABELS.get(r.name, r.name)) for r in roles or [])


class StaffUserDBModelView(UserDBModelView):
    # the same permissions as FAB's own view: SELF_SERVICE grants them to every staff role
    class_permission_name = "UserDBModelView"
    formatters_columns = {
        "active": lambda v: _l("Yes") if v else _l("No"),
        "roles": _roles,
    }
