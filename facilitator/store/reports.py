"""The weekly hours report and the billing export, computed from the data directory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from facilitator.core.hours import (
    Capacity,
    WeeklyRow,
    attended_minutes,
    plan_level,
    reach_problem,
    row_sort_key,
    weekly_hours,
)
from facilitator.core.roster import Client, Group
from facilitator.core.rules import BILLING_RULES, Status, billing_units
from facilitator.core.weeks import Week
from facilitator.store import otherhours
from facilitator.store.datadir import ClinicSnapshot, DataDir, SessionScan
from facilitator.store.files import DamagedFile


@dataclass
class WeekReport:
    week: Week
    generated_at: datetime
    rows: list[WeeklyRow]
    clients: dict[str, Client]
    problems: list[DamagedFile] = field(default_factory=list)
    # client id -> (recovery-plan review due date, days overdue today); absent: no plan on file
    plan_reviews: dict[str, tuple[date, int]] = field(default_factory=dict)
    # client id -> why their groups cannot give them their weekly hours (core.hours.reach_problem)
    cannot_meet: dict[str, str] = field(default_factory=dict)

    def plan_review_overdue(self, client_id: str) -> int:
        """Days the client's plan review is overdue today (0: not overdue, or no plan)."""
        return self.plan_reviews.get(client_id, (None, 0))[1]

    def as_dicts(self) -> list[dict[str, Any]]:
        out = []
        for row in self.rows:
            client = self.clients[row.client_id]
            out.append({
                "client_id": row.client_id, "name": client.name,
                "level_of_care": client.level_of_care,
                "required_hours": round(row.required_hours, 2),
                "attended_hours": round(row.credited_hours, 2),
                "attended_minutes": row.credited_minutes, "other_minutes": row.other_minutes,
                "status": str(row.flag), "hours_needed": round(row.hours_needed, 2),
                "sessions_left": row.sessions_left, "sessions_attended": row.sessions_attended,
                "absent": row.absent, "excused": row.excused,
                "minutes_by_day": {d.isoformat(): m for d, m in row.minutes_by_day.items()},
                # None: no recovery plan on file
                "plan_review_due": (self.plan_reviews[row.client_id][0].isoformat()
                                    if row.client_id in self.plan_reviews else None),
                "plan_review_overdue": self.plan_review_overdue(row.client_id) > 0,
                # None: attending every meeting of their groups meets their hours
                "cannot_meet": self.cannot_meet.get(row.client_id),
            })
        return out


def capacity_by_group(data: DataDir, snapshot: ClinicSnapshot,
                      problems: list[DamagedFile] | None = None) -> Callable[[Group], int]:
    """Countable minutes a meeting of each group offers: its length less its plan's breaks.

    A group's plan file that the plan reader refuses is skipped (the shipped plan of that
    id, or none, is used) and named in ``problems`` when given."""
    from facilitator.store.plans import PlanLibrary, shipped_plans_dir
    library = PlanLibrary.load(shipped_plans_dir(), data.plans_dir)
    if problems is not None:
        used = {f"{g.plan}.toml" for g in snapshot.groups.values() if g.plan}
        problems.extend(
            DamagedFile(Path(err.file or ""), f"it is a group's session plan and cannot be used "
                        f"({err.message.rstrip('.')}{f', line {err.line}' if err.line else ''}); "
                        f"its breaks are not taken out of the group's time")
            for err in library.errors if Path(err.file or "").name in used)

    def capacity(group: Group) -> int:
        # Given the group as it stood that day (``Group.on``): a schedule change's plan and length.
        plan = library.plans.get(group.plan) if group.plan else None
        breaks = (plan.total_minutes - plan.countable_minutes) if plan else 0
        return max(0, group.minutes - breaks)
    return capacity


