"""Hours rules (ARCHITECTURE.md, "Hours rules"): credited minutes and the weekly view.

- Credited minutes of an attendance: time in the room, clipped to the session's actual
  start and end, minus the non-countable blocks (breaks) inside that span. Absent and
  excused credit 0; telehealth credits like present. Arithmetic is done on instants
  (UTC), so a session across a daylight-saving change counts real elapsed minutes.
- Weekly required hours: the client's own figure, prorated when admission or discharge
  falls inside the week, by scheduled meetings of the client's groups (or by days when
  those groups do not meet that week).
- Flags: met; for the current (or a future) week at-risk / below; for a past week
  met / below.

The current time is always a parameter (``now``); nothing here reads the clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from typing import Any

from facilitator.core.errors import InputError
from facilitator.core.roster import Client, Group
from facilitator.core.rules import Status
from facilitator.core.session import SessionRecord
from facilitator.core.weeks import Week

OTHER_KINDS = ("individual", "family")
_MAX_DAY_MINUTES = 24 * 60
_EPSILON = 1e-6          # minutes; required figures are floats (9 x 2/3 ...)

Span = tuple[datetime, datetime]
# Countable minutes per meeting of a group (its length minus the plan's breaks):
# a mapping by group name, or a callable given the Group. None: the whole length.
Capacity = Mapping[str, int] | Callable[[Group], int] | None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone; hours need aware datetimes")
    return value.astimezone(UTC)


def _merged(spans: Iterable[Span]) -> list[Span]:
    """Spans as UTC instants, overlapping ones joined so no minute is taken twice."""
    out: list[Span] = []
    for a, b in sorted((_utc(a), _utc(b)) for a, b in spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _overlap(a: datetime, b: datetime, c: datetime, d: datetime) -> float:
    """Seconds shared by [a, b) and [c, d)."""
    return max(0.0, (min(b, d) - max(a, c)).total_seconds())


def credited_minutes(
    status: Status,
    arrived: datetime | None,
    left: datetime | None,
    session_start: datetime,
    session_end: datetime,
    noncountable: Iterable[tuple[datetime, datetime]] = (),
) -> int:
    """Minutes in the room, clipped to the session, minus breaks inside that span.

    Absent and excused credit 0; telehealth credits like present. ``None`` arrival
    or departure means the session's start or end. Whole minutes, rounded down.
    All datetimes must be timezone-aware; they are compared as instants.
    """
    if not status.credits_time:
        return 0
    session_start, session_end = _utc(session_start), _utc(session_end)
    start = max(_utc(arrived) if arrived else session_start, session_start)
    end = min(_utc(left) if left else session_end, session_end)
    if end <= start:
        return 0
    seconds = (end - start).total_seconds()
    seconds -= sum(_overlap(start, end, a, b) for a, b in _merged(noncountable))
    return max(0, int(seconds // 60))


@dataclass(frozen=True)
class OtherHours:
    """Countable time outside groups: an individual or a family session."""

    client_id: str
    day: date
    minutes: int
    kind: str = "individual"

    def __post_init__(self) -> None:
        if not self.client_id.strip():
            raise InputError("other hours need a client id", field="client_id")
        if self.kind not in OTHER_KINDS:
            raise InputError(f"{self.kind!r} is not individual or family", field="kind")
        if not isinstance(self.minutes, int) or not 1 <= self.minutes <= _MAX_DAY_MINUTES:
            raise InputError("minutes must be a whole number from 1 to 1440", field="minutes")

    def to_dict(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "day": self.day.isoformat(),
                "minutes": self.minutes, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OtherHours:
        from facilitator.core import fields
        return cls(client_id=fields.client_id(data, "client_id"), day=fields.day(data, "day"),
                   minutes=fields.integer(data, "minutes", low=1, high=_MAX_DAY_MINUTES),
                   kind=fields.text(data, "kind", "individual"))


class Flag(StrEnum):
    MET = "met"
    AT_RISK = "at-risk"
    BELOW = "below"


# The weekly view lists those who need attention first.
FLAG_ORDER = {Flag.BELOW: 0, Flag.AT_RISK: 1, Flag.MET: 2}


@dataclass(frozen=True)
class WeeklyRow:
    """One client's week. Minutes are whole credited minutes; hours are floats."""

    client_id: str
    required_hours: float
    credited_minutes: int            # groups + other hours
    other_minutes: int               # of which individual/family sessions
    minutes_by_day: dict[date, int] = field(hash=False)   # every day of the week, in order
    absent: int = 0
    excused: int = 0
    sessions_attended: int = 0
    flag: Flag = Flag.BELOW
    hours_needed: float = 0.0        # max(0, required - credited), in hours
    sessions_left: int = 0           # meetings still to come this week while enrolled
    potential_minutes: int = 0       # countable minutes those (and a running session) offer
    closed_meetings: int = 0         # the client's meetings a holiday cancelled ("holiday week")
    usual_meetings: int = 0          # the client's meetings in a usual week

    @property
    def holiday_week(self) -> bool:
        return self.closed_meetings > 0

    @property
    def required_minutes(self) -> float:
        return self.required_hours * 60

    @property
    def credited_hours(self) -> float:
        return self.credited_minutes / 60

    @property
    def shortfall_minutes(self) -> float:
        return max(0.0, self.required_minutes - self.credited_minutes)


