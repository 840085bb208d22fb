"""First-start and per-deploy set-up: migrations, permissions and roles, demo data and users."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_migrate import upgrade

from app.extensions import db
from app.security.roles import ADMIN, STAFF_ROLES

ROLE_LABELS_ZH = {
    ADMIN: "系统管理员", "Manager": "管理处负责人", "Supervisor": "客服主管", "Clerk": "物业管理员",
    "Accountant": "财务会计", "Engineer": "工程部", "Security": "安全护卫部",
}

DEMO_USERS = {
    "admin": ADMIN,
    "manager": "Manager",
    "supervisor": "Supervisor",
    "clerk": "Clerk",
    "accountant": "Accountant",
    "engineer": "Engineer",
    "security": "Security",
}
# the demo people's names
DEMO_NAMES = {
    "admin": "李明", "manager": "周建国", "supervisor": "陈静", "clerk": "王丽",
    "accountant": "刘芳", "engineer": "张强", "security": "赵刚",
}
# the demo people's departments (work orders and complaints are sent to departments)
DEMO_DEPARTMENTS = {"clerk": "customer_service", "supervisor": "customer_service", "engineer": "engineering",
                    "security": "security"}
PASSWORD_FILE = "demo_passwords.txt"


def init_database() -> None:
    """Upgrade to the newest migration, then write permissions and sync roles (once per deploy)."""
    from app import MIGRATIONS_DIR

    # Alembic works on a connection of its own: end ours first, or on SQLite it would wait
    # for the write lock our open transaction holds.
    db.session.remove()
    upgrade(directory=MIGRATIONS_DIR, revision="heads")
    from app.cashdesk.seals import anchor_legacy_chains
    from app.core import clock

    anchor_legacy_chains(clock.now())  # receipts sealed before the keyed seals (README "Ledger seals")
    appbuilder = current_app.appbuilder
    # FAB grants each new permission to the Admin role as it writes it: the role must exist
    appbuilder.sm.find_role(ADMIN) or appbuilder.sm.add_role(ADMIN)
    appbuilder.add_permissions(update_perms=True)
    appbuilder.sm.sync_roles()
    db.session.commit()


def is_empty() -> bool:
    from app.estate.models import Estate

    return db.session.query(Estate.id).first() is None and current_app.appbuilder.sm.count_users() == 0


def create_demo_users(estate, password: str | None = None) -> dict[str, str]:
    """One user per role, assigned to ``estate``. Returns {username: password} of users created."""
    from app.security.models import StaffEstate

    from app.security.passwords import check_password

    sm = current_app.appbuilder.sm
    created: dict[str, str] = {}
    if password:  # DEMO_PASSWORD follows the staff password policy too
        check_password(password)
    for username, role_name in DEMO_USERS.items():
        person = DEMO_NAMES[username]
        if sm.find_user(username=username):
            continue
        pw = password or secrets.token_urlsafe(12)
        role = sm.find_role(role_name)
        # the full name in FAB's first-name field, the post in its last-name field (security.views)
        user = sm.add_user(username, person, ROLE_LABELS_ZH[role_name], f"{username}@demo.invalid",
                           role, password=pw)
        if not user:
            raise RuntimeError(f"could not create demo user {username}")
        if role_name in STAFF_ROLES:
            db.session.add(StaffEstate(user_id=user.id, estate_id=estate.id, department=DEMO_DEPARTMENTS.get(username)))
        created[username] = pw
    db.session.commit()
    return created


def write_password_file(created: dict[str, str]) -> Path:
    path = Path(current_app.instance_path) / PASSWORD_FILE
    with path.open("a", encoding="utf-8") as fh:
        for user, pw in created.items():
            fh.write(f"{user}\t{pw}\n")
    path.chmod(0o600)
    return path


def _demo_cash_history(estate) -> None:
    """Past days deposited, confirmed and reconciled as the office does (app.cashdesk.demo)."""
    from app.cashdesk.demo import seed_cash_history
    from app.core import clock

    sm = current_app.appbuilder.sm
    seed_cash_history(estate, clock.today(), sm.find_user(username="clerk"), sm.find_user(username="accountant"))


def first_start(seed_demo: bool, demo_password: str | None) -> dict[str, str]:
    """Set up an empty database: demo estate and users when asked. Nothing on a second start."""
    from app.demo import seed_demo as make_demo

    init_database()
    if not is_empty() or not seed_demo:
        return {}
    from app.core import clock
    from app.fees.demo import seed_fees

    estate = make_demo()
    created = create_demo_users(estate, demo_password)
    seed_fees(estate, clock.today(), months=current_app.config.get("DEMO_FEE_MONTHS", 12))
    from app.publishing.demo import seed_notices

    seed_notices(estate, clock.now(), current_app.appbuilder.sm.find_user(username="supervisor"))
    from app.servicedesk.demo import seed_service_desk

    seed_service_desk(estate, clock.now())
    from app.visits.demo import seed_visits

    sm = current_app.appbuilder.sm
    seed_visits(estate, clock.today(), [sm.find_user(username="clerk"), sm.find_user(username="supervisor")])
    # last: the other seeds post receipts too (paid repairs ...)
    _demo_cash_history(estate)
    if not demo_password:
        write_password_file(created)
    return created