def week_report(data: DataDir, week: Week) -> WeekReport:
    snapshot = data.snapshot()
    tz = snapshot.settings.tz
    scan = data.sessions_between(week.first, week.last)
    entries, hour_problems = otherhours.between(data.root / "hours", week.first, week.last,
                                                clients=snapshot.clients.keys())
    now = data.clock().astimezone(tz)
    plan_problems: list[DamagedFile] = []
    capacity = capacity_by_group(data, snapshot, plan_problems)
    rows = weekly_hours(snapshot.clients.values(), snapshot.groups, scan.records,
                        [e for _, e in entries], week, tz, now, capacity)
    rows.sort(key=row_sort_key)
    from facilitator.store.recovery import all_plans
    plans, recovery_problems = all_plans(data)
    interval = snapshot.settings.plan_review_days
    reviews = {cid: (plan.review_due(interval), plan.days_overdue(now.date(), interval))
               for cid, plan in plans.items()}
    cannot_meet = {row.client_id: why for row in rows
                   if (why := client_reach_problem(snapshot.clients[row.client_id], snapshot, capacity))}
    return WeekReport(week, now, rows, snapshot.clients, scan.problems + hour_problems + plan_problems
                      + recovery_problems,
                      reviews, cannot_meet)


def client_reach_problem(client: Client, snapshot: ClinicSnapshot, capacity: Capacity) -> str | None:
    """Why ``client`` cannot reach their weekly hours at every meeting of their groups, or None."""
    groups = [snapshot.groups[name] for name in client.groups if name in snapshot.groups]
    return reach_problem(client.required_hours, groups, capacity)


def group_reach_warning(data: DataDir, group_name: str) -> str | None:
    """One sentence when the clients of the level ``group_name``'s plan is written for (an
    "iop-evening" plan: IOP) cannot reach their weekly hours with its countable minutes (its
    length less its plan's breaks, times its days); None when they can, or no level is named."""
    from facilitator.store.plans import PlanLibrary, shipped_plans_dir
    snapshot = data.snapshot()
    group = snapshot.groups[group_name]
    levels = snapshot.settings.levels_of_care
    plan = PlanLibrary.load(shipped_plans_dir(), data.plans_dir).plans.get(group.plan or "")
    level = plan_level(plan.kind if plan else None, levels)
    if level is None:
        return None
    why = reach_problem(levels[level], [group], capacity_by_group(data, snapshot))
    return None if why is None else (f"{level} clients cannot reach their {levels[level]:g} hours "
                                     f"a week with this group alone: {why}.")


def roster_reach_warnings(data: DataDir, client_ids: list[str]) -> list[str]:
    """One sentence per level of care whose clients (of ``client_ids``, enrolled in groups, with
    no discharge date) cannot reach their weekly hours at every meeting of their groups; ids only."""
    snapshot = data.snapshot()
    capacity = capacity_by_group(data, snapshot)
    short: dict[str, list[str]] = {}
    for cid in client_ids:
        client = snapshot.clients.get(cid)
        if client is None or client.discharged is not None:
            continue       # discharged (or with a discharge date): not a schedule to plan for
        if client_reach_problem(client, snapshot, capacity):
            short.setdefault(client.level_of_care, []).append(cid)
    return [f"{len(ids)} {level} client{'s' if len(ids) != 1 else ''} cannot reach their weekly "
            f"hours with their groups ({', '.join(ids[:5])}{' …' if len(ids) > 5 else ''}); "
            f"`report week` says why."
            for level, ids in sorted(short.items())]


@dataclass(frozen=True)
class BillingDay:
    """One client's countable group time on one day, as a claim line (``export billing``).

    ``service`` is the code the client's level of care is billed under (the clinic's
    setting); ``units`` is 1 for a per-diem day at or above ``minimum_minutes`` and 0 below
    it (``billable`` False: the biller bills the day's discrete services instead), or the
    15-minute units of a timed code. A day is ``telehealth`` when every countable minute of
    it was attended by telehealth: its place of service and modifier are the clinic's
    telehealth ones. The rendering clinician is the first facilitator of the session that
    gave the client the most minutes that day (the earliest on a tie); ``note_signed`` is
    True when the client's note of every session of the day is signed (and not returned for
    correction and still to re-sign).
    """

    day: date
    client_id: str
    level_of_care: str
    service: str
    units: int
    billable: bool
    minutes: int
    minimum_minutes: int
    place_of_service: str
    modifier: str
    telehealth: bool
    rendering_staff: str
    rendering_name: str
    note_signed: bool
    groups: tuple[str, ...]
    start: datetime
    stop: datetime


@dataclass(frozen=True)
class _Part:
    group: str
    start: datetime
    stop: datetime
    minutes: int
    facilitators: tuple[str, ...]
    telehealth: bool
    note_signed: bool


