"""Changing the clinic's settings: admins only, validated, one atomic write, audited.

The settings are typed by people (``facilitator settings set group-cap 10``, the app's
settings form), so each one has a parser here that turns the typed text into a value or
an ``InputError`` naming the setting. ``change_settings`` checks the values again (a
caller may pass them directly), builds the new ``ClinicSettings`` (which validates the
whole), and writes it in one clinic-file transaction: a refused change writes nothing.

Keys are spelled as on the command line (``group-cap``); ``FIELDS`` maps them to the
``ClinicSettings`` attribute names (``group_cap``).
"""

from __future__ import annotations

from typing import Any

from facilitator.core.clinic import (
    WEEK_STARTS,
    ClinicSettings,
    check_modifier,
    check_place_of_service,
    check_service_code,
    check_timezone,
)
from facilitator.core.errors import InputError
from facilitator.core.names import check_name
from facilitator.core.parsing import check_digits
from facilitator.core.rules import TELEHEALTH_PLACES_OF_SERVICE
from facilitator.store.datadir import DataDir
from facilitator.store.files import DamagedFile

# Bounds for what a person may type. Not program rules (those are in core/rules.py): a
# cap of 500 or a lock after a day would be a typo, and the idle lock is a safeguard.
MAX_GROUP_CAP = 50
MAX_IDLE_MINUTES = 60
MAX_NAME_LENGTH = 80
MAX_PLAN_REVIEW_DAYS = 365
MAX_END_GRACE_MINUTES = 240   # a session left running is asked about at most 4 h after its end

# command-line key -> ClinicSettings attribute, in the order `settings show` prints them.
FIELDS: dict[str, str] = {
    "name": "name",
    "timezone": "timezone",
    "week-start": "week_start",
    "group-cap": "group_cap",
    "idle-minutes": "idle_minutes",
    "bell": "bell",
    "plan-review-days": "plan_review_days",
    "billing-code": "billing_codes",
    "place-of-service": "place_of_service",
    "telehealth-place-of-service": "telehealth_place_of_service",
    "telehealth-modifier": "telehealth_modifier",
    "end-grace-minutes": "end_grace_minutes",
    "session-idle-minutes": "session_idle_minutes",
}
KEYS: tuple[str, ...] = tuple(FIELDS)
KEY_OF: dict[str, str] = {attr: key for key, attr in FIELDS.items()}

_WHOLE: dict[str, tuple[str, int]] = {
    "group-cap": ("the group size limit", MAX_GROUP_CAP),
    "idle-minutes": ("idle minutes", MAX_IDLE_MINUTES),
    "plan-review-days": ("the plan review interval (days)", MAX_PLAN_REVIEW_DAYS),
    "end-grace-minutes": ("the end grace (minutes past a session's scheduled end)", MAX_END_GRACE_MINUTES),
    "session-idle-minutes": ("idle minutes while a session runs", MAX_IDLE_MINUTES),
}
_LOW: dict[str, int] = {"end-grace-minutes": 0}   # no grace: past the scheduled end, ask
_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0")


def _whole(text: str, key: str, what: str, low: int, high: int) -> int:
    message = f"{what} must be a whole number from {low} to {high}"
    cleaned = check_digits(text, field=key).strip()
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 6:
        shown = cleaned if len(cleaned) <= 20 else cleaned[:20] + "…"
        raise InputError(f"{shown!r} is not a number; {message}", field=key)
    value = int(cleaned)
    if not low <= value <= high:
        raise InputError(f"{value} is out of range; {message}", field=key)
    return value


def parse_value(key: str, text: str) -> Any:
    """The value of setting ``key`` typed as ``text``; ``InputError`` naming ``key`` if bad.

    ``billing-code`` takes a level of care and a code, ``"PHP H0035"``, and gives
    ``{"PHP": "H0035"}``: the one level it changes (``change_settings`` keeps the others)."""
    if key not in FIELDS:
        raise InputError(f"{key!r} is not a setting ({', '.join(KEYS)})", field="KEY")
    text = str(text)
    if key == "billing-code":
        words = text.split()
        if len(words) != 2:
            raise InputError("billing-code takes a level of care and a service code, "
                             "e.g. `settings set billing-code PHP H0035`", field=key)
        return {words[0]: check_service_code(words[1].upper(), field=key)}
    if key == "place-of-service":
        return check_place_of_service(text.strip(), field=key)
    if key == "telehealth-place-of-service":
        place = text.strip()
        if place not in TELEHEALTH_PLACES_OF_SERVICE:
            raise InputError(f"{place[:20]!r} is not a telehealth place of service: 10 (the "
                             f"member's home) or 02 (elsewhere)", field=key)
        return place
    if key == "telehealth-modifier":
        return check_modifier(text.strip().upper(), field=key)
    if key == "name":
        return _check_name(text)
    if key == "timezone":
        name = text.strip()
        check_timezone(name, field=key)
        return name
    if key == "week-start":
        day = text.strip().lower()
        if day not in WEEK_STARTS:
            raise InputError(f"{text.strip()!r} is not monday or sunday", field=key)
        return day
    if key in _WHOLE:
        what, high = _WHOLE[key]
        return _whole(text, key, what, _LOW.get(key, 1), high)
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InputError(f"{text.strip()!r} is not on or off (also true/false, yes/no)", field=key)


