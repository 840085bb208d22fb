"""The security log's details as the administrator reads them: translated sentences, not the
stored JSON keys (``via: form``, ``what: payment_reminders``). Each known key has its sentence;
a key added later without one still reads as "key: value" rather than disappearing."""
from __future__ import annotations

import json

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

VIA = {"form": _l("on the login page"), "api": _l("through the API")}
WHAT = {"payment_reminders": _l("payment reminders"), "arrears": _l("the arrears list"),
        "owner_list": _l("the owner list")}
# user fields changed on the staff-account page
USER_FIELDS = {"first_name": _l("Full name"), "last_name": _l("Post"), "username": _l("User name"),
               "email": _l("Email"), "active": _l("Active"), "roles": _l("Roles")}


def _yes_no(value) -> str:
    return gettext("Yes") if value else gettext("No")


def _roles(names) -> str:
    from app.security.roles import role_label

    return "、".join(role_label(n) for n in names or [])


def _estates(ids) -> str:
    from sqlalchemy import select

    from app.estate.models import Estate
    from app.extensions import db

    ids = [i for i in ids or [] if isinstance(i, int)]
    names = dict(db.session.execute(select(Estate.id, Estate.name).where(Estate.id.in_(ids))).all()) if ids else {}
    return "、".join(names.get(i, str(i)) for i in ids)


def _value(value) -> str:
    if isinstance(value, bool):
        return _yes_no(value)
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _changes(changes: dict) -> list[str]:
    out = []
    for name, change in sorted((changes or {}).items()):
        label = str(USER_FIELDS.get(name, name))
        if name == "roles" and isinstance(change, dict):
            if change.get("added"):
                out.append(gettext("roles added: %(roles)s", roles=_roles(change["added"])))
            if change.get("removed"):
                out.append(gettext("roles removed: %(roles)s", roles=_roles(change["removed"])))
        elif isinstance(change, (list, tuple)) and len(change) == 2:
            old, new = (_value(v) if name != "email" else _value(v) for v in change)
            out.append(gettext("%(field)s from “%(old)s” to “%(new)s”", field=label, old=old, new=new))
        else:
            out.append(f"{label}：{_value(change)}")
    return out


def _permissions(perms: dict) -> list[str]:
    out = []
    for key, text in (("added", _l("permissions added: %(n)s")), ("removed", _l("permissions removed: %(n)s"))):
        items = (perms or {}).get(key) or []
        if items:
            out.append(str(text) % {"n": "、".join(str(p) for p in items)})
    return out


def sentences(data: dict) -> list[str]:
    """One line per fact of a security-log entry's details, in the viewer's language."""
    data = dict(data)
    out: list[str] = []
    if "via" in data:
        via = data.pop("via")
        out.append(gettext("Signed in %(how)s", how=VIA.get(via, via)))
    if "what" in data:
        what = data.pop("what")
        out.append(gettext("What: %(what)s", what=WHAT.get(what, what)))
    if "count" in data:
        out.append(gettext("%(n)s printed", n=data.pop("count")))
    if "first" in data or "last" in data:
        first, last = data.pop("first", None), data.pop("last", None)
        if first or last:
            out.append(gettext("Numbers %(first)s to %(last)s", first=first or "", last=last or ""))
    if "new_round" in data:
        out.append(gettext("A new round of reminders") if data.pop("new_round") else gettext("A reprint"))
    if "as_of" in data:
        out.append(gettext("As of %(day)s", day=data.pop("as_of")))
    if "query" in data:
        query = data.pop("query")
        if query:
            out.append(gettext("Search: %(query)s", query=query))
    if "estates" in data:
        out.append(gettext("Estates: %(names)s", names=_estates(data.pop("estates"))))
    if "masked" in data:
        out.append(gettext("Personal data masked") if data.pop("masked") else gettext("Personal data in full"))
    if "idle_minutes" in data:
        out.append(gettext("Idle for %(n)s minutes", n=data.pop("idle_minutes")))
    if "limit" in data:
        out.append(gettext("Limit: %(limit)s", limit=data.pop("limit")))
    if "user" in data:
        out.append(gettext("Account: %(name)s", name=data.pop("user")))
    if "role" in data:
        from app.security.roles import role_label

        out.append(gettext("Role: %(name)s", name=role_label(data.pop("role"))))
    if "renamed_from" in data:
        out.append(gettext("Renamed from %(name)s", name=data.pop("renamed_from")))
    if "active" in data:
        out.append(gettext("Active: %(yes)s", yes=_yes_no(data.pop("active"))))
    if "roles" in data:
        out.append(gettext("Roles: %(roles)s", roles=_roles(data.pop("roles"))))
    if "changes" in data:
        out.extend(_changes(data.pop("changes")))
    if "password_changed" in data:
        if data.pop("password_changed"):
            out.append(gettext("Password changed"))
    if "permissions" in data:
        out.extend(_permissions(data.pop("permissions")))
    if "file" in data:
        out.append(gettext("File: %(path)s", path=data.pop("file")))
    if "bytes" in data:
        out.append(gettext("Size: %(n)s bytes", n=data.pop("bytes")))
    from app.security.roles import ROLE_LABELS

    for name in [k for k, v in data.items() if k in ROLE_LABELS and isinstance(v, int)]:  # roles_synced
        out.append(gettext("%(role)s: %(n)s permissions set", role=str(ROLE_LABELS[name]), n=data.pop(name)))
    out.extend(f"{k}: {_value(v)}" for k, v in sorted(data.items()))  # a key without its sentence yet
    return out
