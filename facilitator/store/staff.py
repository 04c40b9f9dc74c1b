"""Staff accounts: admins add, change and deactivate them (never delete: the audit names them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinydb.operations import delete

from facilitator.core.clinic import Staff
from facilitator.core.errors import InputError
from facilitator.core.rules import Role
from facilitator.core.sshkeys import check_key_name, fingerprint, parse_public_key
from facilitator.store.datadir import DataDir
from facilitator.store.hostkeys import write_authorized_keys
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


def add_staff(data: DataDir, user: str, display_name: str, role: str, keys: Sequence[str] = ()) -> Staff:
    """Add a staff member, with the public keys they log in to the host with (``keys``: key
    lines as ssh-keygen writes them, or none: a laptop's or single-user clinic's OS account).
    Audited with the key fingerprints only."""
    data.require("staff.change")
    if keys:
        check_key_name(user.strip())
    member = Staff(user=user.strip(), display_name=display_name.strip() or user, role=_role(role),
                   keys=tuple(dict.fromkeys(parse_public_key(k) for k in keys)))
    if not member.user or any(c.isspace() for c in member.user):
        raise InputError(f"{user!r} is not an account name", field="USER")
    detail: dict[str, Any] = {"role": str(member.role)}
    if member.keys:
        detail["keys"] = " ".join(fingerprint(k) for k in member.keys)
    with data.change("staff.add", f"staff:{member.user}", detail), data.clinic_file.transaction() as db:
        table = db.table("staff")
        if table.contains(query().user == member.user):
            raise InputError(f"{member.user} is already a staff member; use set-role", field="USER")
        for key in member.keys:
            _refuse_if_taken(table.all(), key, member.user)
        table.insert(member.to_dict())
    write_authorized_keys(data)
    return member


def _refuse_if_taken(members: list[Any], key: str, user: str) -> None:
    """One key belongs to one staff member: a key already listed for anyone is refused."""
    for other in members:
        if key in other.get("keys", []):
            whose = "already this member's" if other["user"] == user else f"already {other['user']}'s"
            raise InputError(f"this key ({fingerprint(key)}) is {whose}; one key belongs to one staff "
                             f"member; nothing was changed", field="key")


def add_key(data: DataDir, user: str, text: str) -> str:
    """Add one public key (a line as ssh-keygen writes it) to ``user``; returns it as stored.
    Audited with its fingerprint; the authorized_keys of the host is rewritten."""
    data.require("staff.change")
    key = parse_public_key(text)
    check_key_name(user)
    with data.change("staff.key-add", f"staff:{user}", {"key": fingerprint(key)}), \
            data.clinic_file.transaction() as db:
        table = db.table("staff")
        current = table.get(query().user == user)
        if current is None:
            raise InputError(f"{user} is not a staff member", field="USER")
        _refuse_if_taken(table.all(), key, user)
        keys = [*current.get("keys", []), key]
        table.update({"keys": keys}, query().user == user)
    write_authorized_keys(data)
    return key


def _chosen(keys: list[str], which: str) -> str | None:
    """The key ``which`` names: a fingerprint (``SHA256:...``) or a public key line."""
    which = which.strip()
    if which.startswith("SHA256:"):
        return next((k for k in keys if fingerprint(k) == which), None)
    key = parse_public_key(which)
    return key if key in keys else None


def remove_key(data: DataDir, user: str, which: str) -> str:
    """Remove one of ``user``'s keys, named by its fingerprint or its public key line;
    returns the key removed. Audited with its fingerprint."""
    data.require("staff.change")
    current = data.snapshot().staff.get(user)
    if current is None:
        raise InputError(f"{user} is not a staff member", field="USER")
    key = _chosen(list(current.keys), which)
    if key is None:
        raise InputError(f"{user} has no such key (facilitator staff key list {user} shows theirs); "
                         f"nothing was changed", field="KEY")
    with data.change("staff.key-remove", f"staff:{user}", {"key": fingerprint(key)}), \
            data.clinic_file.transaction() as db:
        table = db.table("staff")
        stored = table.get(query().user == user)
        if stored is None or key not in stored.get("keys", []):
            raise InputError(f"{user} has no such key; nothing was changed", field="KEY")
        keys = [k for k in stored["keys"] if k != key]
        # The last key gone, the field goes too (as a member who never had one is stored).
        table.update({"keys": keys} if keys else delete("keys"), query().user == user)
    write_authorized_keys(data)
    return key


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
    write_authorized_keys(data)


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
    write_authorized_keys(data)
