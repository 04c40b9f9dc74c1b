"""Clinic settings and staff."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from facilitator.core import fields
from facilitator.core.errors import InputError
from facilitator.core.names import check_name
from facilitator.core.rules import (
    DEFAULT_BILLING_CODES,
    DEFAULT_END_GRACE_MINUTES,
    DEFAULT_GROUP_CAP,
    DEFAULT_IDLE_MINUTES,
    DEFAULT_PLACE_OF_SERVICE,
    DEFAULT_PLAN_REVIEW_DAYS,
    DEFAULT_SESSION_IDLE_MINUTES,
    DEFAULT_TELEHEALTH_MODIFIER,
    DEFAULT_TELEHEALTH_PLACE_OF_SERVICE,
    LEVELS_OF_CARE,
    TELEHEALTH_PLACES_OF_SERVICE,
    Role,
)
from facilitator.core.sshkeys import MAX_LINE, check_key_name, check_path, parse_public_key

WEEK_STARTS = ("monday", "sunday")

# A HCPCS Level II code (a letter and four digits: H0015, S0201) or a CPT code (five
# digits, or four and F/T/U); a modifier is two letters or digits (95, GT); a place of
# service is two digits, 01-99 (CMS's list).
_SERVICE_CODE = re.compile(r"[A-Z][0-9]{4}|[0-9]{4}[0-9FTU]")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_PLACE = re.compile(r"[0-9]{2}")


def _shown(value: object) -> str:
    """A typed value as a message may quote it: text, cut at 20 characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 20 else text[:20] + "…"


def check_service_code(code: object, *, field: str = "billing_codes") -> str:
    if not isinstance(code, str) or not _SERVICE_CODE.fullmatch(code):
        shown = _shown(code)
        raise InputError(f"{shown!r} is not a HCPCS or CPT code (a letter and four digits like "
                         f"H0015, or five digits)", field=field)
    return code


def check_place_of_service(place: object, *, field: str = "place_of_service") -> str:
    if not isinstance(place, str) or not _PLACE.fullmatch(place) or place == "00":
        shown = _shown(place)
        raise InputError(f"{shown!r} is not a place-of-service code (two digits, e.g. 57)", field=field)
    return place


def check_modifier(modifier: object, *, field: str = "telehealth_modifier") -> str:
    if not isinstance(modifier, str) or not _MODIFIER.fullmatch(modifier):
        shown = _shown(modifier)
        raise InputError(f"{shown!r} is not a modifier (two letters or digits, e.g. 95 or GT)", field=field)
    return modifier


