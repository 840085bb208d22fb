"""Flask-AppBuilder UI strings that we translate in OUR catalog.

Nobody imports this module: translations/update.py only extracts from it (babel.cfg), so that
`pybabel update` keeps these msgids in messages.pot and the .po files.

Why: FAB 5.3 ships a `zh` catalog that Flask-Babel loads underneath ours for zh_Hans_CN, but it
misses strings that FAB's own templates use ("Add", "Edit", "Show", "Delete", the "In" / "Not
In" filters ...), marks some fuzzy (so they are not compiled: "Not a valid choice", "Start
with"), and words others badly for an office ("以开始" for "Starts with", "后退" for "Back").
Our catalog is merged on top of FAB's, so an msgid here overrides FAB's translation.

Each msgid must be spelled EXACTLY as FAB spells it (case, trailing dot); the FAB file that uses
it is named in the comment above each group. Add a string here when a page shows FAB English.

Not translatable through a catalog (FAB hard-codes them; they need a template override in
app/templates, see the i18n report): "Cancel" / "OK" in appbuilder/general/confirm.html and
alert.html, True/False/None in show and list widgets, labels FAB derives from column names
("Building Id"). The msgids "Cancel" and "OK" are kept below so such an override is translated.
"""


def _l(string: str) -> str:  # pragma: no cover - never called, only extracted
    return string


def pgettext(context: str, string: str) -> str:  # pragma: no cover
    return string


# templates/appbuilder/general/lib.html: record buttons, list header, pagination, confirm text
_l("Actions")
_l("Add")
_l("Add a new record")
_l("Are you sure you want to delete this item?")
_l("Back")
_l("Delete")
_l("Delete record")
_l("Edit")
_l("Edit record")
_l("Order by")
_l("Page size")
_l("Record Count")
_l("Save")
_l("Show")
_l("Show record")

# templates/appbuilder/general/model/show.html, edit.html; widgets/search.html, base_list.html
_l("Detail")
_l("Search")
_l("Add Filter")
_l("No records found")

# templates/appbuilder/general/confirm.html, alert.html (hard-coded in FAB 5.3, see above)
_l("User confirmation needed")
_l("Cancel")
_l("OK")

# fieldwidgets.py, fields.py, messages.py, validators.py: form widgets and validation
_l("Select Value")
_l("Not a valid choice")
_l("This field is required.")
_l("Not a valid date value")
_l("Already exists.")
_l("Invalid file extension")

# baseviews.py: flash messages after add / edit / delete
_l("Added Row")
_l("Changed Row")
_l("Deleted Row")
_l("Associated data exists, please delete them first")
_l("Integrity error, probably unique constraint")
_l("Database Error")
_l("General Error")
_l("Access is Denied")

# models/sqla/filters.py, models/generic/filters.py: search filter operators
# ("Relation" is also our own label for an occupancy's relation to the owner, see owners/views.py)
_l("Starts with")
_l("Start with")
_l("Not Starts with")
_l("Ends with")
_l("Not Ends with")
_l("Contains")
_l("Contains (insensitive)")
_l("Not Contains")
_l("Equal to")
_l("Not Equal to")
_l("Greater than")
_l("Smaller than")
_l("In")
_l("Not In")
_l("Relation")
_l("No Relation")
_l("Relation as Many")

# templates/appbuilder/navbar_right.html, general/security/login_db.html, security/views.py
_l("Login")
_l("Logout")
_l("Sign In")
_l("Username")
_l("User Name")
_l("Password")
_l("Enter your login and password below")
_l("Invalid login. Please try again.")
_l("Profile")
_l("Welcome")

# security/views.py, security/forms.py: the staff member's own account page and password
_l("User info")
_l("Your user information")
_l("Personal Info")
_l("Audit Info")
_l("Edit User Information")
_l("User information changed")
_l("Reset my password")
_l("Reset Password")
_l("Reset Password Form")
_l("Password Changed")
_l("Confirm Password")
_l("Please rewrite the password to confirm")
_l("Passwords must match")
_l("Please use a good password policy, this application does not check this for you")
_l("Must have at least two capital letters, one special character, two digits, three lower case letters and a minimal length of 10.")
_l("First Name")
_l("Last Name")
_l("Full Name")
_l("Email")
_l("Is Active?")
_l("Role")
_l("Last login")
_l("Login count")
_l("Failed login count")
_l("Created on")
_l("Created by")
_l("Changed on")
_l("Changed by")
_l("Write the user first name or names")
_l("Write the user last name")

# security/views.py, security/manager.py: users, roles and groups (Admin)
# ("Security" is also a service area in app/fees/rules.py: translated 安全管理, which fits both)
_l("Security")
_l("List Users")
_l("Show User")
_l("Add User")
_l("Edit User")
_l("List Roles")
_l("Show Role")
_l("Add Role")
_l("Edit Role")
_l("Copy Role")
_l("Copy the selected roles?")
_l("Permissions")
_l("Groups")
_l("List Groups")
_l("Show Group")
_l("Add Group")
_l("Edit Group")
_l("Either select a role or a group")
_l("User(s) exists in the role, cannot delete")
_l("User(s) exists in the group, cannot delete")
_l("It's not a good policy to remove a user, just make it inactive")
_l("Username valid for authentication on DB or LDAP, unused for OID auth")
_l("The user's email, this will also be used for OID auth")
_l("The user's password for authentication")
_l("Please rewrite the user's password to confirm")

# Role labels: app/security/roles.py ROLE_LABELS translates them with plain msgids, but
# "Security" there (安全护卫部, the guards' department) is also FAB's menu category above and a
# service area in app/fees/rules.py, and one msgid has one translation. This context entry is
# ready for ROLE_LABELS[SECURITY] = lazy_pgettext("role", "Security").
pgettext("role", "Security")