def billing_days(data: DataDir, first: date, last: date) -> tuple[list[BillingDay], list[DamagedFile]]:
    """One claim line per client per day with countable group time, from session records."""
    snapshot = data.snapshot()
    scan = data.sessions_between(first, last)
    problems = list(scan.problems)
    now = data.clock().astimezone(snapshot.settings.tz)
    days: dict[tuple[date, str], list[_Part]] = {}
    for record in scan.records:
        header = record.header
        try:
            notes = data.session_file(header.session_id).notes()
        except DamagedFile as err:      # its notes cannot be read: counted as not signed
            problems.append(err)
            notes = {}
        for entry in record.attendance.values():
            minutes = attended_minutes(record, entry.client_id, now)   # as hours and notes count
            if minutes <= 0:
                continue
            start = max(entry.arrived or header.start, header.start)
            stop = min(entry.left or header.end, header.end if header.actual_end else min(header.end, now))
            note = notes.get(entry.client_id)
            days.setdefault((header.day, entry.client_id), []).append(_Part(
                header.group, start, stop, minutes, header.facilitators,
                entry.status is Status.TELEHEALTH, note is not None and note.signature_stands))
    rows = [_claim_line(day, client_id, parts, snapshot) for (day, client_id), parts in days.items()]
    rows.sort(key=lambda r: (r.day, r.client_id))
    return rows, problems


def _claim_line(day: date, client_id: str, parts: list[_Part], snapshot: ClinicSnapshot) -> BillingDay:
    settings = snapshot.settings
    client = snapshot.clients.get(client_id)
    level = client.level_of_care if client is not None else ""
    rule = BILLING_RULES.get(level)
    code = settings.billing_code(level) or ""
    minutes = sum(p.minutes for p in parts)
    if rule is None:       # a level the clinic added itself: no rule, so no units
        units, minimum = 0, 0
    else:
        units, minimum = billing_units(minutes, rule), rule.min_day_minutes
    telehealth = all(p.telehealth for p in parts)
    main = min(parts, key=lambda p: (-p.minutes, p.start))
    staff_id = main.facilitators[0] if main.facilitators else ""
    member = snapshot.staff.get(staff_id)
    return BillingDay(
        day=day, client_id=client_id, level_of_care=level, service=code, units=units,
        billable=bool(code) and units > 0, minutes=minutes, minimum_minutes=minimum,
        place_of_service=settings.telehealth_place_of_service if telehealth else settings.place_of_service,
        modifier=settings.telehealth_modifier if telehealth else "", telehealth=telehealth,
        rendering_staff=staff_id, rendering_name=member.display_name if member else "",
        note_signed=all(p.note_signed for p in parts),
        groups=tuple(sorted({p.group for p in parts})),
        start=min(p.start for p in parts), stop=max(p.stop for p in parts))


def span_days(first: date, last: date) -> int:
    return (last - first + timedelta(days=1)).days


def session_list(data: DataDir, first: date, last: date, detail: dict[str, Any] | None = None) -> SessionScan:
    """The sessions held ``first``..``last`` as ``session list`` shows them: refused unless the
    acting user may read the clinic (``clinic.read``); the listing audited "session.list" with
    the number of sessions and ``detail`` (no client is named)."""
    data.require("clinic.read")
    scan = data.sessions_between(first, last)
    data.record_audit("session.list", f"{first}..{last}", {"sessions": len(scan.records), **(detail or {})})
    return scan


def week_report_out(data: DataDir, week: Week, detail: dict[str, Any] | None = None) -> WeekReport:
    """``week_report`` as it leaves the app (``report week``): audited "report.week" with the
    week and the number of clients (no client named). The weekly screen, which only shows it,
    calls ``week_report``."""
    report = week_report(data, week)
    data.record_audit("report.week", f"week:{week.label}", {"clients": len(report.rows), **(detail or {})})
    return report


def billing_export(data: DataDir, first: date, last: date, detail: dict[str, Any] | None = None,
                   ) -> tuple[list[BillingDay], list[DamagedFile]]:
    """``billing_days`` as they leave the app (``export billing``, a disclosure to a payer):
    audited "export.billing" with the span and the number of claim lines (no client named)."""
    rows, problems = billing_days(data, first, last)
    data.record_audit("export.billing", f"{first}..{last}", {"rows": len(rows), **(detail or {})})
    return rows, problems
