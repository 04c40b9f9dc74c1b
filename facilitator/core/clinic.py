"""Clinic settings and staff."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from facilitator.core import fields
from facilitator.core.errors import InputError
from facilitator.core.names import check_name
from facilitator.core.rules import (
    DEFAULT_END_GRACE_MINUTES,
    DEFAULT_GROUP_CAP,
    DEFAULT_IDLE_MINUTES,
    DEFAULT_PLAN_REVIEW_DAYS,
    LEVELS_OF_CARE,
    Role,
)

WEEK_STARTS = ("monday", "sunday")


def check_timezone(name: str, *, field: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{name!r} is not a known time zone (e.g. America/Chicago)", field=field) from None


@dataclass(frozen=True)
class ClinicSettings:
    """The clinic's own settings: name, time zone, week start, group-size cap, idle lock,
    bell, levels of care (required hours a week), recovery-plan review interval and the
    grace after a session's scheduled end before it is no longer continued on the clock."""

    name: str
    timezone: str
    week_start: str = "monday"
    group_cap: int = DEFAULT_GROUP_CAP
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    bell: bool = False
    levels_of_care: dict[str, float] = field(default_factory=lambda: dict(LEVELS_OF_CARE))
    plan_review_days: int = DEFAULT_PLAN_REVIEW_DAYS
    end_grace_minutes: int = DEFAULT_END_GRACE_MINUTES

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("the clinic needs a name", field="name")
        check_name(self.name, field="name")
        check_timezone(self.timezone)
        if self.week_start not in WEEK_STARTS:
            raise InputError(f"{self.week_start!r} is not monday or sunday", field="week_start")
        # The same bounds as the strict reader's (core.fields), so whatever is made is read back.
        if isinstance(self.group_cap, bool) or not isinstance(self.group_cap, int) \
                or not 1 <= self.group_cap <= 10_000:
            raise InputError("the group-size cap must be a whole number from 1 to 10000", field="group_cap")
        if isinstance(self.idle_minutes, bool) or not isinstance(self.idle_minutes, int) \
                or not 1 <= self.idle_minutes <= 10_000:
            raise InputError("idle minutes must be a whole number from 1 to 10000", field="idle_minutes")
        if isinstance(self.plan_review_days, bool) or not isinstance(self.plan_review_days, int) \
                or not 1 <= self.plan_review_days <= 365:
            raise InputError("the plan review interval must be a whole number of days from 1 to 365",
                             field="plan_review_days")
        if isinstance(self.end_grace_minutes, bool) or not isinstance(self.end_grace_minutes, int) \
                or not 0 <= self.end_grace_minutes <= 10_000:
            raise InputError("the end grace must be a whole number of minutes from 0 to 10000",
                             field="end_grace_minutes")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def week_start_weekday(self) -> int:
        """Python weekday() of the first day of the clinic's week."""
        return 0 if self.week_start == "monday" else 6

    def default_hours(self, level: str) -> float:
        return self.levels_of_care[level]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "timezone": self.timezone, "week_start": self.week_start,
            "group_cap": self.group_cap, "idle_minutes": self.idle_minutes, "bell": self.bell,
            "levels_of_care": dict(self.levels_of_care), "plan_review_days": self.plan_review_days,
            "end_grace_minutes": self.end_grace_minutes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ClinicSettings":
        levels = data.get("levels_of_care", LEVELS_OF_CARE)
        if not isinstance(levels, dict) or len(levels) > 100 or not all(
                isinstance(k, str) and len(k) <= fields.MAX_SHORT and isinstance(v, (int, float))
                and not isinstance(v, bool) and 0 <= v <= 168 for k, v in levels.items()):
            raise InputError("must be a table of level names and weekly hours (0-168)",
                             field="levels_of_care")
        return cls(
            name=fields.text(data, "name"), timezone=fields.text(data, "timezone", max_length=64),
            week_start=fields.text(data, "week_start", "monday"),
            group_cap=fields.integer(data, "group_cap", DEFAULT_GROUP_CAP, low=1, high=10_000),
            idle_minutes=fields.integer(data, "idle_minutes", DEFAULT_IDLE_MINUTES, low=1, high=10_000),
            bell=fields.boolean(data, "bell", False),
            levels_of_care=dict(levels),
            plan_review_days=fields.integer(data, "plan_review_days", DEFAULT_PLAN_REVIEW_DAYS,
                                            low=1, high=365),
            end_grace_minutes=fields.integer(data, "end_grace_minutes", DEFAULT_END_GRACE_MINUTES,
                                             low=0, high=10_000),
        )

    def with_changes(self, **changes: Any) -> "ClinicSettings":
        return replace(self, **changes)


@dataclass(frozen=True)
class Staff:
    """A staff member, identified by their operating-system account name."""

    user: str
    display_name: str
    role: Role
    active: bool = True

    def __post_init__(self) -> None:
        check_name(self.user, field="user")
        check_name(self.display_name, field="display_name")

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "display_name": self.display_name,
                "role": str(self.role), "active": self.active}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Staff":
        return cls(user=fields.text(data, "user"), display_name=fields.name(data, "display_name"),
                   role=fields.choice(data, "role", Role), active=fields.boolean(data, "active", True))