def check_timezone(name: str, *, field: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{name!r} is not a known time zone (e.g. America/Chicago)", field=field) from None


@dataclass(frozen=True)
class ClinicSettings:
    """The clinic's own settings: name, time zone, week start, group size limit, idle lock,
    bell, levels of care (required hours a week), recovery-plan review interval, billing codes
    and places of service, and the grace after a session's scheduled end before it is no
    longer continued on the clock."""

    name: str
    timezone: str
    week_start: str = "monday"
    group_cap: int = DEFAULT_GROUP_CAP
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    bell: bool = False
    levels_of_care: dict[str, float] = field(default_factory=lambda: dict(LEVELS_OF_CARE))
    plan_review_days: int = DEFAULT_PLAN_REVIEW_DAYS
    # Billing (export billing): the service code each level is claimed under, the clinic's
    # place of service, and a telehealth day's place of service and modifier (core.rules).
    billing_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BILLING_CODES))
    place_of_service: str = DEFAULT_PLACE_OF_SERVICE
    telehealth_place_of_service: str = DEFAULT_TELEHEALTH_PLACE_OF_SERVICE
    telehealth_modifier: str = DEFAULT_TELEHEALTH_MODIFIER
    end_grace_minutes: int = DEFAULT_END_GRACE_MINUTES
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES   # the idle lock while a session runs
    # A clinic on a host (issue #21): the OS account that owns it and whose authorized_keys
    # lists the staff keys, and the absolute path of the forced command written there. Set
    # only by `host init` / `host adopt`, never by `settings set`; None on a laptop.
    service_user: str | None = None
    ssh_entry: str | None = None

    def __post_init__(self) -> None:
        self._check_host()
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("the clinic needs a name", field="name")
        check_name(self.name, field="name")
        check_timezone(self.timezone)
        if self.week_start not in WEEK_STARTS:
            raise InputError(f"{self.week_start!r} is not monday or sunday", field="week_start")
        # The same bounds as the strict reader's (core.fields), so whatever is made is read back.
        if isinstance(self.group_cap, bool) or not isinstance(self.group_cap, int) \
                or not 1 <= self.group_cap <= 10_000:
            raise InputError("the group size limit must be a whole number from 1 to 10000", field="group_cap")
        if isinstance(self.idle_minutes, bool) or not isinstance(self.idle_minutes, int) \
                or not 1 <= self.idle_minutes <= 10_000:
            raise InputError("idle minutes must be a whole number from 1 to 10000", field="idle_minutes")
        if isinstance(self.session_idle_minutes, bool) or not isinstance(self.session_idle_minutes, int) \
                or not 1 <= self.session_idle_minutes <= 10_000:
            raise InputError("session idle minutes must be a whole number from 1 to 10000",
                             field="session_idle_minutes")
        if isinstance(self.plan_review_days, bool) or not isinstance(self.plan_review_days, int) \
                or not 1 <= self.plan_review_days <= 365:
            raise InputError("the plan review interval must be a whole number of days from 1 to 365",
                             field="plan_review_days")
        self._check_billing()
        if isinstance(self.end_grace_minutes, bool) or not isinstance(self.end_grace_minutes, int) \
                or not 0 <= self.end_grace_minutes <= 10_000:
            raise InputError("the end grace must be a whole number of minutes from 0 to 10000",
                             field="end_grace_minutes")

    def _check_billing(self) -> None:
        if not isinstance(self.billing_codes, dict) or len(self.billing_codes) > 100:
            raise InputError("must be a table of levels of care and service codes", field="billing_codes")
        for level, code in self.billing_codes.items():
            if not isinstance(level, str) or not level or len(level) > fields.MAX_SHORT:
                raise InputError("must be a table of levels of care and service codes", field="billing_codes")
            check_service_code(code)
        check_place_of_service(self.place_of_service)
        if self.telehealth_place_of_service not in TELEHEALTH_PLACES_OF_SERVICE:
            raise InputError(f"{str(self.telehealth_place_of_service)[:20]!r} is not a telehealth place of "
                             f"service ({' or '.join(TELEHEALTH_PLACES_OF_SERVICE)})",
                             field="telehealth_place_of_service")
        check_modifier(self.telehealth_modifier)

    def _check_host(self) -> None:
        if self.service_user is not None:
            check_key_name(self.service_user, field="service_user")
            if self.service_user == "root":     # its authorized_keys would lock root out
                raise InputError("may not be root; use a system account such as facilitator",
                                 field="service_user")
        if self.ssh_entry is not None:
            check_path(self.ssh_entry, "ssh_entry")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def week_start_weekday(self) -> int:
        """Python weekday() of the first day of the clinic's week."""
        return 0 if self.week_start == "monday" else 6

    def default_hours(self, level: str) -> float:
        return self.levels_of_care[level]

    def billing_code(self, level: str) -> str | None:
        """The service code a day at ``level`` is claimed under; None: the clinic set none."""
        return self.billing_codes.get(level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "timezone": self.timezone, "week_start": self.week_start,
            "group_cap": self.group_cap, "idle_minutes": self.idle_minutes, "bell": self.bell,
            "levels_of_care": dict(self.levels_of_care), "plan_review_days": self.plan_review_days,
            "billing_codes": dict(self.billing_codes), "place_of_service": self.place_of_service,
            "telehealth_place_of_service": self.telehealth_place_of_service,
            "telehealth_modifier": self.telehealth_modifier,
            "end_grace_minutes": self.end_grace_minutes,
            "session_idle_minutes": self.session_idle_minutes,
        } | {key: value for key, value in (("service_user", self.service_user),
                                           ("ssh_entry", self.ssh_entry)) if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClinicSettings:
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
            # A file written before billing settings existed has the defaults.
            billing_codes=_billing_codes(data),
            place_of_service=fields.text(data, "place_of_service", DEFAULT_PLACE_OF_SERVICE, max_length=2),
            telehealth_place_of_service=fields.text(data, "telehealth_place_of_service",
                                                    DEFAULT_TELEHEALTH_PLACE_OF_SERVICE, max_length=2),
            telehealth_modifier=fields.text(data, "telehealth_modifier", DEFAULT_TELEHEALTH_MODIFIER,
                                            max_length=2),
            end_grace_minutes=fields.integer(data, "end_grace_minutes", DEFAULT_END_GRACE_MINUTES,
                                             low=0, high=10_000),
            session_idle_minutes=fields.integer(data, "session_idle_minutes", DEFAULT_SESSION_IDLE_MINUTES,
                                                low=1, high=10_000),
            service_user=fields.optional_text(data, "service_user", max_length=32),
            ssh_entry=fields.optional_text(data, "ssh_entry", max_length=4096),
        )

    def with_changes(self, **changes: Any) -> ClinicSettings:
        return replace(self, **changes)


