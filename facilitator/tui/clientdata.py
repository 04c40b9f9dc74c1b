"""One client's history for the client view: 12 weeks of hours, sessions, notes, other hours.

Plain functions over the data directory (no Textual): the screen runs ``client_history``
in a worker thread. Writes (other hours) check the role and are audited by record id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from facilitator.core.errors import Refusal
from facilitator.core.hours import OtherHours, WeeklyRow, attended_minutes, weekly_hours
from facilitator.core.notes import Note
from facilitator.core.recovery import RecoveryPlan
from facilitator.core.roster import Client
from facilitator.core.rules import DEFAULT_PLAN_REVIEW_DAYS
from facilitator.core.session import AttendanceEntry
from facilitator.core.weeks import Week, week_containing
from facilitator.store import otherhours, recovery
from facilitator.store.datadir import DataDir
from facilitator.store.files import DamagedFile

WEEKS = 12


@dataclass(frozen=True)
class HistoryLine:
    """A session the client was on the list of, or an individual/family entry."""

    day: date
    start: datetime | None
    what: str                       # the group, or "individual" / "family"
    status: str                     # "present", "late 18:20", "absent", … or "logged"
    minutes: int
    session_id: str | None = None
    note: str = ""                  # "no note", "draft", "signed", "co-signed", "+1 add."
    hours_id: tuple[date, int] | None = None   # (day, id in its month file) for other hours


@dataclass(frozen=True)
class ClientHistory:
    client: Client
    this_week: Week
    weeks: list[tuple[Week, WeeklyRow | None]]   # oldest first; None: not enrolled that week
    lines: list[HistoryLine]                     # newest first
    problems: list[DamagedFile] = field(default_factory=list)
    recovery_plan: RecoveryPlan | None = None    # None: no plan on file (or its file is damaged)
    review_days: int = DEFAULT_PLAN_REVIEW_DAYS  # the clinic's plan review interval

    def plan_line(self, today: date) -> str:
        """One line on the client's recovery plan: active goals and the next review."""
        plan = self.recovery_plan
        if plan is None:
            return "Recovery plan: none on file"
        due = plan.review_due(self.review_days)
        late = plan.days_overdue(today, self.review_days)
        when = f"review OVERDUE since {due:%a %d %b}" if late else f"review due {due:%a %d %b %Y}"
        return (f"Recovery plan: {len(plan.active_goals)} active goal"
                f"{'' if len(plan.active_goals) == 1 else 's'} · {when} (p shows it)")


class NoSuchClient(Refusal, LookupError):
    def __init__(self, client_id: str) -> None:
        super().__init__(f"There is no client {client_id} in this clinic (any more).")


def note_state(note: Note | None, entry: AttendanceEntry) -> str:
    if not entry.status.credits_time:
        return "—"
    if note is None:
        return "no note"
    state = "draft" if not note.signed else "returned" if note.returned else \
        "co-signed" if note.cosigned_by else "signed"
    return state + (f" +{len(note.addenda)} add." if note.addenda else "")


def status_text(entry: AttendanceEntry) -> str:
    text = str(entry.status).replace("_", " ")
    if entry.arrived and entry.status.value == "late":
        return f"late {entry.arrived:%H:%M}"
    if entry.left and entry.status.value == "left_early":
        return f"left {entry.left:%H:%M}"
    return text


def client_history(data: DataDir, client_id: str, now: datetime, count: int = WEEKS) -> ClientHistory:
    """The ``count`` weeks ending with the week of ``now`` (in the clinic's zone)."""
    from facilitator.store.reports import capacity_by_group
    snapshot = data.snapshot()
    client = snapshot.clients.get(client_id)
    if client is None:
        raise NoSuchClient(client_id)
    tz = snapshot.settings.tz
    now = now.astimezone(tz)
    this_week = week_containing(now.date(), snapshot.settings.week_start_weekday)
    weeks = [this_week]
    while len(weeks) < count:
        weeks.insert(0, weeks[0].previous())
    first, last = weeks[0].first, weeks[-1].last
    scan = data.sessions_between(first, last)
    entries, hour_problems = otherhours.between(data.root / "hours", first, last,
                                                clients=snapshot.clients.keys())
    mine = [(i, e) for i, e in entries if e.client_id == client_id]
    capacity = capacity_by_group(data, snapshot)
    by_week = []
    for week in weeks:
        rows = weekly_hours([client], snapshot.groups, scan.records, [e for _, e in mine],
                            week, tz, now, capacity)
        by_week.append((week, rows[0] if rows else None))
    problems = scan.problems + hour_problems
    lines: list[HistoryLine] = []
    for record in scan.records:
        entry = record.attendance.get(client_id)
        if entry is None:
            continue
        header = record.header
        try:
            note = data.session_file(header.session_id).notes().get(client_id)
        except DamagedFile as problem:
            problems.append(problem)
            note = None
        minutes = attended_minutes(record, client_id, now)
        lines.append(HistoryLine(header.day, header.start.astimezone(tz), header.group,
                                 status_text(entry), minutes, header.session_id, note_state(note, entry)))
    for entry_id, other in mine:
        lines.append(HistoryLine(other.day, None, other.kind, "logged", other.minutes,
                                 hours_id=(other.day, entry_id)))
    lines.sort(key=lambda line: (line.day, f"{line.start:%H:%M}" if line.start else "~"), reverse=True)
    try:
        plan = recovery.read(data, client_id)
    except DamagedFile as problem:
        problems.append(problem)
        plan = None
    return ClientHistory(client, this_week, by_week, lines, problems, plan, snapshot.settings.plan_review_days)


def add_other_hours(data: DataDir, entry: OtherHours) -> str:
    """Log an individual or family session; returns its id (``2026-11#3``)."""
    if entry.client_id not in data.snapshot().clients:
        raise NoSuchClient(entry.client_id)
    return otherhours.log(data, entry)


def remove_other_hours(data: DataDir, day: date, entry_id: int) -> OtherHours | None:
    return otherhours.unlog(data, day, entry_id)
