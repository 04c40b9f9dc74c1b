"""Clients and groups (with their schedules as rrules)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil.rrule import WEEKLY, rrule, rruleset

from facilitator.core import fields
from facilitator.core.errors import InputError
from facilitator.core.names import check_name
from facilitator.core.rules import WEEKDAYS

_CLIENT_ID = fields.CLIENT_ID
_WEEKDAY_NAMES = {v: k for k, v in WEEKDAYS.items()}


def check_client_id(value: str, *, field: str = "client_id") -> str:
    value = value.strip()
    if not _CLIENT_ID.match(value):
        raise InputError(
            # The value is not repeated: a misplaced column may have put a name here.
            "is not a client id (letters, digits, '.', '_' or '-', up to 32)", field=field)
    return value


def match_id(typed: str, known: Iterable[str]) -> str | None:
    """The stored id (client id, level of care) ``typed`` names, without regard to case:
    ``c0101`` finds ``C0101``. An exact match wins; None when there is none, or when only
    case tells two stored ids apart and ``typed`` matches neither exactly."""
    typed = typed.strip()
    known = list(known)
    if typed in known:
        return typed
    found = [k for k in known if k.casefold() == typed.casefold()]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Client:
    """A client of the program: identity, level of care and required weekly hours,
    admission (and discharge) day, and the groups they are enrolled in."""

    client_id: str
    first_name: str
    last_name: str
    level_of_care: str
    required_hours: float
    admitted: date
    discharged: date | None = None
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.first_name, field="first_name")
        check_name(self.last_name, field="last_name")
        if self.discharged is not None and self.discharged < self.admitted:
            raise InputError("the discharge date is before the admission date", field="discharged")
        if self.required_hours < 0 or self.required_hours > 168:
            raise InputError("required hours must be between 0 and 168 a week", field="required_hours")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        """How other group members appear in a client's note."""
        return f"{self.first_name[:1]}.{self.last_name[:1]}.".upper()

    def enrolled_on(self, day: date) -> bool:
        return self.admitted <= day and (self.discharged is None or day <= self.discharged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id, "first_name": self.first_name,
            "last_name": self.last_name, "level_of_care": self.level_of_care,
            "required_hours": self.required_hours, "admitted": self.admitted.isoformat(),
            "discharged": self.discharged.isoformat() if self.discharged else None,
            "groups": list(self.groups),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Client:
        return cls(
            client_id=fields.client_id(data, "client_id"), first_name=fields.name(data, "first_name"),
            last_name=fields.name(data, "last_name"), level_of_care=fields.text(data, "level_of_care"),
            required_hours=fields.number(data, "required_hours", high=168),
            admitted=fields.day(data, "admitted"),
            discharged=fields.optional_day(data, "discharged"),
            groups=fields.texts(data, "groups"),
        )


def parse_days(text: str, *, field: str = "days") -> tuple[int, ...]:
    """'mon,wed,thu' -> (0, 2, 3)."""
    days = []
    for part in text.split(","):
        name = part.strip().lower()[:3]
        if name not in WEEKDAYS:
            raise InputError(f"{part.strip()!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)", field=field)
        days.append(WEEKDAYS[name])
    if not days:
        raise InputError("at least one weekday is needed", field=field)
    return tuple(sorted(set(days)))


@dataclass(frozen=True)
class Schedule:
    """An earlier schedule of a group: in force from ``since`` (None: from the group's start)
    until the next schedule's ``since``. Sessions held under it keep what they were."""

    since: date | None
    days: tuple[int, ...]
    start: time
    minutes: int
    plan: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since.isoformat() if self.since else None, "days": list(self.days),
                "start": self.start.strftime("%H:%M"), "minutes": self.minutes, "plan": self.plan}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schedule:
        if not isinstance(data, dict):
            raise InputError("must be a table of an earlier schedule", field="earlier")
        return cls(since=fields.optional_day(data, "since"), days=_weekday_list(data),
                   start=_start_time(data), minutes=fields.integer(data, "minutes", low=1, high=12 * 60),
                   plan=fields.optional_text(data, "plan"))


