"""Owner archive (业主档案) and occupancies (入住登记)."""
from flask import current_app, url_for
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core.views import StaffModelView
from app.owners import rules, services
from app.owners.models import Occupancy, Owner
from app.security import permissions as P

LABELS = {
    "estate": _l("Estate"),
    "name": _l("Name"),
    "phone": _l("Phone"),
    "phone_masked": _l("Phone"),
    "phone2": _l("Second phone"),
    "id_number": _l("ID number"),
    "id_number_masked": _l("ID number"),
    "emergency_contact": _l("Emergency contact"),
    "emergency_phone": _l("Emergency phone"),
    "important_client": _l("Important client"),
    "language": _l("Letter language"),
    "notes": _l("Notes"),
    "units_text": _l("Units"),
    "unit": _l("Unit"),
    "owner": _l("Owner / occupant"),
    "relation": _l("Relation"),
    "move_in_date": _l("Move-in date"),
    "move_out_date": _l("Move-out date"),
}


class OccupancyModelView(StaffModelView):
    datamodel = SQLAInterface(Occupancy)
    class_permission_name = P.OCCUPANCY
    list_title = _l("Occupancies")
    show_title = add_title = edit_title = _l("Occupancy")
    label_columns = LABELS
    list_columns = ["unit", "owner", "relation", "move_in_date", "move_out_date"]
    add_columns = edit_columns = ["unit", "owner", "relation", "move_in_date", "move_out_date", "notes"]
    show_columns = add_columns
    search_columns = ["relation", "move_in_date", "move_out_date"]
    choice_fields = {"relation": rules.RELATIONS}
    service_check = staticmethod(services.check_occupancy)


class OwnerModelView(StaffModelView):
    datamodel = SQLAInterface(Owner)
    class_permission_name = P.OWNER
    list_title = _l("Owner archive")
    show_title = add_title = edit_title = _l("Owner / occupant")
    label_columns = LABELS
    list_columns = ["name", "phone_masked", "units_text", "important_client"]
    add_columns = edit_columns = [
        "estate", "name", "phone", "phone2", "id_number", "emergency_contact",
        "emergency_phone", "important_client", "language", "notes",
    ]
    show_columns = [
        "estate", "name", "phone", "phone2", "id_number", "units_text", "emergency_contact",
        "emergency_phone", "important_client", "language", "notes",
    ]
    search_columns = ["name", "important_client"]
    order_columns = ["name", "important_client"]
    base_order = ("name", "asc")
    choice_fields = {"language": rules.LANGUAGES}
    list_eager = (("occupancies", Occupancy.unit),)
    related_views = [OccupancyModelView]
    description_columns = {
        "phone": _l("Mobile or landline, e.g. 13812345678 or 025-84561234"),
        "important_client": _l("Important clients are visited every week"),
        "language": _l("Language of printed letters to this owner"),
    }
    service_check = staticmethod(services.check_owner)
    formatters_columns = {}

    def list_buttons(self):
        if current_app.appbuilder.sm.has_access(P.EXPORT, P.OWNER):
            return [dict(label=gettext("Export to Excel"), url=url_for("DataImportView.owners_xlsx"),
                         icon="fa-file-excel", style="default")]
        return []

    def history_choices(self):
        return {**self.choice_fields, "relation": rules.RELATIONS}

    def history_masks(self):
        sm = current_app.appbuilder.sm
        masks = {}
        if not sm.has_access(P.READ_PHONE, P.OWNER):
            masks.update(dict.fromkeys(("phone", "phone2", "emergency_phone"), rules.mask_phone))
        if not sm.has_access(P.READ_ID_NUMBER, P.OWNER):
            masks["id_number"] = rules.mask_id_number
        return masks

    def history_for(self, item):
        return services.owner_history(item.id)

    def show_columns_for(self, item):
        """Personal data in full only for roles that need it; masked otherwise."""
        sm = current_app.appbuilder.sm
        show_phone = sm.has_access(P.READ_PHONE, P.OWNER)
        show_id = sm.has_access(P.READ_ID_NUMBER, P.OWNER)
        columns = []
        for col in super().show_columns_for(item):
            if col in ("phone", "phone2", "emergency_phone") and not show_phone:
                col = "phone_masked" if col == "phone" else None
            elif col == "id_number" and not show_id:
                col = "id_number_masked"
            if col:
                columns.append(col)
        return columns
