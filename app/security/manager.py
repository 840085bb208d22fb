"""Our security manager: role sync from ROLE_MATRIX and the estate scope of a user."""
from __future__ import annotations

from flask import g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_login import current_user

from app.security import permissions as P
from app.security.roles import ADMIN, PUBLIC, ROLE_MATRIX, SELF_SERVICE


class EstateSecurityManager(SecurityManager):
    from app.security.views import StaffUserDBModelView as userdbmodelview  # noqa: N813
    from app.security.views import AuthDBView as authdbview  # noqa: N813
    from app.security.views import ResetMyPasswordView as resetmypasswordview  # noqa: N813
    from app.security.views import ResetPasswordView as resetpasswordview  # noqa: N813
    from app.security.fab_apis import EstateGroupApi as group_api  # noqa: N813
    from app.security.fab_apis import EstatePermissionApi as permission_api  # noqa: N813
    from app.security.fab_apis import EstatePermissionViewMenuApi as permission_view_menu_api  # noqa: N813
    from app.security.fab_apis import EstateRoleApi as role_api  # noqa: N813
    from app.security.fab_apis import EstateUserApi as user_api  # noqa: N813
    from app.security.fab_apis import EstateViewMenuApi as view_menu_api  # noqa: N813
    from app.security.token_api import EstateSecurityApi as security_api  # noqa: N813

    # --- logins ----------------------------------------------------------------------------
    def auth_user_db(self, username, password):
        """FAB's check (it already hashes a dummy password for an unknown user, so both failures
        take as long and say the same), then the security log and the login rate limit."""
        from app.security import events
        from app.security.limiter import mark_failed_login

        user = super().auth_user_db(username, password)
        if user is None:
            mark_failed_login()
        events.login_attempt(username, user)
        return user

    # --- ending sessions and tokens (app/security/tokens.py) ------------------------------
    def reset_password(self, userid, password):
        """A new password ends the user's other sessions and tokens (their password mark no
        longer matches); the session where the user changed their own goes on."""
        from app.security import tokens

        super().reset_password(userid, password)
        tokens.password_changed(self.get_user_by_id(userid))

    def create_jwt_manager(self, app):
        from app.security import tokens

        jwt_manager = super().create_jwt_manager(app)
        tokens.init_jwt(jwt_manager, self)
        return jwt_manager

    def load_user_jwt(self, _jwt_header, jwt_data):
        """FAB's loader, and the token must carry the user's current password mark."""
        from app.security import tokens

        user = self.load_user(jwt_data["sub"])
        if user and user.is_active and tokens.token_user_ok(user, jwt_data):
            g.user = user
            return user
        return None

    # --- roles ---------------------------------------------------------------------------
    def add_permissions_view(self, base_permissions, view_menu):
        """Write a view's permissions and give them to Admin, but never delete any.

        FAB deletes, from every role, the permissions of a resource that the view being
        registered does not use. Our resources are shared by several views (a register and
        its API, the fee schedule and its rates) and carry custom actions (can_read_phone,
        can_approve); sync_roles and the role matrix decide what a role holds."""
        from app.security.events import system_role_sync

        self.add_view_menu(view_menu)
        role_admin = self.find_role(self.auth_role_admin)
        for permission in base_permissions:
            pv = self.add_permission_view_menu(permission, view_menu)
            if role_admin is not None and pv is not None and pv not in role_admin.permissions:
                with system_role_sync():  # a deploy's new permission for Admin, not a person's change
                    self.add_permission_role(role_admin, pv)

    def sync_roles(self) -> None:
        """Make every non-Admin role hold exactly the permissions of ROLE_MATRIX.

        Menu entries are granted from the matrix too: a role sees a menu item when it may read
        the item's resource (app.menu.MENU_RESOURCES), and a category when it sees any item.
        Run once per deploy (``flask --app run.py init``), never by every web worker.
        The security log gets one ``roles_synced`` entry, not one per permission.
        """
        from app.security import events

        with events.system_role_sync():
            changed = self._sync_roles()
        if changed:
            events.record(events.ROLES_SYNCED, detail=changed)

    def _sync_roles(self) -> dict:
        from app.menu import MENU_RESOURCES

        changed: dict[str, int] = {}

        admin = self.find_role(ADMIN) or self.add_role(ADMIN)
        for role_name, resources in ROLE_MATRIX.items():
            role = self.find_role(role_name) or self.add_role(role_name)
            wanted: set[tuple[str, str]] = set()
            if role_name != PUBLIC:
                wanted |= set(SELF_SERVICE)
            for resource, actions in resources.items():
                wanted |= {(action, resource) for action in actions}
            for (category, item), resource in MENU_RESOURCES.items():
                if role_name != PUBLIC and P.READ in resources.get(resource, ()):
                    wanted.add((P.MENU_ACCESS, item))
                    if category:
                        wanted.add((P.MENU_ACCESS, category))
            current = {(pv.permission.name, pv.view_menu.name): pv for pv in role.permissions}
            for perm, view in wanted - current.keys():
                pv = self.add_permission_view_menu(perm, view)
                self.add_permission_role(role, pv)
            for key in current.keys() - wanted:
                self.del_permission_role(role, current[key])
            if wanted ^ current.keys():
                changed[role_name] = len(wanted ^ current.keys())
        # custom permissions (personal data, export) exist for Admin too
        for resources in ROLE_MATRIX.values():
            for resource, actions in resources.items():
                for action in actions:
                    pv = self.add_permission_view_menu(action, resource)
                    if pv not in admin.permissions:
                        self.add_permission_role(admin, pv)
                        changed[ADMIN] = changed.get(ADMIN, 0) + 1
        return changed

    # --- estate scope --------------------------------------------------------------------
    def is_admin(self, user=None) -> bool:
        user = user or (current_user if has_request_context() else None)
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return any(r.name == ADMIN for r in user.roles)

    def estate_ids_for(self, user) -> list[int]:
        """The estates ``user`` may see: all for Admin, the assigned ones for staff."""
        from app.estate.models import Estate
        from app.security.models import StaffEstate

        if user is None or not getattr(user, "is_authenticated", True):
            return []
        session = self.appbuilder.session
        if any(r.name == ADMIN for r in user.roles):
            return [i for (i,) in session.query(Estate.id).all()]
        rows = session.query(StaffEstate.estate_id).filter(StaffEstate.user_id == user.id)
        return [i for (i,) in rows.all()]

    def current_estate_ids(self) -> list[int]:
        """Estates of the logged-in user, cached for the request."""
        if not has_request_context():
            return []
        # a REST client with a JWT has no login session: FAB puts its user on g.user
        user = current_user if current_user.is_authenticated else g.get("user")
        if user is None or not getattr(user, "is_authenticated", False):
            return []
        cached = getattr(g, "_estate_ids", None)
        if cached is None or cached[0] != user.id:  # keyed: g may outlive one user
            cached = (user.id, self.estate_ids_for(user))
            g._estate_ids = cached
        return cached[1]

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        """FAB asks the database once per check — every menu entry, button and view, some
        forty a page. Within a request, load the user's permissions once and answer from them."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        cached = getattr(g, "_permission_set", None)
        if cached is None or cached[0] != user.id:
            held = set()
            for pairs in self.get_user_roles_permissions(user).values():
                held.update(pairs)
            cached = (user.id, held)
            g._permission_set = cached
        return (permission_name, view_name) in cached[1]

    def can(self, action: str, resource: str) -> bool:
        return self.has_access(action, resource)

    def user_can(self, user, action: str, resource: str) -> bool:
        """Whether ``user`` (not necessarily the logged-in one) holds a permission; services
        use it to check the explicit actor they are given."""
        if user is None or not getattr(user, "is_active", False):
            return False
        return self._has_view_access(user, action, resource)
