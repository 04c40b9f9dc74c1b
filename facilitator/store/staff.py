"""Staff accounts: admins add, change and deactivate them (never delete: the audit names them)."""

from __future__ import annotations

from facilitator.core.clinic import Staff
from facilitator.core.errors import InputError
from facilitator.core.rules import Role
from facilitator.store.datadir import DataDir
from facilitator.store.storage import query


def _role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise InputError(f"{text!r} is not a role (counselor, supervisor, admin)", field="--role") from None


def may_change_staff(data: DataDir) -> None:
    """Refuse (``PermissionDenied``, audited "denied") unless the acting user may change the
    staff list: the staff screen asks before a dialog opens; each change asks again."""
    data.require("staff.change")


def add_staff(data: DataDir, user: str, display_name: str, role: str) -> Staff:
    data.require("staff.change")
    member = Staff(user=user.strip(), display_name=display_name.strip() or user, role=_role(role))
    if not member.user or any(c.isspace() for c in member.user):
        raise InputError(f"{user!r} is not an account name", field="USER")
    with data.change("staff.add", f"staff:{member.user}", {"role": str(member.role)}), \
            data.clinic_file.transaction() as db:
        table = db.table("staff")
        if table.contains(query().user == member.user):
            raise InputError(f"{member.user} is already a staff member; use set-role", field="USER")
        table.insert(member.to_dict())
    return member


def _change(data: DataDir, user: str, action: str, **changes: object) -> None:
    data.require("staff.change")
    with data.change(action, f"staff:{user}", {k: str(v) for k, v in changes.items()}), \
            data.clinic_file.transaction() as db:
        table = db.table("staff")
        if not table.contains(query().user == user):
            raise InputError(f"{user} is not a staff member", field="USER")
        admins = [s for s in table.all() if s["role"] == "admin" and s.get("active", True) and s["user"] != user]
        demoted = changes.get("role", "admin") != "admin" or changes.get("active") is False
        current = table.get(query().user == user)
        assert current is not None       # contained, checked above
        if not current.get("active", True) and action == "staff.set-role":
            raise InputError(f"{user} is deactivated; reactivate the account first "
                             f"(facilitator staff reactivate {user})", field="USER")
        if current.get("active", True) and action == "staff.reactivate":
            raise InputError(f"{user} is already active; nothing was changed", field="USER")
        if current["role"] == "admin" and demoted and not admins:
            raise InputError("the clinic must keep at least one active admin", field="USER")
        table.update(changes, query().user == user)


def set_role(data: DataDir, user: str, role: str) -> None:
    _change(data, user, "staff.set-role", role=str(_role(role)))


def deactivate(data: DataDir, user: str) -> None:
    _change(data, user, "staff.deactivate", active=False)


def reactivate(data: DataDir, user: str) -> None:
    """Let a deactivated account open the clinic again (its laptop, locked at a sync, opens
    again after its next sync)."""
    _change(data, user, "staff.reactivate", active=True)


def rename(data: DataDir, user: str, display_name: str) -> None:
    """The name shown for a staff member wherever the account is named: records store the
    account, so earlier notes show the new name too; text already signed is not changed."""
    from facilitator.core.names import check_name
    name = check_name(display_name.strip(), field="--name")
    data.require("staff.change")
    # The name is not put in the audit detail (ids only in the log).
    with data.change("staff.rename", f"staff:{user}"), data.clinic_file.transaction() as db:
        table = db.table("staff")
        if not table.contains(query().user == user):
            raise InputError(f"{user} is not a staff member", field="USER")
        table.update({"display_name": name}, query().user == user)
