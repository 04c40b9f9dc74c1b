"""Which roles may do what (enforced in the store, not only hidden in the UI)."""

from __future__ import annotations

from facilitator.core.errors import PermissionDenied
from facilitator.core.rules import Role

_ALL = frozenset(Role)
_CLINICAL = frozenset({Role.COUNSELOR, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "clinic.read": _ALL,
    "settings.change": _ADMIN,
    "staff.change": _ADMIN,
    "roster.change": _ADMIN,
    "group.change": _ADMIN,
    "session.run": _CLINICAL,
    "attendance.change": _CLINICAL,
    "note.write": _CLINICAL,
    "note.sign": _CLINICAL,
    "note.cosign": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "note.return": frozenset({Role.SUPERVISOR, Role.ADMIN}),   # for correction (#20)
    "hours.change": _CLINICAL,
    "backup": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "audit.read": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    # Recovery plans: written by the clinicians who treat the client; supervisors read.
    "plan.read": _ALL,
    "plan.change": _CLINICAL,
    "audit.baseline": _ADMIN,
    # Notes and sign-in sheets out of the app (disclosures); a counselor only the sessions
    # they facilitated (store/disclosure.py).
    "notes.export": _ALL,
}


# What each action is, in the words a person reads in a refusal (never the action's id).
ACTION_WORDS: dict[str, str] = {
    "clinic.read": "open the clinic",
    "settings.change": "change the clinic's settings",
    "staff.change": "change the staff list",
    "roster.change": "change the roster",
    "group.change": "change groups",
    "session.run": "run a group session",
    "attendance.change": "change attendance",
    "note.write": "write notes",
    "note.sign": "sign notes",
    "note.cosign": "co-sign notes",
    "note.return": "return notes for correction",
    "hours.change": "log or remove individual and family hours",
    "backup": "make backups",
    "audit.read": "read the audit log",
    "audit.baseline": "record the audit log's baseline",
    "plan.read": "read recovery plans",
    "plan.change": "change recovery plans",
    "notes.export": "export notes or sign-in sheets",
}


def allowed(role: Role, action: str) -> bool:
    return role in PERMISSIONS[action]


def require(role: Role, action: str, *, user: str) -> None:
    if not allowed(role, action):
        roles = sorted(f"{r}s" for r in PERMISSIONS[action])
        who = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " and " + roles[-1]
        raise PermissionDenied(f"{user} is a {role}; only {who} may "
                               f"{ACTION_WORDS.get(action, 'do this')}.")