def _weekday_list(data: Any) -> tuple[int, ...]:
    days = data.get("days") if isinstance(data, dict) else None
    if not isinstance(days, list) or not days or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days):
        raise InputError("must be a list of weekday numbers (0-6)", field="days")
    return tuple(days)


def _start_time(data: dict[str, Any]) -> time:
    start = fields.text(data, "start", max_length=8)
    try:
        return time.fromisoformat(start)
    except ValueError:
        raise InputError("is not a time (HH:MM)", field="start") from None


@dataclass(frozen=True)
class Closure:
    """A day a group (or, with ``group`` None, the whole clinic) does not meet, and why."""

    day: date
    group: str | None
    reason: str

    def __post_init__(self) -> None:
        check_reason(self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "group": self.group, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Closure:
        return cls(day=fields.day(data, "day"), group=fields.optional_text(data, "group"),
                   reason=fields.text(data, "reason", max_length=MAX_REASON))


MAX_REASON = 200


def check_reason(text: str, *, field: str = "reason") -> str:
    """A closure's reason: one line of printable text, 1-200 characters."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("a reason is needed (e.g. \"snow day\")", field=field)
    if len(text) > MAX_REASON:
        raise InputError(f"is longer than {MAX_REASON} characters", field=field)
    if any(not ch.isprintable() for ch in text):
        raise InputError("holds a control character; type the reason on one line", field=field)
    return text


@dataclass(frozen=True)
class Group:
    """A group and when it meets: weekdays + start time + minutes, holidays excluded.

    ``days``, ``start``, ``minutes`` and ``plan`` are the schedule in force from ``since``
    (None: from the group's start); ``earlier`` holds the schedules before it, oldest
    first, so weeks before a change are computed as they were. No meeting after
    ``last_day``. ``on(day)`` is the group as it stood on a day.
    """

    name: str
    days: tuple[int, ...]
    start: time
    minutes: int
    plan: str | None = None
    holidays: tuple[date, ...] = field(default=())
    first_day: date = date(2000, 1, 1)
    since: date | None = None
    earlier: tuple[Schedule, ...] = ()
    last_day: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("a group needs a name", field="name")
        check_name(self.name, field="name")
        if not self.days or any(d not in range(7) for d in self.days):
            raise InputError("a group needs weekdays", field="days")
        if not 1 <= self.minutes <= 12 * 60:
            raise InputError("minutes must be between 1 and 720", field="minutes")
        sinces = [s.since for s in self.earlier] + [self.since]
        if self.earlier and (sinces[0] is not None or any(
                s is None for s in sinces[1:]) or sinces[1:] != sorted({s for s in sinces[1:] if s is not None})):
            raise InputError("the earlier schedules are not in order of their dates", field="earlier")
        if not self.earlier and self.since is not None:
            raise InputError("a group's only schedule has no start date of its own", field="since")

    @property
    def day_names(self) -> str:
        return ",".join(_WEEKDAY_NAMES[d] for d in self.days)

    @property
    def has_schedule(self) -> bool:
        return bool(self.days)

    def current(self) -> Schedule:
        return Schedule(self.since, self.days, self.start, self.minutes, self.plan)

    def _as(self, schedule: Schedule) -> Group:
        return replace(self, days=schedule.days, start=schedule.start, minutes=schedule.minutes,
                       plan=schedule.plan, since=None, earlier=())

    def on(self, day: date) -> Group:
        """The group with the schedule in force on ``day`` (and no history)."""
        chosen = self.current()
        for schedule in (*self.earlier, chosen):
            if schedule.since is None or schedule.since <= day:
                chosen = schedule
        if not self.earlier and self.last_day is None:
            return self
        return replace(self._as(chosen), last_day=self.last_day)

    def changed(self, schedule: Schedule) -> Group:
        """The group with ``schedule`` in force from its ``since`` on; a schedule already in
        force from that very day is replaced, those from later days are refused."""
        assert schedule.since is not None
        versions = [*self.earlier, self.current()]
        if any(v.since is not None and v.since > schedule.since for v in versions):
            raise InputError("a later schedule change already exists", field="--from")
        kept = [v for v in versions if v.since is None or v.since != schedule.since]
        return replace(self, days=schedule.days, start=schedule.start, minutes=schedule.minutes,
                       plan=schedule.plan, since=schedule.since, earlier=tuple(kept))

    def _periods(self) -> list[tuple[Schedule, date | None, date | None]]:
        """Each schedule with the first day it is in force and the day after its last (None: open)."""
        versions = [*self.earlier, self.current()]
        return [(v, v.since, versions[i + 1].since if i + 1 < len(versions) else None)
                for i, v in enumerate(versions)]

    def schedule(self, tz: tzinfo, from_day: date | None = None) -> rruleset:
        """The current schedule's meetings as a dateutil rruleset of local, aware start times
        (``meetings`` adds earlier schedules and the last day).

        ``from_day`` only makes it cheaper: a weekly rule (interval 1) has the same
        meetings from any later day, without walking every week since ``first_day``.
        """
        begin = max(self.first_day, from_day) if from_day else self.first_day
        rules = rruleset()
        rules.rrule(rrule(
            WEEKLY, byweekday=self.days, byhour=self.start.hour, byminute=self.start.minute,
            bysecond=0, dtstart=datetime.combine(begin, self.start, tz)))
        for holiday in self.holidays:
            rules.exdate(datetime.combine(holiday, self.start, tz))
        return rules

    def meetings(self, first: date, last: date, tz: tzinfo) -> list[datetime]:
        """Start times of the meetings on days first..last (inclusive): each day under the
        schedule in force that day, none after ``last_day``."""
        if self.last_day is not None:
            last = min(last, self.last_day)
        if not self.earlier:
            return self._plain_meetings(first, last, tz) if first <= last else []
        found: list[datetime] = []
        for schedule, since, until in self._periods():
            lo = max(first, since) if since else first
            hi = min(last, until - timedelta(days=1)) if until else last
            if lo <= hi:
                found.extend(self._as(schedule)._plain_meetings(lo, hi, tz))
        return found

    def _plain_meetings(self, first: date, last: date, tz: tzinfo) -> list[datetime]:
        return self.schedule(tz, first).between(
            datetime.combine(first, time(0), tz),
            datetime.combine(last + timedelta(days=1), time(0), tz), inc=True)

    def end_of(self, start: datetime) -> datetime:
        """The minutes in force that day of real time after ``start`` (added in UTC: aware
        datetimes in one zone add by the wall clock, which is wrong across a daylight-saving change)."""
        minutes = self.on(start.date()).minutes if self.earlier else self.minutes
        return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name, "days": list(self.days), "start": self.start.strftime("%H:%M"),
            "minutes": self.minutes, "plan": self.plan,
            "holidays": [d.isoformat() for d in self.holidays],
            "first_day": self.first_day.isoformat(),
        }
        if self.earlier or self.since or self.last_day:
            data.update(since=self.since.isoformat() if self.since else None,
                        earlier=[s.to_dict() for s in self.earlier],
                        last_day=self.last_day.isoformat() if self.last_day else None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Group:
        days = _weekday_list(data)
        start_time = _start_time(data)
        holidays = data.get("holidays", [])
        if not isinstance(holidays, list) or len(holidays) > 10_000:
            raise InputError("must be a list of dates", field="holidays")
        earlier = data.get("earlier", [])
        if not isinstance(earlier, list) or len(earlier) > 1_000:
            raise InputError("must be a list of earlier schedules", field="earlier")
        return cls(
            name=fields.name(data, "name"), days=days, start=start_time,
            minutes=fields.integer(data, "minutes", low=1, high=12 * 60),
            plan=fields.optional_text(data, "plan"),
            holidays=tuple(fields.day_value(d, field="holidays") for d in holidays),
            first_day=fields.day(data, "first_day", "2000-01-01"),
            since=fields.optional_day(data, "since"),
            earlier=tuple(Schedule.from_dict(s) for s in earlier),
            last_day=fields.optional_day(data, "last_day"),
        )
