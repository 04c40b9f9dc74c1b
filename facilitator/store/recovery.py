"""Recovery plans: ``recovery/<client id>.json``, one small file per client.

One file per client keeps a write small and lets sync authorize and merge a plan as a
unit, per client (``may_change_plan``). (``plans/`` holds the session-plan library;
these are the clients' treatment plans.) Every change checks ``plan.change`` (counselors
and admins; supervisors read), is one locked atomic write, and is audited by client id
and goal number, never by the goal's words. A damaged or hostile file is reported by
name and costs only that client's plan.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core.errors import InputError
from facilitator.core.recovery import (
    Goal,
    GoalStatus,
    RecoveryPlan,
    add_goal,
    goal_ref,
    may_change_plan,
    parse_goal_ref,
    record_review,
    set_status,
)
from facilitator.core.roster import Client, check_client_id
from facilitator.store.files import DamagedFile, make_dirs
from facilitator.store.storage import DataFile, read_bytes
from facilitator.store.strict import RECOVERY_KIND as KIND  # noqa: F401 (used by sync)
from facilitator.store.strict import plan_of, read_plan_bytes  # noqa: F401 (plan_of is used by sync)

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir

FOLDER = "recovery"
# The relative paths sync may exchange for plans (one file per client; authorize with
# may_change_plan(staff) and merge with core.recovery.merge_plans, store with put_plan).
SYNC_PATH = re.compile(r"^recovery/[A-Za-z0-9][A-Za-z0-9_.-]{0,31}\.json$")

__all__ = ["FOLDER", "KIND", "SYNC_PATH", "PlanDue", "add", "all_plans", "may_change_plan", "plan_file",
           "plan_path", "plans_due", "put_plan", "read", "read_path", "review", "set_goal_status", "view",
           "due_list"]


def plan_path(root: Path, client_id: str) -> Path:
    return Path(root) / FOLDER / f"{check_client_id(client_id)}.json"


def plan_file(root: Path, client_id: str) -> DataFile:
    return DataFile(plan_path(root, client_id), KIND)


def read_path(path: Path) -> RecoveryPlan:
    """One plan file, strictly: anything wrong is a ``DamagedFile`` naming it."""
    return read_plan_bytes(path, read_bytes(path))


def read(data: DataDir, client_id: str) -> RecoveryPlan | None:
    """The client's plan, or None when they have none (a damaged file raises DamagedFile)."""
    path = plan_path(data.root, client_id)
    if not path.exists():
        return None
    return read_path(path)


def all_plans(data: DataDir) -> tuple[dict[str, RecoveryPlan], list[DamagedFile]]:
    plans: dict[str, RecoveryPlan] = {}
    problems: list[DamagedFile] = []
    folder = data.root / FOLDER
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return plans, problems
    for name in names:
        if name.startswith(".") or not name.endswith(".json"):
            continue
        try:
            plan = read_path(folder / name)
        except DamagedFile as problem:
            problems.append(problem)
            continue
        plans[plan.client_id] = plan
    return plans, problems


def _change(data: DataDir, client_id: str,
            change: Callable[[RecoveryPlan | None, date], RecoveryPlan], action: str,
            detail: Callable[[RecoveryPlan], dict]) -> RecoveryPlan:
    """Read-modify-write one client's plan under its lock (refused unless plan.change); the
    write and its audit entry ``action`` commit together (``DataDir.change``)."""
    data.require("plan.change")
    if client_id not in data.snapshot().clients:
        raise InputError(f"there is no client with id {client_id!r}", field="CLIENT")
    today = data.now().date()
    file = plan_file(data.root, client_id)
    # A dry run first: refuse a damaged file (it is reported and kept) and bad input before
    # any folder, lock or file is made; the real change runs again inside the lock.
    change(read_path(file.path) if file.exists() else None, today)
    make_dirs(file.path.parent)
    with data.change(action, f"plan:{client_id}", always=False) as audited, \
            file.transaction(create=True) as db:
        table = db.table("plan")
        docs = table.all()
        current = RecoveryPlan.from_dict(docs[0]) if docs else None
        updated = change(current, today)
        if updated == current:
            return updated                          # nothing changed: nothing written or audited
        audited.detail.update(detail(updated))      # before the write binds the entry
        table.truncate()
        table.insert(updated.to_dict())
    return updated


def add(data: DataDir, client_id: str, text: str, *, objectives: Sequence[str] = (),
        target: date | None = None) -> Goal:
    """Add a goal (starting the plan if the client has none); returns the new goal."""
    def change(plan: RecoveryPlan | None, today: date) -> RecoveryPlan:
        base = plan or RecoveryPlan(client_id=client_id, started=today)
        return add_goal(base, text, objectives=tuple(objectives), target=target, day=today)

    plan = _change(data, client_id, change, "plan.goal-add",
                   lambda p: {"goal": p.goals[-1].number, "objectives": len(p.goals[-1].objectives)})
    return plan.goals[-1]


