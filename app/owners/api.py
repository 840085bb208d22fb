"""REST APIs of the owner archive. Personal data is masked for roles without the right."""
from flask import current_app
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.core.api import StaffRestApi
from app.owners import rules, services
from app.owners.models import Occupancy, Owner
from app.security import permissions as P


def _mask(record: dict) -> None:
    sm = current_app.appbuilder.sm
    if not sm.has_access(P.READ_PHONE, P.OWNER):
        for key in ("phone", "phone2", "emergency_phone"):
            if record.get(key):
                record[key] = rules.mask_phone(record[key])
    if not sm.has_access(P.READ_ID_NUMBER, P.OWNER) and record.get("id_number"):
        record["id_number"] = rules.mask_id_number(record["id_number"])


class OwnerRestApi(StaffRestApi):
    resource_name = "owner"
    class_permission_name = P.OWNER
    datamodel = SQLAInterface(Owner)
    list_columns = ["id", "estate_id", "name", "phone", "important_client"]
    # no filtering on phone or ID numbers: a role that sees them masked could confirm a
    # guessed number digit by digit
    search_columns = ["name", "important_client", "estate_id"]
    show_columns = [
        "id", "estate_id", "name", "phone", "phone2", "id_number", "emergency_contact",
        "emergency_phone", "important_client", "language", "notes",
    ]
    add_columns = edit_columns = [
        "estate", "name", "phone", "phone2", "id_number", "emergency_contact",
        "emergency_phone", "important_client", "language", "notes",
    ]
    service_check = staticmethod(services.check_owner)

    def pre_get(self, data):
        _mask(data.get("result", {}))

    def pre_get_list(self, data):
        for record in data.get("result", []):
            _mask(record)


class OccupancyRestApi(StaffRestApi):
    resource_name = "occupancy"
    class_permission_name = P.OCCUPANCY
    datamodel = SQLAInterface(Occupancy)
    list_columns = ["id", "estate_id", "unit_id", "owner_id", "relation", "move_in_date", "move_out_date"]
    show_columns = list_columns + ["notes"]  # ids only: the owner's personal data stays behind its own API
    add_columns = edit_columns = ["unit", "owner", "relation", "move_in_date", "move_out_date", "notes"]
    service_check = staticmethod(services.check_occupancy)
