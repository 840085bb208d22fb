"""The phone call: from the unit page or the caller card, 报修 and 投诉 open the intake with the
room, the caller and the phone already typed; once saved, the record page shows the new number
large, for the clerk to read it back to the caller before hanging up (a flash is too small and
gone on the next click)."""
from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from flask_babel import gettext

from app.core.inputs import bad_character
from app.security import permissions as P

# what the intake link may carry, with the longest each field takes (the model's lengths)
PREFILL = {"unit_code": 30, "caller": 50, "phone": 30}


def _clean(value, max_len: int) -> str:
    """A link's value as the form may show it: trimmed, cut to the field's length, and nothing
    at all when it holds a control character (a NUL typed into an address is not a name)."""
    text = (value or "").strip()[:max_len]
    return "" if not text or bad_character(text, False) else text


def intake_buttons(unit_code: str, caller: str | None = None, phone: str | None = None,
                   small: bool = False) -> list[dict]:
    """报修 / 投诉 buttons for the user's permissions, opening the intake prefilled."""
    sm = current_app.appbuilder.sm
    args = {k: v for k, v in (("unit_code", unit_code), ("caller", caller), ("phone", phone)) if v}
    buttons = []
    if sm.has_access(P.WRITE, P.WORK_ORDER):
        buttons.append(dict(label=gettext("Repair request"), icon="fa-wrench", style="warning",
                            url=url_for("WorkOrderModelView.add", **args), css="intake-repair"))
    if sm.has_access(P.WRITE, P.COMPLAINT):
        buttons.append(dict(label=gettext("Complaint"), icon="fa-bullhorn", style="danger",
                            url=url_for("ComplaintModelView.add", **args), css="intake-complaint"))
    return buttons


class PhoneIntakeMixin:
    """Mixed in before StaffModelView by the work-order and complaint views: the add form takes
    ?unit_code=&caller=&phone= from the link, and a saved record opens its own page with the
    number to read back (?new=1)."""

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        if request.method == "GET":
            for name, max_len in PREFILL.items():
                value = _clean(request.args.get(name), max_len)
                if value and name in form._fields:
                    form._fields[name].data = value
        return super()._get_add_widget(form=form, exclude_cols=exclude_cols, widgets=widgets)

    def post_add(self, item):
        super().post_add(item)
        g.intake_added_pk = item.id  # per request (the view object is shared by all requests)

    def post_add_redirect(self):
        pk = g.pop("intake_added_pk", None)
        if pk is None:
            return super().post_add_redirect()
        return redirect(url_for(f"{type(self).__name__}.show", pk=pk, new=1))

    def read_back(self, item) -> str | None:
        """The number to read back to the caller, on the page opened right after the intake."""
        return item.number if request.args.get("new") == "1" else None