def set_goal_status(data: DataDir, ref: str, status: str) -> Goal:
    client_id, number = parse_goal_ref(ref)
    try:
        new = GoalStatus(status)
    except ValueError:
        raise InputError(f"{status[:20]!r} is not a goal status (active, met, revised)", field="STATUS") from None

    def change(plan: RecoveryPlan | None, today: date) -> RecoveryPlan:
        if plan is None:
            raise InputError(f"client {client_id} has no recovery plan", field="GOAL")
        return set_status(plan, number, new, day=today, by=data.user)

    plan = _change(data, client_id, change, "plan.goal-status",
                   lambda p: {"goal": number, "status": str(new)})
    return plan.goal(number)


def review(data: DataDir, client_id: str) -> RecoveryPlan:
    """Record that the plan was reviewed today (by the acting staff member)."""
    def change(plan: RecoveryPlan | None, today: date) -> RecoveryPlan:
        if plan is None:
            raise InputError(f"client {client_id} has no recovery plan to review; add a goal first",
                             field="CLIENT")
        return record_review(plan, day=today, by=data.user)

    plan = _change(data, client_id, change, "plan.review", lambda p: {"reviews": len(p.reviews)})
    return plan


def put_plan(data: DataDir, plan: RecoveryPlan, *,
             merge: Callable[[RecoveryPlan | None, RecoveryPlan], RecoveryPlan] | None = None,
             action: str = "plan.put", detail: dict | None = None) -> RecoveryPlan:
    """Store a whole plan (the demo's history; a plan a laptop pushed, on the host).

    Checked as strictly as a file read (``RecoveryPlan.from_dict`` of its dict), refused
    unless the acting staff member may change plans, audited by counts only. With ``merge``,
    what is stored is ``merge(the plan on file or None, plan)``, called under the file's lock
    (sync's host merges with ``core.recovery.merge_plans`` and authorizes there; whatever it
    raises leaves the file as it was). Nothing is written when the result is the plan on file.
    Returns the plan now stored.
    """
    checked = RecoveryPlan.from_dict(plan.to_dict())

    def change(current: RecoveryPlan | None, today: date) -> RecoveryPlan:
        if merge is None:
            return checked
        merged = merge(current, checked)
        return RecoveryPlan.from_dict(merged.to_dict())

    return _change(data, checked.client_id, change, action,
                   lambda p: {**(detail or {}), "goals": len(p.goals), "reviews": len(p.reviews)})


@dataclass(frozen=True)
class PlanDue:
    """One enrolled client's plan review: due date and days overdue (no plan: both None)."""

    client: Client
    plan: RecoveryPlan | None
    due: date | None
    days_overdue: int | None

    @property
    def overdue(self) -> bool:
        return bool(self.days_overdue)


def plans_due(data: DataDir, today: date) -> tuple[list[PlanDue], list[DamagedFile]]:
    """Every client enrolled today with their plan's review due date, most overdue first."""
    snapshot = data.snapshot()
    interval = snapshot.settings.plan_review_days
    plans, problems = all_plans(data)
    rows = []
    for client in snapshot.clients.values():
        if not client.enrolled_on(today):
            continue
        plan = plans.get(client.client_id)
        if plan is None:
            rows.append(PlanDue(client, None, None, None))
        else:
            rows.append(PlanDue(client, plan, plan.review_due(interval), plan.days_overdue(today, interval)))
    rows.sort(key=lambda r: (r.due is None, r.due or today, r.client.last_name, r.client.first_name))
    return rows, problems


# -- as a person reads them: checked and audited here, so the CLI and the screens only present --

def view(data: DataDir, client_id: str, detail: dict[str, Any] | None = None) -> tuple[Client, RecoveryPlan | None]:
    """One client's plan as a person reads it (``goals list``, the client screen's ``g``).

    Refused unless the acting user may read plans (``plan.read``; a refusal is audited
    "denied", an account off the staff is ``NotStaff``); an unknown client is ``InputError``.
    The reading is audited "plan.view" by client id (and ``detail``, e.g. the format) once the
    plan was read: a damaged file raises ``DamagedFile`` and logs no view.
    """
    data.require("plan.read")
    client = data.snapshot().clients.get(client_id)
    if client is None:
        raise InputError(f"there is no client with id {client_id!r}", field="CLIENT")
    plan = read(data, client.client_id)
    data.record_audit("plan.view", f"plan:{client.client_id}", detail)
    return client, plan


def due_list(data: DataDir, today: date, detail: dict[str, Any] | None = None,
             ) -> tuple[list[PlanDue], list[DamagedFile]]:
    """``plans_due`` as a person reads it (``goals due``): refused unless ``plan.read``; the
    reading audited "plan.due" with the number of clients listed (ids of none)."""
    data.require("plan.read")
    rows, problems = plans_due(data, today)
    data.record_audit("plan.due", "plans", {"clients": len(rows), **(detail or {})})
    return rows, problems


def ref_of(client_id: str, goal: Goal) -> str:
    return goal_ref(client_id, goal.number)