def _check_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise InputError("the clinic needs a name", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"the clinic name is longer than {MAX_NAME_LENGTH} characters", field="name")
    return check_name(name, field="name", max_length=MAX_NAME_LENGTH)   # the one name rule


def _check(attr: str, value: Any) -> Any:
    """``value`` for ``attr`` as given by code (not typed text): the same rules as typed."""
    key = KEY_OF.get(attr)
    if key is None:
        raise InputError(f"{attr!r} is not a setting ({', '.join(KEYS)})", field="KEY")
    if key == "bell":
        if not isinstance(value, bool):
            raise InputError("the bell is on or off", field=key)
        return value
    if key == "billing-code":
        if not isinstance(value, dict) or not value:
            raise InputError("billing-code takes a level of care and a service code", field=key)
        return {str(level): check_service_code(code, field=key) for level, code in value.items()}
    if key in _WHOLE:
        what, high = _WHOLE[key]
        low = _LOW.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InputError(f"{what} must be a whole number from {low} to {high}", field=key)
        return value
    if not isinstance(value, str):
        raise InputError(f"the {key} must be text", field=key)
    return parse_value(key, value)


def value_text(settings: ClinicSettings, key: str) -> str:
    """How ``settings show`` prints one setting."""
    value = getattr(settings, FIELDS[key])
    if isinstance(value, dict):
        return ", ".join(f"{level} {code}" for level, code in value.items())
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def settings_lines(settings: ClinicSettings) -> list[str]:
    """``key: value`` lines, the levels of care last (their weekly hours)."""
    lines = [f"{key}: {value_text(settings, key)}" for key in KEYS]
    levels = ", ".join(f"{level} {hours:g} h" for level, hours in settings.levels_of_care.items())
    lines.append(f"levels-of-care: {levels}")
    return lines


def may_change_settings(data: DataDir) -> None:
    """Refuse (``PermissionDenied``, audited "denied") unless the acting user may change the
    clinic's settings: the settings screen asks before it reads what was typed, so a refusal
    is audited whatever was typed; ``change_settings`` asks again."""
    data.require("settings.change")


def change_settings(data: DataDir, **changes: Any) -> ClinicSettings:
    """Store ``changes`` (attribute names: ``group_cap=10``); returns the settings now stored.

    Admins only (a refusal is audited). Every value is checked before anything is written;
    a bad one raises ``InputError`` naming the setting and leaves the file as it was.
    Changing nothing writes nothing.
    """
    data.require("settings.change")
    checked = {attr: _check(attr, value) for attr, value in changes.items()}
    with data.change("settings.change", "settings") as change, data.clinic_file.transaction() as db:
        table = db.table("settings")
        docs = table.all()
        if len(docs) != 1:
            raise DamagedFile(data.clinic_file.path, "it has no clinic settings")
        current = ClinicSettings.from_dict(docs[0])
        if "billing_codes" in checked:     # one level's code changes; the others stay
            checked["billing_codes"] = {**current.billing_codes,
                                        **_levels_of(current, checked["billing_codes"])}
        try:
            updated = current.with_changes(**checked)
        except InputError as err:
            raise InputError(err.message, field=KEY_OF.get(err.field or "", err.field)) from None
        changed = {attr: value for attr, value in checked.items() if getattr(current, attr) != value}
        if not changed:
            change.cancel()
            return current
        change.detail.update({attr: f"{_shown(getattr(current, attr))} -> {_shown(value)}"
                              for attr, value in changed.items()})
        table.update(updated.to_dict(), doc_ids=[docs[0].doc_id])
    return updated


def _levels_of(current: ClinicSettings, codes: dict[str, str]) -> dict[str, str]:
    """``codes`` by the clinic's own spelling of each level (``php`` is PHP); a level the
    clinic does not have is refused."""
    spelled = {level.casefold(): level for level in current.levels_of_care}
    out = {}
    for level, code in codes.items():
        if level.casefold() not in spelled:
            raise InputError(f"{level[:40]!r} is not a level of care ({', '.join(current.levels_of_care)})",
                             field="billing-code")
        out[spelled[level.casefold()]] = code
    return out


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