def hours_down(minutes: float) -> str:
    """Credited time in hours, one decimal, rounded down: 539 min is 8.9 h, never 9.0.
    The one rounding for credited hours, on screen and in reports."""
    return f"{math.floor(minutes / 6 + 1e-9) / 10:.1f}"


def hours_up(minutes: float) -> str:
    """Time still needed, one decimal, rounded up: 1 min short is 0.1 h, never 0.0."""
    return f"{math.ceil(minutes / 6 - 1e-9) / 10:.1f}"


def row_sort_key(row: WeeklyRow) -> tuple[int, float, str]:
    """below, at-risk, met; within each, the largest shortfall first."""
    return (FLAG_ORDER[row.flag], -row.shortfall_minutes, row.client_id)


def _by_name(groups: Iterable[Group] | Mapping[str, Group]) -> dict[str, Group]:
    if isinstance(groups, Mapping):
        return dict(groups)
    return {g.name: g for g in groups}


# Scheduled meetings of the week by group name: (local day, start) of each.
Meetings = dict[str, list[tuple[date, datetime]]]


def _week_meetings(groups: Mapping[str, Group], week: Week, tz: tzinfo) -> Meetings:
    return {name: [(m.astimezone(tz).date(), m) for m in g.meetings(week.first, week.last, tz)]
            for name, g in groups.items()}


@dataclass(frozen=True)
class _Requirement:
    """The hours a client must meet in one week, and how many of their meetings a holiday closed."""

    hours: float
    closed: int = 0          # the client's meetings that week cancelled by a holiday
    planned: int = 0         # the client's meetings in a usual week of their groups


def _planned(groups: Mapping[str, Group], names: Iterable[str], week: Week) -> list[tuple[str, date]]:
    """The meetings a usual week of these groups has (holidays, first and last days ignored),
    each day under the schedule in force that day (a schedule change applies from its date)."""
    return [(n, d) for n in names if n in groups for d in week.days
            if d.weekday() in groups[n].on(d).days]


def _requirement(client: Client, groups: Mapping[str, Group], meetings: Meetings,
                 week: Week) -> _Requirement | None:
    """The week's requirement, or None when the client has nothing required that week.

    With groups: required x (the client's meetings that week on enrolled days, after
    holidays and before-first-meeting days are taken out) / (the meetings a usual week of
    those groups has). So admission or discharge mid-week, a holiday closure and a group
    that only begins mid-week all prorate by the share of the client's usual meetings that
    the week really offered. A week before any of the client's groups first meets is not
    required at all (None). Without groups (or none known): by enrolled days / 7.
    """
    enrolled = [d for d in week.days if client.enrolled_on(d)]
    if not enrolled:
        return None
    names = [n for n in client.groups if n in groups]
    planned = _planned(groups, names, week)
    if not planned:
        return _Requirement(client.required_hours * len(enrolled) / 7)
    if all(groups[n].first_day > week.last or (groups[n].last_day or week.last) < week.first
           for n in names):
        return None       # none of the client's groups meets yet, or any longer
    offered = sum(1 for n in names for day, _ in meetings.get(n, ()) if client.enrolled_on(day))
    closed = sum(1 for n, day in planned if client.enrolled_on(day) and day in groups[n].holidays
                 and day >= groups[n].first_day)
    return _Requirement(client.required_hours * offered / len(planned), closed, len(planned))


