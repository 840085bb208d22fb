"""Estate structure registers (小区、组团、楼栋、单元、房屋)."""
from flask import current_app, url_for
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core.views import StaffModelView
from app.estate import rules, services
from app.estate.models import Building, Entrance, Estate, Unit, Zone
from app.owners.models import Occupancy
from app.owners.rules import RELATIONS
from app.owners.views import OccupancyModelView
from app.security import permissions as P

LABELS = {
    "name": _l("Name"),
    "company_name": _l("Management company"),
    "address": _l("Address"),
    "office_phone": _l("Office phone"),
    "office_hours": _l("Office hours"),
    "bank_name": _l("Bank (for fee payments)"),
    "bank_account_name": _l("Bank account holder"),
    "bank_account_number": _l("Bank account number"),
    "notes": _l("Notes"),
    "late_fees_enabled": _l("Charge late fees (滞纳金)"),
    "vacant_payer": _l("Unsold units are billed to"),
    "developer_name": _l("Developer"),
    "vacant_fee_percent": _l("Vacant units pay (percent of the fee)"),
    "estate": _l("Estate"),
    "zone": _l("Zone"),
    "building": _l("Building"),
    "entrance": _l("Entrance"),
    "number": _l("Number"),
    "floors": _l("Floors"),
    "code": _l("Room"),
    "room_number": _l("Room number"),
    "floor": _l("Floor"),
    "property_type": _l("Property type"),
    "chargeable_area": _l("Chargeable area (m²)"),
    "status": _l("Status"),
    "occupants_text": _l("Occupants"),
}


class EstateModelView(StaffModelView):
    datamodel = SQLAInterface(Estate)
    class_permission_name = P.ESTATE
    list_title = _l("Estates")
    show_title = add_title = edit_title = _l("Estate")
    label_columns = LABELS
    list_columns = ["name", "company_name", "address", "office_phone"]
    add_columns = edit_columns = [
        "name", "company_name", "address", "office_phone", "office_hours",
        "bank_name", "bank_account_name", "bank_account_number", "late_fees_enabled",
        "vacant_payer", "developer_name", "vacant_fee_percent", "notes",
    ]
    show_columns = add_columns
    search_columns = ["name"]
    choice_fields = {"vacant_payer": rules.VACANT_PAYERS}
    description_columns = {
        "vacant_payer": _l("A unit with no owner on record: the developer pays for the days before its "
                           "first owner moves in, or nobody is billed."),
        "vacant_fee_percent": _l("100 = the full fee; 70 = vacant units pay seventy percent (空置房按七成收取)."),
    }
    service_check = staticmethod(services.check_estate)


class ZoneModelView(StaffModelView):
    datamodel = SQLAInterface(Zone)
    class_permission_name = P.ZONE
    list_title = _l("Zones")
    show_title = add_title = edit_title = _l("Zone")
    label_columns = LABELS
    list_columns = ["estate", "name", "notes"]
    add_columns = edit_columns = ["estate", "name", "notes"]
    show_columns = add_columns
    search_columns = ["estate", "name"]
    order_columns = ["name"]
    service_check = staticmethod(services.check_zone)


class BuildingModelView(StaffModelView):
    datamodel = SQLAInterface(Building)
    class_permission_name = P.BUILDING
    list_title = _l("Buildings")
    show_title = add_title = edit_title = _l("Building")
    label_columns = LABELS
    list_columns = ["zone", "number", "floors", "notes"]
    add_columns = edit_columns = ["zone", "number", "floors", "notes"]
    show_columns = ["estate", *add_columns]
    search_columns = ["zone", "number"]
    order_columns = ["number", "floors"]
    description_columns = {"number": _l("As staff say it: 3 for building 3 (3-2-501)")}
    service_check = staticmethod(services.check_building)


class EntranceModelView(StaffModelView):
    datamodel = SQLAInterface(Entrance)
    class_permission_name = P.ENTRANCE
    list_title = _l("Entrances")
    show_title = add_title = edit_title = _l("Entrance")
    label_columns = LABELS
    list_columns = ["building", "number"]
    add_columns = edit_columns = ["building", "number"]
    show_columns = ["estate", *add_columns]
    search_columns = ["building", "number"]
    order_columns = ["number"]
    service_check = staticmethod(services.check_entrance)