def _billing_codes(data: dict[str, Any]) -> dict[str, str]:
    codes = data.get("billing_codes", DEFAULT_BILLING_CODES) if isinstance(data, dict) else None
    if not isinstance(codes, dict) or len(codes) > 100 or not all(
            isinstance(k, str) and len(k) <= fields.MAX_SHORT and isinstance(v, str) and len(v) <= 5
            for k, v in codes.items()):
        raise InputError("must be a table of levels of care and service codes", field="billing_codes")
    return dict(codes)


@dataclass(frozen=True)
class Staff:
    """A staff member, identified by their operating-system account name (a laptop, a
    single-user clinic) or, on a host, by their SSH keys (``keys``: each ``"TYPE BASE64"``,
    see ``core.sshkeys``; the acting user comes from the forced command of the key's line)."""

    user: str
    display_name: str
    role: Role
    active: bool = True
    keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.user, field="user")
        check_name(self.display_name, field="display_name")
        if not isinstance(self.keys, tuple) or len(self.keys) > MAX_KEYS:
            raise InputError(f"must be a list of at most {MAX_KEYS} keys", field="keys")
        if self.keys:
            check_key_name(self.user, field="user")
            if len(set(self.keys)) != len(self.keys):
                raise InputError("lists one key twice", field="keys")
            for key in self.keys:
                if not isinstance(key, str) or parse_public_key(key) != key:
                    raise InputError("must hold only public keys as TYPE BASE64", field="keys")

    def to_dict(self) -> dict[str, Any]:
        # "keys" only when there are any: a clinic without keys keeps its bytes.
        return {"user": self.user, "display_name": self.display_name,
                "role": str(self.role), "active": self.active} | ({"keys": list(self.keys)} if self.keys else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Staff:
        return cls(user=fields.text(data, "user"), display_name=fields.name(data, "display_name"),
                   role=fields.choice(data, "role", Role), active=fields.boolean(data, "active", True),
                   keys=fields.texts(data, "keys", max_items=MAX_KEYS, max_length=MAX_LINE))


MAX_KEYS = 20      # one staff member's keys (a laptop, a phone, a hardware key or two...)


def _as_read(name: str) -> str:
    """A name as a person reads it: case and accents aside ("María" and "maria" are one)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def staff_name(user: str | None, staff: Mapping[str, Staff]) -> str:
    """Who signed, co-signed or wrote, as a person reads it: the staff member's name; with
    the account id in brackets where another staff member (former ones included) has the
    same name; an account that is not on the staff list shows as its id, in brackets."""
    if not user:
        return "?"
    member = staff.get(user)
    if member is None:
        return f"({user}, not on the staff list)"
    read = _as_read(member.display_name)
    if any(other.user != user and _as_read(other.display_name) == read for other in staff.values()):
        return f"{member.display_name} ({user})"
    return member.display_name
