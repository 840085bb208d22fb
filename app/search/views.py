from flask import abort, current_app, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.estate.models import Unit
from app.exceptions import DomainError
from app.search.services import quick_search
from app.security import permissions as P


def _is_phone(text: str) -> bool:
    digits = text.replace("-", "").replace(" ", "")
    return digits.isdigit() and len(digits) >= 4


def timeline_context(unit_id: int, limit: int | None = None) -> dict:
    """The unit's timeline as the user may see it, with the filter chips (?kind=)."""
    from app.core import timeline

    sm = current_app.appbuilder.sm
    can_read = lambda resource: sm.has_access(P.READ, resource)  # noqa: E731
    chips = [(kind, label) for kind, (resource, label) in timeline.kind_resources().items() if can_read(resource)]
    active = request.args.get("kind") or ""
    if active not in dict(chips):
        active = ""
    events = timeline.unit_timeline(unit_id, kinds={active} if active else None, limit=limit, can_read=can_read)
    return {"timeline_events": events, "timeline_chips": chips, "timeline_active": active}


class QuickSearchView(BaseView):
    route_base = "/search"
    class_permission_name = P.QUICK_SEARCH
    method_permission_name = {"index": "read", "caller": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        text = (request.args.get("q") or "").strip()[:100]
        result = quick_search(current_app.appbuilder.sm.current_estate_ids(), text)
        hit = result.only
        if hit is not None:
            if not isinstance(hit, Unit) and _is_phone(text):
                # a phone number of exactly one owner: the caller card
                return redirect(url_for("QuickSearchView.caller", owner_id=hit.id))
            endpoint = "UnitModelView.show" if isinstance(hit, Unit) else "OwnerModelView.show"
            return redirect(url_for(endpoint, pk=hit.id))
        return self.render_template(
            "staff/search_results.html", q=text, result=result, title=_l("Search"),
            phone_search=_is_phone(text),
        )

    @expose("/caller/<int:owner_id>")
    @has_access
    def caller(self, owner_id):
        """来电卡片: who is calling, their units, open items and the timeline."""
        from app.search.caller import caller_card

        sm = current_app.appbuilder.sm
        try:
            card = caller_card(owner_id, sm.current_estate_ids(), clock.today(),
                               lambda action, resource: sm.has_access(action, resource), sm.current_user)
        except DomainError:
            abort(404)
        from app.servicedesk.phone import intake_buttons

        # 报修 / 投诉 per room, with the caller and the number they are known by (in full only for
        # those who may see it)
        phone = card.owner.phone if sm.has_access(P.READ_PHONE, P.OWNER) else None
        intake = {row.unit.id: intake_buttons(row.unit.code, card.owner.name, phone) for row in card.units}
        return self.render_template("timeline/caller.html", card=card, title=_l("Caller card"),
                                    can_visit=sm.has_access(P.WRITE, P.VISIT), intake=intake)


class TimelineView(BaseView):
    """One unit's timeline on its own page (the unit page shows the latest events)."""

    route_base = "/timeline"
    class_permission_name = P.UNIT
    method_permission_name = {"unit": "read"}
    default_view = "unit"

    @expose("/unit/<int:unit_id>")
    @has_access
    def unit(self, unit_id):
        from app.core.views import scoped_or_404

        unit = scoped_or_404(Unit, unit_id)
        return self.render_template("timeline/unit.html", unit=unit, title=_l("Timeline"),
                                    **timeline_context(unit.id))
