"""Permission names as constants. A resource is a FAB ``class_permission_name`` shared by a
register's view and its API; an action is a FAB permission name."""

# --- actions ----------------------------------------------------------------------------
READ = "can_read"
WRITE = "can_write"
DELETE = "can_delete"
EXPORT = "can_export"
READ_PHONE = "can_read_phone"  # see phone numbers in full
READ_ID_NUMBER = "can_read_id_number"  # see ID-document numbers in full
MENU_ACCESS = "menu_access"

CRUD = (READ, WRITE, DELETE)

# Which FAB view/API method needs which action. Shared by every register, so that the
# matrix below speaks of read/write/delete only (the Superset way).
METHOD_PERMISSIONS = {
    "list": "read",
    "show": "read",
    "api_read": "read",
    "api_get": "read",
    "api_column_edit": "write",
    "api_column_add": "write",
    "api_readvalues": "read",
    "get": "read",
    "get_list": "read",
    "info": "read",
    "download": "read",
    "add": "write",
    "edit": "write",
    "post": "write",
    "put": "write",
    "api_create": "write",
    "api_update": "write",
    "delete": "delete",
    "api_delete": "delete",
    "action": "read",
    "action_post": "read",
    "export": "export",
    "approve": "approve",
    "publish": "publish",
}

# --- resources --------------------------------------------------------------------------
ESTATE = "Estate"
ZONE = "Zone"
BUILDING = "Building"
ENTRANCE = "Entrance"
UNIT = "Unit"
OWNER = "Owner"
OCCUPANCY = "Occupancy"
AUDIT_LOG = "AuditLog"
STAFF_ESTATE = "StaffEstate"
DATA_IMPORT = "DataImport"
QUICK_SEARCH = "QuickSearch"

# fees and the cash desk
FEE_ITEM = "FeeItem"
FEE_SCHEDULE = "FeeSchedule"
SERVICE_PRICE = "ServicePrice"
CHARGE = "Charge"
BILLING = "Billing"  # run monthly billing
RECEIPT = "Receipt"  # read receipts and fee ledgers; write = take payments
VOID_REQUEST = "VoidRequest"  # write = ask for a void; APPROVE = decide
LATE_FEE_WAIVER = "LateFeeWaiver"  # write = ask to waive a late fee (减免); APPROVE = decide (manager)
BANK_DEPOSIT = "BankDeposit"  # write = record a deposit; APPROVE = confirm it (accountant)
RECONCILIATION = "Reconciliation"  # write = prepare; APPROVE = sign off (accountant)
METER = "Meter"
METER_READING = "MeterReading"
APPORTIONMENT = "Apportionment"  # write = draft; APPROVE = post the shares as charges

# publishing
NOTICE = "Notice"  # write = draft; PUBLISH = publish and withdraw (supervisor)
POSTING = "Posting"  # the posting log (公示记录)
PUBLIC_PAGES = "PublicPages"  # the published pages anyone may read

# arrears and collection
ARREARS = "Arrears"  # the arrears list; write = print reminders from it
COLLECTION_ACTION = "CollectionAction"  # write = log steps; APPROVE = decide escalations (manager)
PAYMENT_REMINDER = "PaymentReminder"  # write = issue and print reminders

# owner visits (走访); the unit timeline and the caller card need no resource of their own:
# they are read with UNIT / QUICK_SEARCH, and each kind of event with its own register's read
VISIT = "Visit"  # read = visits, quota panel, monthly summary; write = record visits
VISIT_QUOTA = "VisitQuota"  # write = set an estate's visit quotas (supervisor)

# service desk: work orders (engineers: their department only), complaints, callbacks
WORK_ORDER = "WorkOrder"  # write = intake and move work orders (department roles: start and complete)
COMPLAINT = "Complaint"  # write = intake, send, handle, close complaints
CALLBACK = "Callback"  # write = record callbacks (an unsatisfied one reopens the item)
SERVICE_SETTINGS = "ServiceSettings"  # time limits per estate (supervisor)

# the security log (logins, user and role changes, exports, batch prints): Admin only, so no
# row in ROLE_MATRIX -- it holds staff login times and addresses and mistyped user names
SECURITY_EVENT = "SecurityEvent"

APPROVE = "can_approve"
PUBLISH = "can_publish"

ESTATE_STRUCTURE = (ESTATE, ZONE, BUILDING, ENTRANCE, UNIT)