class UnitModelView(StaffModelView):
    datamodel = SQLAInterface(Unit)
    class_permission_name = P.UNIT
    list_title = _l("Units")
    show_title = add_title = edit_title = _l("Unit")
    label_columns = LABELS
    list_columns = ["code", "occupants_text", "floor", "property_type", "chargeable_area", "status"]
    add_columns = edit_columns = [
        "entrance", "room_number", "floor", "property_type", "chargeable_area", "status", "notes",
    ]
    show_columns = ["estate", "code", "building", "entrance", *add_columns[1:]]
    search_columns = ["code", "building", "property_type", "status", "chargeable_area"]
    # the list comes in natural room order (3-2-501 before 10-1-101) by sort_key; the code
    # itself would sort as text, so it is not offered as a sort column
    order_columns = ["floor", "chargeable_area", "status"]
    base_order = ("sort_key", "asc")
    list_eager = (("occupancies", Occupancy.owner),)
    choice_fields = {"property_type": rules.PROPERTY_TYPES, "status": rules.UNIT_STATUSES}
    description_columns = {
        "room_number": _l("e.g. 501; the room is then known as building-entrance-room, 3-2-501"),
        "floor": _l("Left empty, it is taken from the room number (501 → 5)"),
        "chargeable_area": _l("In m², at most 2 decimals, e.g. 89.50"),
    }
    service_check = staticmethod(services.check_unit)
    related_views = [OccupancyModelView]

    def record_buttons(self, item):
        from app.servicedesk.phone import intake_buttons

        sm = current_app.appbuilder.sm
        # the phone call: 报修 / 投诉 for this room, the owner (else the first occupant) as caller
        occupants = sorted((o for o in item.current_occupants if o.owner),
                           key=lambda o: (o.relation != "owner", o.id))
        caller = occupants[0].owner if occupants else None
        phone = caller.phone if caller is not None and sm.has_access(P.READ_PHONE, P.OWNER) else None
        buttons = intake_buttons(item.code, caller.name if caller else None, phone)
        if sm.has_access(P.WRITE, P.RECEIPT):
            buttons.append(dict(label=gettext("Take payment"), icon="fa-yen-sign",
                                url=url_for("CashDeskView.take_payment", unit_id=item.id)))
        if sm.has_access(P.READ, P.RECEIPT):
            buttons.append(dict(label=gettext("Fee ledger"), icon="fa-book", style="default",
                                url=url_for("CashDeskView.ledger", unit_id=item.id)))
        if sm.has_access(P.WRITE, P.CHARGE):
            buttons.append(dict(label=gettext("Sell a service"), icon="fa-concierge-bell", style="default",
                                url=url_for("SaleView.sell", unit_id=item.id)))
        if sm.has_access(P.WRITE, P.VISIT):
            buttons.append(dict(label=gettext("Record a visit"), icon="fa-walking", style="default",
                                url=url_for("VisitModelView.add", unit=item.id)))
        return buttons
    show_template = "staff/unit_show.html"
    extra_args = {"relation_labels": RELATIONS}
    TIMELINE_ON_PAGE = 20  # the latest events; the timeline page has them all

    def render_template(self, template, **kwargs):
        # the record page shows the unit's timeline (only the kinds the user may read)
        if template == self.show_template and kwargs.get("item") is not None:
            from app.search.views import timeline_context

            kwargs.update(timeline_context(kwargs["item"].id, limit=self.TIMELINE_ON_PAGE))
            kwargs["account"] = unit_account(kwargs["item"])
        return super().render_template(template, **kwargs)


def unit_account(unit: Unit) -> dict | None:
    """What the unit owes, for the summary at the top of its page: the figures of the cash desk
    (open charges, prepaid) and of the arrears list and case file (overdue, late fee, stage),
    from their own services. None for a user who may not read charges (e.g. Engineering)."""
    sm = current_app.appbuilder.sm
    if not sm.has_access(P.READ, P.CHARGE):
        return None
    from app.cashdesk import services as cashdesk
    from app.collection import rules as collection_rules
    from app.collection import arrears as collection
    from app.core import clock

    today = clock.today()
    return {
        "as_of": today,
        "unpaid": cashdesk.arrears_total(unit.id),  # the cash desk's 欠费
        "prepaid": cashdesk.prepaid_balance(unit.id),
        "overdue": collection.unit_arrears(unit, today),  # the arrears list's row; None: nothing overdue
        "can_read_case": sm.has_access(P.READ, P.COLLECTION_ACTION),
        "stages": collection_rules.STAGES,
    }