def _required(client: Client, meetings: Meetings, week: Week,
              groups: Mapping[str, Group] | None = None) -> float | None:
    requirement = _requirement(client, groups or {}, meetings, week)
    return requirement.hours if requirement else None


def required_for_week(client: Client, groups: Iterable[Group] | Mapping[str, Group],
                      week: Week, tz: tzinfo) -> float | None:
    """The client's required hours for the week, prorated; None if nothing is required.

    See ``_requirement``: required x (the client's meetings that week on enrolled days,
    holidays out) / (a usual week's meetings of their groups); by enrolled days / 7 when
    they have no (known) group. Group names the client lists but ``groups`` lacks are
    unknown.
    """
    by_name = {name: g for name, g in _by_name(groups).items() if name in client.groups}
    return _required(client, _week_meetings(by_name, week, tz), week, by_name)


def _capacity(spec: Capacity, group: Group) -> int:
    if spec is None:
        return group.minutes
    if callable(spec):
        return int(spec(group))
    return int(spec.get(group.name, group.minutes))


@dataclass
class _Tally:
    """Running totals for one client while the week is read."""

    by_day: dict[date, int]
    credited: int = 0
    other: int = 0
    absent: int = 0
    excused: int = 0
    attended: int = 0
    left: int = 0
    potential: int = 0

    def credit(self, day: date, minutes: int) -> None:
        self.credited += minutes
        self.by_day[day] = self.by_day.get(day, 0) + minutes


@dataclass(frozen=True)
class _Held:
    """A session record of the week, with its instants and breaks worked out once."""

    record: SessionRecord
    day: date
    start: datetime
    end: datetime
    spans: list[Span]


def _read_sessions(sessions: Iterable[SessionRecord], week: Week, now: datetime) -> list[_Held]:
    held = []
    for record in sessions:
        header = record.header
        if header.day in week:
            held.append(_Held(record, header.day, _utc(header.start), _utc(header.end),
                              _merged(record.noncountable_spans(now))))
    return held


def _tally_session(t: _Tally, client: Client, s: _Held, now: datetime, open_week: bool) -> None:
    """Credit up to ``now``; what the session can still give goes to the potential."""
    entry = s.record.attendance.get(client.client_id)
    if entry is None:
        # Not on the list (yet): a member enrolled that day may still walk in.
        if (open_week and s.record.header.group in client.groups
                and client.enrolled_on(s.day) and s.end > now):
            chance = credited_minutes(Status.PRESENT, max(now, s.start), None, s.start, s.end, s.spans)
            t.potential += chance
            t.left += int(s.start > now and chance > 0)
        return
    cutoff = min(s.end, now)
    done = credited_minutes(entry.status, entry.arrived, entry.left, s.start, cutoff, s.spans) \
        if cutoff > s.start else 0
    t.credit(s.day, done)
    if entry.status is Status.ABSENT:
        t.absent += 1
    elif entry.status is Status.EXCUSED:
        t.excused += 1
    elif s.start <= now:
        t.attended += 1
    if open_week:
        full = credited_minutes(entry.status, entry.arrived, entry.left, s.start, s.end, s.spans)
        t.potential += max(0, full - done)
        t.left += int(s.start > now and full > 0)


def _tally_meetings(t: _Tally, client: Client, groups: Mapping[str, Group], meetings: Meetings,
                    now: datetime, recorded: set[tuple[str, date]], capacity: Capacity) -> None:
    """Scheduled meetings not yet held (no record) and not over, on enrolled days."""
    for name in client.groups:
        group = groups.get(name)
        if group is None:
            continue
        for day, start in meetings[name]:
            if (not client.enrolled_on(day) or (name, day) in recorded
                    or _utc(group.end_of(start)) <= now):
                continue
            t.potential += _capacity(capacity, group.on(day))
            t.left += 1


