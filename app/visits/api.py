"""REST API of owner visits (same resource as the view). The signature is taken on the visit
form only; the API shows whether there is one (its kind and SHA-256), never the image."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.core.api import StaffRestApi
from app.security import permissions as P
from app.visits import services
from app.visits.models import Visit


class VisitRestApi(StaffRestApi):
    resource_name = "visit"
    class_permission_name = P.VISIT
    datamodel = SQLAInterface(Visit)
    list_columns = ["id", "estate_id", "unit_id", "kind", "visit_date", "staff_id", "met_person",
                    "follow_up_needed", "follow_up_done", "signature_kind", "signature_sha256"]
    show_columns = ["id", "estate_id", "unit_id", "kind", "visit_date", "staff_id", "met_person", "opinions",
                    "requests", "follow_up", "follow_up_needed", "follow_up_done", "signature_kind",
                    "signature_sha256", "created_at"]
    add_columns = ["unit", "kind", "visit_date", "met_person", "opinions", "requests", "follow_up",
                   "follow_up_needed"]
    edit_columns = ["kind", "visit_date", "met_person", "opinions", "requests", "follow_up", "follow_up_needed",
                    "follow_up_done"]
    search_columns = ["kind", "visit_date", "unit_id", "follow_up_needed", "follow_up_done"]
    service_check = staticmethod(services.check_visit)
