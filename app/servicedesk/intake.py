"""What taking in a service-desk record from plain fields (API, demo, tests) is the same for a
work order (services.create_work_order) and a complaint (complaints.create_complaint): the
fields every record has, how its unit is given, and the one transaction around the intake.
What each register adds (urgency and price list; department, 联系单 and reply date) stays in
its own create function. The edit form changes the same contact fields on both."""
from __future__ import annotations

from contextlib import contextmanager

from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError
from app.extensions import committed, db
from app.servicedesk import rules

CONTACT_FIELDS = ("caller", "phone", "channel", "category", "description")


def contact_fields(data: dict) -> dict:
    """Who called, how, and about what: the fields every record is taken in with."""
    return {name: data.get(name) for name in CONTACT_FIELDS}


def unit_given(data: dict) -> dict:
    """The unit as the intake takes it: a room code (3-2-501) or a unit id (``unit`` or ``unit_id``)."""
    return dict(unit_code=data.get("unit_code"), unit_id=data.get("unit") or data.get("unit_id"))


@contextmanager
def committed_intake():
    """The intake without autoflush (a record still being checked must not be flushed), then one
    commit; a refusal rolls everything back and is raised."""
    with committed(), db.session.no_autoflush:
        yield


def check_contact_edit(record, categories: dict) -> None:
    """What the edit form may change (caller, phone, category, description) while still open;
    ``categories``: the register's own (rules.WO_CATEGORIES / rules.COMPLAINT_CATEGORIES)."""
    if record.state == "closed":
        raise DomainError(_l("This record is closed: nothing more can be done with it."))
    record.caller = rules.clean_text(record.caller, "caller", 50)
    record.phone = rules.check_phone(record.phone)
    rules.check_choice(record.category, categories, "category")
    record.description = rules.clean_text(record.description, "description", 2000)