def _flag(credited: int, required_minutes: float, potential: int, open_week: bool) -> Flag:
    if credited + _EPSILON >= required_minutes:
        return Flag.MET
    if open_week and credited + potential + _EPSILON >= required_minutes:
        return Flag.AT_RISK
    return Flag.BELOW


def weekly_hours(
    clients: Iterable[Client],
    groups: Iterable[Group] | Mapping[str, Group],
    sessions: Iterable[SessionRecord],
    other_hours: Iterable[OtherHours],
    week: Week,
    tz: tzinfo,
    now: datetime,
    remaining_capacity_minutes: Capacity = None,
) -> list[WeeklyRow]:
    """One row per client enrolled on at least one day of ``week``, in the given order.

    Sessions belong to the week by their local day (``header.day``); a running session
    credits up to ``now``. For the current week (and a future one) the rest of it and
    every scheduled meeting still to come, without a record, on an enrolled day, make up
    ``potential_minutes`` (``remaining_capacity_minutes`` each, by group). A past week
    has nothing left, so it is met or below. Sort with ``row_sort_key`` for the view.
    """
    now = _utc(now)
    by_name = _by_name(groups)
    held = _read_sessions(sessions, week, now)
    recorded = {(s.record.header.group, s.day) for s in held}
    meetings = _week_meetings(by_name, week, tz)
    others = [o for o in other_hours if o.day in week]
    open_week = now.astimezone(tz).date() <= week.last
    rows = []
    for client in clients:
        requirement = _requirement(client, by_name, meetings, week)
        if requirement is None:
            continue
        required = requirement.hours
        t = _Tally(by_day={d: 0 for d in week.days})
        for s in held:
            _tally_session(t, client, s, now, open_week)
        for o in others:
            if o.client_id == client.client_id:
                t.credit(o.day, o.minutes)
                t.other += o.minutes
        if open_week:
            _tally_meetings(t, client, by_name, meetings, now, recorded, remaining_capacity_minutes)
        required_minutes = required * 60
        rows.append(WeeklyRow(
            client_id=client.client_id, required_hours=required,
            credited_minutes=t.credited, other_minutes=t.other, minutes_by_day=t.by_day,
            absent=t.absent, excused=t.excused, sessions_attended=t.attended,
            flag=_flag(t.credited, required_minutes, t.potential, open_week),
            hours_needed=max(0.0, required_minutes - t.credited) / 60,
            sessions_left=t.left, potential_minutes=t.potential,
            closed_meetings=requirement.closed, usual_meetings=requirement.planned,
        ))
    return rows


# --- can a schedule meet a level at all? (issue #20, case 9) ------------------------------------

def weekly_capacity(groups: Iterable[Group], capacity: Capacity = None) -> int:
    """Countable minutes a usual week of ``groups`` offers: each meeting's countable minutes
    (``capacity``: the group's length less its plan's breaks) times its weekdays."""
    return sum(_capacity(capacity, g) * len(g.days) for g in groups)


def reach_problem(required_hours: float, groups: Iterable[Group], capacity: Capacity = None) -> str | None:
    """Why ``required_hours`` a week cannot be met by attending every meeting of ``groups``
    (one clause, hours rounded as on screen), or None when it can. No groups: None (the
    requirement may be met with other hours; nothing is known to stand in the way)."""
    groups = list(groups)
    if not groups:
        return None
    offered = weekly_capacity(groups, capacity)
    if offered + _EPSILON >= required_hours * 60:
        return None
    whose = f"{groups[0].name} offers" if len(groups) == 1 else "their groups offer"
    return (f"{whose} at most {hours_down(offered)} hours of treatment time in a usual week, "
            f"{required_hours:g} required")


def plan_level(plan_kind: str | None, levels: Iterable[str]) -> str | None:
    """The level of care a plan's kind is written for ("iop-evening" -> "IOP", "php-day" ->
    "PHP"), or None for a topic plan ("relapse-prevention")."""
    if not plan_kind:
        return None
    head = plan_kind.split("-", 1)[0].casefold()
    return next((level for level in levels if level.casefold() == head), None)
