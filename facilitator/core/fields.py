"""Reading one stored document field by field: the strict reader's building blocks.

Every ``from_dict`` of a stored shape (session header, block, attendance, note, client,
group, staff, settings, hours entry) reads its fields through these, so a file whose field
has the wrong type, a time without a time zone, an unknown status or an absurd date is
refused when it is read (by every command and by ``verify`` alike), never half-used.

Errors are ``InputError`` naming the field, never repeating the value (a value may be a
client's name or note text). The store turns them into ``DamagedFile`` naming the file.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from facilitator.core.errors import InputError
from facilitator.core.parsing import check_day

E = TypeVar("E", bound=Enum)
_MISSING = object()

# A client id: letters, digits, '.', '_' or '-', up to 32 (roster.check_client_id).
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")

# Longest free text a stored field may hold (a note body, an attendance comment).
MAX_TEXT = 100_000
# Longest short text: ids, titles, account names.
MAX_SHORT = 200


def _get(data: dict[str, Any], key: str, default: Any) -> Any:
    try:
        value = data.get(key, default)
    except AttributeError:
        raise InputError("is not a table of fields", field=key) from None
    if value is _MISSING:
        raise InputError("is missing", field=key)
    return value


# The readers below inline ``_get``'s common case (a dict holding the key): ``verify`` reads
# every field of five years of records, and the extra call was a sixth of its time.


def text(data: dict[str, Any], key: str, default: Any = _MISSING, *,
         max_length: int = MAX_SHORT) -> str:
    value = data.get(key, _MISSING) if type(data) is dict else _MISSING
    if value is _MISSING:
        value = _get(data, key, default)
    if not isinstance(value, str):
        raise InputError(f"must be text, not {_kind(value)}", field=key)
    if len(value) > max_length:
        raise InputError(f"is longer than {max_length} characters", field=key)
    return value


def client_id(data: dict[str, Any], key: str) -> str:
    value = data.get(key, _MISSING) if type(data) is dict else _MISSING
    if value is _MISSING:
        value = _get(data, key, _MISSING)
    if not isinstance(value, str):
        raise InputError(f"must be a client id (text), not {_kind(value)}", field=key)
    if not CLIENT_ID.match(value):
        raise InputError("is not a client id (letters, digits, '.', '_' or '-', up to 32)", field=key)
    return value


def name(data: dict[str, Any], key: str, default: Any = _MISSING) -> str:
    """A person's or a group's name, under the one name rule (``core.names``)."""
    from facilitator.core.names import check_name
    return check_name(_get(data, key, default), field=key)


def optional_text(data: dict[str, Any], key: str, *, max_length: int = MAX_SHORT) -> str | None:
    value = data.get(key) if type(data) is dict else _get(data, key, None)
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= max_length:
        return value
    return text(data, key, max_length=max_length)      # says what is wrong


def texts(data: dict[str, Any], key: str, *, max_items: int = 1000,
          max_length: int = MAX_SHORT) -> tuple[str, ...]:
    value = _get(data, key, [])
    if not isinstance(value, list) or len(value) > max_items:
        raise InputError(f"must be a list of at most {max_items} texts", field=key)
    for item in value:
        if not isinstance(item, str) or len(item) > max_length:
            raise InputError(f"must hold only texts of at most {max_length} characters", field=key)
    return tuple(value)


def integer(data: dict[str, Any], key: str, default: Any = _MISSING, *,
            low: int = 0, high: int = 10**9) -> int:
    value = data.get(key, _MISSING) if type(data) is dict else _MISSING
    if value is _MISSING:
        value = _get(data, key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"must be a whole number, not {_kind(value)}", field=key)
    if not low <= value <= high:
        raise InputError(f"must be between {low} and {high}", field=key)
    return value


def number(data: dict[str, Any], key: str, default: Any = _MISSING, *,
           low: float = 0, high: float = 10**9) -> float:
    value = _get(data, key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InputError(f"must be a number, not {_kind(value)}", field=key)
    if not low <= value <= high:
        raise InputError(f"must be between {low:g} and {high:g}", field=key)
    return float(value)


def boolean(data: dict[str, Any], key: str, default: Any = _MISSING) -> bool:
    value = data.get(key, _MISSING) if type(data) is dict else _MISSING
    if value is _MISSING:
        value = _get(data, key, default)
    if not isinstance(value, bool):
        raise InputError(f"must be true or false, not {_kind(value)}", field=key)
    return value


def choice(data: dict[str, Any], key: str, enum: type[E], default: Any = _MISSING) -> E:
    value = data.get(key, _MISSING) if type(data) is dict else _MISSING
    if value is _MISSING:
        value = _get(data, key, default)
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except (ValueError, TypeError):
        known = ", ".join(str(member.value) for member in enum)
        raise InputError(f"is not one of {known}", field=key) from None


# Texts already read as an aware time in range, and the time (datetimes are immutable). A
# session file repeats a few times many times over; verify reads five years of them.
_AWARE: dict[str, datetime] = {}


def aware_value(value: Any, *, field: str) -> datetime:
    """An ISO-8601 text with a UTC offset, as a timezone-aware datetime in the range."""
    if type(value) is str:
        known = _AWARE.get(value)
        if known is not None:
            return known
    when = _aware_value(value, field=field)
    if len(_AWARE) >= 4096:
        _AWARE.clear()
    _AWARE[value] = when
    return when


def _aware_value(value: Any, *, field: str) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise InputError(f"must be a date and time, not {_kind(value)}", field=field)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InputError("is not an ISO-8601 date and time", field=field) from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError("is a time without a time zone (stored times carry their UTC offset)",
                         field=field)
    check_day(when.date(), field=field)
    return when


def aware(data: dict[str, Any], key: str) -> datetime:
    value = data.get(key, _MISSING) if type(data) is dict else _MISSING
    if value is _MISSING:
        value = _get(data, key, _MISSING)
    return aware_value(value, field=key)


def optional_aware(data: dict[str, Any], key: str) -> datetime | None:
    value = data.get(key) if type(data) is dict else _get(data, key, None)
    return None if value is None else aware_value(value, field=key)


def day_value(value: Any, *, field: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise InputError(f"must be a date (YYYY-MM-DD), not {_kind(value)}", field=field)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError("is not a date (YYYY-MM-DD)", field=field) from None
    return check_day(day, field=field)


def day(data: dict[str, Any], key: str, default: Any = _MISSING) -> date:
    return day_value(_get(data, key, default), field=key)


def optional_day(data: dict[str, Any], key: str) -> date | None:
    value = _get(data, key, None)
    return None if value is None else day_value(value, field=key)


def require_aware(value: datetime | None, *, field: str) -> None:
    """For ``__post_init__``: a datetime being stored must carry its time zone."""
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None
                              or value.utcoffset() is None):
        raise InputError("is a time without a time zone", field=field)


def _kind(value: Any) -> str:
    """What a value is, without repeating it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__
