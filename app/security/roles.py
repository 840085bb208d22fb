"""The role -> resource -> actions matrix, as reviewable data.

``sync_roles`` (security.manager) makes the database roles match this table exactly, and
tests/security walks every cell. A register without a row here is visible to Admin only.
Admin holds every permission FAB knows (FAB adds each new permission to the Admin role).
"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from app.security import permissions as P

R = (P.READ,)
RW = (P.READ, P.WRITE)
RWD = (P.READ, P.WRITE, P.DELETE)

RWA = (P.READ, P.WRITE, P.APPROVE)

ADMIN = "Admin"
MANAGER = "Manager"
SUPERVISOR = "Supervisor"
CLERK = "Clerk"
ACCOUNTANT = "Accountant"
ENGINEER = "Engineer"
SECURITY = "Security"
PUBLIC = "Public"

STAFF_ROLES = (MANAGER, SUPERVISOR, CLERK, ACCOUNTANT, ENGINEER, SECURITY)

ROLE_MATRIX: dict[str, dict[str, tuple[str, ...]]] = {
    MANAGER: {
        P.ESTATE: R, P.ZONE: R, P.BUILDING: R, P.ENTRANCE: R, P.UNIT: R,
        P.OWNER: (P.READ, P.READ_PHONE, P.READ_ID_NUMBER, P.EXPORT),
        P.OCCUPANCY: R,
        P.AUDIT_LOG: R,
        P.QUICK_SEARCH: R,
        # reads everything; approves receipt voids
        P.FEE_ITEM: R, P.FEE_SCHEDULE: R, P.SERVICE_PRICE: R, P.CHARGE: R, P.RECEIPT: R,
        P.VOID_REQUEST: (P.READ, P.APPROVE), P.BANK_DEPOSIT: R,
        P.LATE_FEE_WAIVER: (P.READ, P.APPROVE),  # decides late-fee waivers (减免)
        P.RECONCILIATION: R, P.METER: R, P.METER_READING: R, P.APPORTIONMENT: R,
        P.NOTICE: R, P.POSTING: R, P.PUBLIC_PAGES: R,
        # reads arrears and the case files; decides escalations
        P.ARREARS: R, P.COLLECTION_ACTION: (P.READ, P.APPROVE), P.PAYMENT_REMINDER: R,
        # service desk: reads everything; escalated complaints and late work orders on the home page
        P.WORK_ORDER: R, P.COMPLAINT: R, P.CALLBACK: R, P.SERVICE_SETTINGS: R,
        # owner visits: reads them, the quota panel and the monthly summary
        P.VISIT: R, P.VISIT_QUOTA: R,
    },
    SUPERVISOR: {
        P.ESTATE: R, P.ZONE: RWD, P.BUILDING: RWD, P.ENTRANCE: RWD, P.UNIT: RWD,
        P.OWNER: (*RWD, P.READ_PHONE, P.READ_ID_NUMBER, P.EXPORT),
        P.OCCUPANCY: RWD,
        P.AUDIT_LOG: R,
        P.DATA_IMPORT: RW,
        P.QUICK_SEARCH: R,
        # fee schedule and price lists (edit + publish), billing, meters, apportionment
        P.FEE_ITEM: RW, P.FEE_SCHEDULE: (*RW, P.PUBLISH), P.SERVICE_PRICE: RW,
        P.CHARGE: RW, P.BILLING: RW, P.RECEIPT: RW, P.VOID_REQUEST: RW, P.LATE_FEE_WAIVER: RW,
        P.BANK_DEPOSIT: RW, P.RECONCILIATION: RW, P.METER: RW, P.METER_READING: RW,
        P.APPORTIONMENT: RWA,
        P.NOTICE: (*RW, P.PUBLISH), P.POSTING: RW, P.PUBLIC_PAGES: R,
        P.ARREARS: RW, P.COLLECTION_ACTION: RW, P.PAYMENT_REMINDER: RW,
        # service desk and its time limits (no deleting: a work order is closed, not deleted)
        P.WORK_ORDER: RW, P.COMPLAINT: RW, P.CALLBACK: RW, P.SERVICE_SETTINGS: RW,
        # owner visits; sets the estate's visit quotas. No deleting: a visit carries the
        # owner's signature, a mistake is corrected (audited), not removed
        P.VISIT: RW, P.VISIT_QUOTA: RW,
    },
    CLERK: {
        # reception, move-in/out: edits owners, occupancies and unit status; deletes nothing
        P.ESTATE: R, P.ZONE: R, P.BUILDING: R, P.ENTRANCE: R, P.UNIT: RW,
        P.OWNER: (*RW, P.READ_PHONE, P.READ_ID_NUMBER),
        P.OCCUPANCY: RW,
        P.QUICK_SEARCH: R,
        # fee collection and receipts, business-service sales; no voiding, no fee schedules
        P.FEE_ITEM: R, P.FEE_SCHEDULE: R, P.SERVICE_PRICE: R, P.CHARGE: RW, P.RECEIPT: RW,
        P.VOID_REQUEST: RW, P.LATE_FEE_WAIVER: RW, P.BANK_DEPOSIT: RW, P.RECONCILIATION: RW,
        P.METER: R, P.METER_READING: RW, P.APPORTIONMENT: R,
        # drafts notices and records where they were posted; the supervisor publishes
        P.NOTICE: RW, P.POSTING: RW, P.PUBLIC_PAGES: R,
        # payment reminders: phone, print, visit, escalate
        P.ARREARS: RW, P.COLLECTION_ACTION: RW, P.PAYMENT_REMINDER: RW,
        # repairs, complaints and callbacks by phone or at the desk; reads the time limits
        P.WORK_ORDER: RW, P.COMPLAINT: RW, P.CALLBACK: RW, P.SERVICE_SETTINGS: R,
        # records owner visits; sees the quotas it works to
        P.VISIT: RW, P.VISIT_QUOTA: R,
    },
    ACCOUNTANT: {
        P.ESTATE: R, P.ZONE: R, P.BUILDING: R, P.ENTRANCE: R, P.UNIT: R,
        P.OWNER: R, P.OCCUPANCY: R,
        P.QUICK_SEARCH: R,
        # reads the fee ledger; confirms deposits; signs off reconciliations; approves voids
        P.FEE_ITEM: R, P.FEE_SCHEDULE: R, P.SERVICE_PRICE: R, P.CHARGE: R, P.RECEIPT: R,
        P.VOID_REQUEST: (P.READ, P.APPROVE), P.BANK_DEPOSIT: (P.READ, P.APPROVE), P.LATE_FEE_WAIVER: R,
        P.RECONCILIATION: (P.READ, P.APPROVE), P.APPORTIONMENT: R,
        P.NOTICE: R, P.PUBLIC_PAGES: R,
        P.ARREARS: R, P.COLLECTION_ACTION: R, P.PAYMENT_REMINDER: R,
        P.WORK_ORDER: R, P.COMPLAINT: R, P.CALLBACK: R,
    },
    ENGINEER: {
        # needs the room and a phone number to reach the owner about a repair; reads meters
        P.BUILDING: R, P.ENTRANCE: R, P.UNIT: R,
        P.OWNER: (P.READ, P.READ_PHONE),
        P.QUICK_SEARCH: R,
        P.METER: R, P.METER_READING: RW,
        P.NOTICE: R, P.PUBLIC_PAGES: R,
        # work orders of their own department only (DEPARTMENT_SCOPED_ROLES): start and
        # complete them; no complaint intake
        P.WORK_ORDER: RW,
        # no owner visits (nor for Accountant and Security): they hold owners' opinions and
        # signatures, customer-service business; what engineering must do reaches it as a work order
    },
    SECURITY: {
        P.BUILDING: R, P.ENTRANCE: R, P.UNIT: R,
        # a patrol finds something broken: the guard records the repair (WorkOrder write) and
        # then sees what they reported and what is sent to the security department
        # (DEPARTMENT_SCOPED_ROLES); dispatching stays with the desk
        P.WORK_ORDER: RW,
        P.OWNER: (P.READ, P.READ_PHONE),
        P.QUICK_SEARCH: R,
        P.NOTICE: R, P.PUBLIC_PAGES: R,
    },
    # anonymous owners and the public: the published pages only
    PUBLIC: {P.PUBLIC_PAGES: R},
}

# Every logged-in staff member may see and change their own account details and password.
SELF_SERVICE = (
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    (P.MENU_ACCESS, "Home"),
)

ROLE_LABELS = {
    ADMIN: _l("System administrator"),
    MANAGER: _l("Office manager"),
    SUPERVISOR: _l("Customer-service supervisor"),
    CLERK: _l("Property clerk"),
    ACCOUNTANT: _l("Accountant"),
    ENGINEER: _l("Engineering"),
    SECURITY: _lp("role", "Security"),  # "Security" alone is FAB's menu (安全管理)
    PUBLIC: _l("Public"),
}


def role_label(name: str) -> str:
    return str(ROLE_LABELS.get(name, name))


def staff_name(user) -> str:
    """How a staff member is named on every page: the full name (姓名, FAB's first-name field;
    the last-name field holds the post, app.security.views), else the login."""
    if user is None:
        return ""
    return (user.first_name or "").strip() or user.username


def allowed(role: str, resource: str, action: str) -> bool:
    if role == ADMIN:
        return True
    return action in ROLE_MATRIX.get(role, {}).get(resource, ())


# Roles that see and move only the work orders of their own department (StaffEstate.department)
# and those they reported themselves; a user who also holds another role sees the whole desk.
DEPARTMENT_SCOPED_ROLES = (ENGINEER, SECURITY)
