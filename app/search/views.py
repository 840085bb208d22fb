from flask import current_app, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.estate.models import Unit
from app.search.services import quick_search
from app.security import permissions as P


class QuickSearchView(BaseView):
    route_base = "/search"
    class_permission_name = P.QUICK_SEARCH
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        text = (request.args.get("q") or "").strip()[:100]
        result = quick_search(current_app.appbuilder.sm.current_estate_ids(), text)
        hit = result.only
        if hit is not None:
            endpoint = "UnitModelView.show" if isinstance(hit, Unit) else "OwnerModelView.show"
            return redirect(url_for(endpoint, pk=hit.id))
        return self.render_template(
            "staff/search_results.html", q=text, result=result, title=_l("Search")
        )
