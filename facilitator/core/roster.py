"""Clients and groups (with their schedules as rrules)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

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


def match_id(typed: str, known: "Iterable[str]") -> str | None:
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
    def from_dict(cls, data: dict[str, Any]) -> "Client":
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
class Group:
    """A group and when it meets: weekdays + start time + minutes, holidays excluded."""

    name: str
    days: tuple[int, ...]
    start: time
    minutes: int
    plan: str | None = None
    holidays: tuple[date, ...] = field(default=())
    first_day: date = date(2000, 1, 1)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("a group needs a name", field="name")
        check_name(self.name, field="name")
        if not self.days or any(d not in range(7) for d in self.days):
            raise InputError("a group needs weekdays", field="days")
        if not 1 <= self.minutes <= 12 * 60:
            raise InputError("minutes must be between 1 and 720", field="minutes")

    @property
    def day_names(self) -> str:
        return ",".join(_WEEKDAY_NAMES[d] for d in self.days)

    @property
    def has_schedule(self) -> bool:
        return bool(self.days)

    def schedule(self, tz: ZoneInfo, from_day: date | None = None) -> rruleset:
        """The group's meetings as a dateutil rruleset of local, aware start times.

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

    def meetings(self, first: date, last: date, tz: ZoneInfo) -> list[datetime]:
        """Start times of the meetings on days first..last (inclusive)."""
        return self.schedule(tz, first).between(
            datetime.combine(first, time(0), tz),
            datetime.combine(last + timedelta(days=1), time(0), tz), inc=True)

    def end_of(self, start: datetime) -> datetime:
        """``minutes`` of real time after ``start`` (added in UTC: aware datetimes in
        one zone add by the wall clock, which is wrong across a daylight-saving change)."""
        return (start.astimezone(timezone.utc) + timedelta(minutes=self.minutes)).astimezone(start.tzinfo)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "days": list(self.days), "start": self.start.strftime("%H:%M"),
            "minutes": self.minutes, "plan": self.plan,
            "holidays": [d.isoformat() for d in self.holidays],
            "first_day": self.first_day.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Group":
        days = data.get("days") if isinstance(data, dict) else None
        if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool)
                                                 for d in days):
            raise InputError("must be a list of weekday numbers (0-6)", field="days")
        start = fields.text(data, "start", max_length=8)
        try:
            start_time = time.fromisoformat(start)
        except ValueError:
            raise InputError("is not a time (HH:MM)", field="start") from None
        holidays = data.get("holidays", [])
        if not isinstance(holidays, list) or len(holidays) > 10_000:
            raise InputError("must be a list of dates", field="holidays")
        return cls(
            name=fields.name(data, "name"), days=tuple(days), start=start_time,
            minutes=fields.integer(data, "minutes", low=1, high=12 * 60),
            plan=fields.optional_text(data, "plan"),
            holidays=tuple(fields.day_value(d, field="holidays") for d in holidays),
            first_day=fields.day(data, "first_day", "2000-01-01"),
        )
