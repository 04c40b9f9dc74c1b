"""Clinic changes to groups after they exist: a schedule change from a date, a last day, a
closure (one group's or the whole clinic's). Admins only; each one audited write of clinic.json.

Held sessions are never rewritten: their records keep the times they were held at, and a
change or an end may not reach back over a session already recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING

from facilitator.core.errors import InputError
from facilitator.core.roster import Closure, Group, Schedule, check_reason
from facilitator.store.datadir import DataDir
from facilitator.store.storage import query

if TYPE_CHECKING:
    from tinydb import TinyDB

# How far ahead a scan for held sessions looks (a session is never dated years ahead).
_AHEAD = timedelta(days=3660)


def _group(data: DataDir, name: str, field: str = "NAME") -> Group:
    group = data.snapshot().groups.get(name)
    if group is None:
        raise InputError(f"there is no group named {name!r} (see `facilitator groups list`)", field=field)
    return group


def held_days(data: DataDir, name: str, first: date, last: date) -> list[date]:
    """Days first..last on which the group has a session record (held, running or imported).

    A damaged session file of the group in that span refuses the change: it may be a held
    session this change would reach back over (``verify`` names it)."""
    from facilitator.core.session import slug
    scan = data.sessions_between(first, last)
    damaged = [p for p in scan.problems if Path(p.path).name.endswith(f"-{slug(name)}.json")]
    if damaged:
        raise InputError(f"a session file of {name!r} in that span is damaged ({Path(damaged[0].path).name}); "
                         f"run `facilitator verify`, repair it, then make the change", field="NAME")
    return sorted({r.header.day for r in scan.records if r.header.group == name})


def _save(db: TinyDB, group: Group) -> None:
    db.table("groups").update(group.to_dict(), query().name == group.name)


def may_change_groups(data: DataDir) -> None:
    """Refuse (``PermissionDenied``, audited "denied") unless the acting user may change groups
    (schedules, ends, closures): a screen asks before a dialog opens; each change asks again."""
    data.require("group.change")


def set_schedule(data: DataDir, name: str, since: date, *, days: tuple[int, ...] | None = None,
                 start: time | None = None, minutes: int | None = None,
                 plan: str | None | EllipsisType = ...) -> Group:
    """Change the group's schedule from ``since`` on (``plan``: ... keeps it, None clears it)."""
    data.require("group.change")
    group = _group(data, name)
    if days is None and start is None and minutes is None and plan is ...:
        raise InputError("nothing to change: give --days, --start, --minutes or --plan", field="NAME")
    if group.last_day is not None and since > group.last_day:
        raise InputError(f"{name!r} ended on {group.last_day}; a change from {since} would never apply",
                         field="--from")
    held = held_days(data, name, since, since + _AHEAD)
    if held:
        raise InputError(f"{name!r} already has a session on {held[-1]}; a schedule change applies "
                         f"from {held[-1] + timedelta(days=1)} at the earliest (held sessions keep "
                         f"what they were)", field="--from")
    base = group.on(since)
    schedule = Schedule(since, days or base.days, start or base.start, minutes or base.minutes,
                        base.plan if plan is ... else plan)
    if schedule == replace(base.current(), since=since):
        raise InputError(f"{name!r} already meets {base.day_names} at {base.start:%H:%M} for "
                         f"{base.minutes} minutes on {since}; nothing was changed", field="NAME")
    changed = group.changed(schedule)
    detail = {"from": since.isoformat(), "days": changed.day_names, "start": f"{schedule.start:%H:%M}",
              "minutes": schedule.minutes, "plan": schedule.plan or ""}
    with data.change("group.set", f"group:{name}", detail), data.clinic_file.transaction() as db:
        _save(db, changed)
    return changed


def end_group(data: DataDir, name: str, last_day: date) -> Group:
    """The group meets no more after ``last_day``."""
    data.require("group.change")
    group = _group(data, name)
    if last_day < group.first_day:
        raise InputError(f"{name!r} first meets on {group.first_day}; its last day cannot be before it",
                         field="--date")
    held = held_days(data, name, last_day + timedelta(days=1), last_day + _AHEAD)
    if held:
        raise InputError(f"{name!r} already has a session on {held[-1]}, after {last_day}; "
                         f"choose {held[-1]} or later", field="--date")
    ended = replace(group, last_day=last_day)
    with data.change("group.end", f"group:{name}", {"last_day": last_day.isoformat()}), \
            data.clinic_file.transaction() as db:
        _save(db, ended)
    return ended


def add_closure(data: DataDir, day: date, reason: str, group_name: str | None = None) -> Closure:
    """Close one group (or, without a group, every group of the clinic) on ``day``.

    The day becomes a holiday of each group it closes, so meetings, the weekly requirement
    (prorated like a holiday) and the home screen all leave it out. A day a group already
    has a session on cannot be closed for it."""
    data.require("group.change")
    check_reason(reason, field="--reason")
    snapshot = data.snapshot()
    if group_name is not None:
        group = _group(data, group_name, field="--group")
        if not group.meetings(day, day, snapshot.settings.tz) and day not in group.holidays:
            raise InputError(f"{group_name!r} does not meet on {day:%a} {day} (see `facilitator groups "
                             f"list`)", field="DATE")
    closure = Closure(day, group_name, reason.strip())
    if any(c.day == day and c.group == group_name for c in snapshot.closures):
        where = f"for {group_name!r}" if group_name else "for the whole clinic"
        raise InputError(f"{day} is already closed {where}", field="DATE")
    names = [group_name] if group_name else sorted(snapshot.groups)
    for name in names:
        held = held_days(data, name, day, day)
        if held:
            raise InputError(f"{name!r} already has a session on {day}; a closure cannot cancel a "
                             f"held session (correct its attendance instead)", field="DATE")
    detail = {"day": day.isoformat(), "group": group_name or "(clinic)"}
    with data.change("closure.add", f"group:{group_name}" if group_name else "clinic", detail), \
            data.clinic_file.transaction() as db:
        for name in names:
            doc = db.table("groups").get(query().name == name)
            assert doc is not None          # a group of the snapshot; groups are never removed
            group = Group.from_dict(doc)
            if day not in group.holidays:
                _save(db, replace(group, holidays=tuple(sorted((*group.holidays, day)))))
        db.table("closures").insert(closure.to_dict())
    return closure


def all_closures(data: DataDir) -> list[tuple[date, str | None, str]]:
    """Every closed day: (day, group or None for the clinic, reason); a holiday given when a
    group was added, with no closure recorded for it, reads "holiday"."""
    snapshot = data.snapshot()
    rows = [(c.day, c.group, c.reason) for c in snapshot.closures]
    clinic_days = {c.day for c in snapshot.closures if c.group is None}
    named = {(c.day, c.group) for c in snapshot.closures}
    for group in snapshot.groups.values():
        rows.extend((day, group.name, "holiday") for day in group.holidays
                    if day not in clinic_days and (day, group.name) not in named)
    return sorted(rows, key=lambda r: (r[0], r[1] or ""))
