"""Session plans: the agenda a group is meant to run, as validated data.

A plan is a titled sequence of blocks (check-in, education, break, ...), each with
planned minutes, facilitator prompts and an optional exercise. Plans are read from
TOML files by ``facilitator.store.plans``; this module only validates the parsed
dictionary, so every mistake becomes one ``InputError`` naming the field path
(``blocks[3].minutes``) and, when known, the block's title.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from facilitator.core.errors import InputError, printable
from facilitator.core.names import bad_character
from facilitator.core.rules import BlockKind
from facilitator.core.session import BlockRun

# The longest block a plan may ask for (a whole 3-hour evening is 180 minutes).
MAX_BLOCK_MINUTES = 240

# What kind of session a plan is; used to group plans in the picker.
PLAN_KINDS: tuple[str, ...] = (
    "early-recovery",
    "relapse-prevention",
    "family-education",
    "social-support",
    "iop-evening",
    "php-day",
    "other",
)

PLAN_KEYS: tuple[str, ...] = ("id", "title", "kind", "description", "blocks")
REQUIRED_PLAN_KEYS: tuple[str, ...] = ("title", "kind", "blocks")
BLOCK_KEYS: tuple[str, ...] = ("kind", "title", "minutes", "countable", "prompts", "exercise")
REQUIRED_BLOCK_KEYS: tuple[str, ...] = ("kind", "title", "minutes")

_PLAN_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Block:
    """One block of a session plan: its kind, title, planned minutes, whether the
    minutes count toward clients' hours, and the facilitator's prompts."""

    kind: BlockKind
    title: str
    minutes: int
    countable: bool
    prompts: tuple[str, ...] = ()
    exercise: str | None = None


@dataclass(frozen=True)
class SessionPlan:
    """A session plan from the library: an id, a title, a kind and its agenda blocks."""

    plan_id: str
    title: str
    kind: str
    description: str
    blocks: tuple[Block, ...]

    @property
    def total_minutes(self) -> int:
        return sum(block.minutes for block in self.blocks)

    @property
    def countable_minutes(self) -> int:
        return sum(block.minutes for block in self.blocks if block.countable)

    def block_runs(self) -> tuple[BlockRun, ...]:
        """The plan's blocks as a fresh agenda (positions 0..n-1, nothing started)."""
        return tuple(
            BlockRun(position=i, kind=block.kind, title=block.title,
                     planned_minutes=block.minutes, countable=block.countable)
            for i, block in enumerate(self.blocks)
        )


def valid_plan_id(text: str) -> bool:
    """Lowercase letters, digits and single hyphens: ``iop-evening-triggers``."""
    return bool(_PLAN_ID.match(text))


def _quoted(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _check_keys(data: dict[str, Any], allowed: tuple[str, ...], required: tuple[str, ...],
                *, source: str, prefix: str, what: str) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(
                f"unknown key {str(key)!r} in {what}{hint}; the keys are {_quoted(allowed)}",
                file=source, field=f"{prefix}{key}")
    for key in required:
        if key not in data:
            raise InputError(f"{what} is missing the required key '{key}'",
                             file=source, field=f"{prefix}{key}")


def _text(value: Any, *, source: str, field: str, what: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InputError(f"{what} must be text in quotes, not {_describe(value)}",
                         file=source, field=field)
    text = value.strip()
    if not text and not allow_empty:
        raise InputError(f"{what} is empty", file=source, field=field)
    return text


def _title(value: Any, *, source: str, field: str, what: str) -> str:
    """A plan's or a block's title: shown on every screen of a session, so it follows the
    name rule (core.names: no control character, direction override or escape sequence)."""
    text = _text(value, source=source, field=field, what=what)
    char = bad_character(text)
    if char is not None:
        raise InputError(f"{what} holds the invisible or control character U+{ord(char):04X}; "
                         f"titles may not hold control characters, direction overrides or escape "
                         f"sequences", file=source, field=field)
    return text


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _block_from_dict(data: Any, index: int, *, source: str) -> Block:
    prefix = f"blocks[{index}]"
    if not isinstance(data, dict):
        raise InputError(f"block {index + 1} must be a table ([[blocks]]), not {_describe(data)}",
                         file=source, field=prefix)
    raw_title = data.get("title")
    named = (f"block {index + 1} ('{printable(raw_title.strip())}')"
             if isinstance(raw_title, str) and raw_title.strip() else f"block {index + 1}")
    _check_keys(data, BLOCK_KEYS, REQUIRED_BLOCK_KEYS, source=source,
                prefix=f"{prefix}.", what=named)

    title = _title(data["title"], source=source, field=f"{prefix}.title",
                  what=f"the title of block {index + 1}")

    raw_kind = data["kind"]
    try:
        kind = BlockKind(raw_kind)
    except ValueError:
        valid = _quoted([k.value for k in BlockKind])
        raise InputError(f"{named} has unknown kind {raw_kind!r}; the kinds are {valid}",
                         file=source, field=f"{prefix}.kind") from None

    minutes = data["minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not 1 <= minutes <= MAX_BLOCK_MINUTES:
        raise InputError(
            f"{named} minutes must be a whole number from 1 to {MAX_BLOCK_MINUTES}, "
            f"not {_describe(minutes)}",
            file=source, field=f"{prefix}.minutes")

    countable = data.get("countable", kind.countable_by_default)
    if not isinstance(countable, bool):
        raise InputError(f"{named} countable must be true or false, not {_describe(countable)}",
                         file=source, field=f"{prefix}.countable")
    if countable and not kind.countable_by_default:
        raise InputError(f"{named} is a {kind.value}, which is never treatment time; "
                         f"remove 'countable = true'",
                         file=source, field=f"{prefix}.countable")

    raw_prompts = data.get("prompts", [])
    if not isinstance(raw_prompts, list):
        raise InputError(f"{named} prompts must be a list of texts, not {_describe(raw_prompts)}",
                         file=source, field=f"{prefix}.prompts")
    prompts = tuple(
        _text(p, source=source, field=f"{prefix}.prompts[{j}]",
              what=f"prompt {j + 1} of {named}")
        for j, p in enumerate(raw_prompts)
    )

    exercise = data.get("exercise")
    if exercise is not None:
        exercise = _text(exercise, source=source, field=f"{prefix}.exercise",
                         what=f"the exercise of {named}")
    return Block(kind=kind, title=title, minutes=minutes, countable=countable,
                 prompts=prompts, exercise=exercise)


def plan_from_dict(data: dict[str, Any], *, source: str,
                   plan_id: str | None = None) -> SessionPlan:
    """Validate a parsed plan file and build the plan.

    ``source`` names the file in error messages. The plan id is ``plan_id`` (the
    file stem, given by the store) or else the ``id`` key; when both are present
    they must agree.
    """
    if not isinstance(data, dict):
        raise InputError("a session plan must be a table of keys", file=source)
    _check_keys(data, PLAN_KEYS, REQUIRED_PLAN_KEYS, source=source, prefix="", what="the plan")

    declared = data.get("id")
    if declared is not None:
        declared = _text(declared, source=source, field="id", what="the plan id")
    if plan_id is not None and declared is not None and declared != plan_id:
        raise InputError(f"the plan id {declared!r} does not match the file name "
                         f"(expected {plan_id!r}); rename the file or fix the id",
                         file=source, field="id")
    chosen = plan_id if plan_id is not None else declared
    if chosen is None:
        raise InputError("the plan has no id", file=source, field="id")
    if not valid_plan_id(chosen):
        raise InputError(f"{chosen!r} is not a valid plan id (use lowercase letters, digits "
                         f"and '-', like 'iop-evening-triggers')", file=source, field="id")

    title = _title(data["title"], source=source, field="title", what="the plan title")

    kind = data["kind"]
    if kind not in PLAN_KINDS:
        raise InputError(f"unknown plan kind {kind!r}; the kinds are {_quoted(PLAN_KINDS)}",
                         file=source, field="kind")

    description = _text(data.get("description", ""), source=source, field="description",
                        what="the description", allow_empty=True)

    raw_blocks = data["blocks"]
    if not isinstance(raw_blocks, list):
        raise InputError(f"blocks must be a list of [[blocks]] tables, not {_describe(raw_blocks)}",
                         file=source, field="blocks")
    if not raw_blocks:
        raise InputError("the plan has no blocks; add at least one [[blocks]] table",
                         file=source, field="blocks")
    blocks = tuple(_block_from_dict(b, i, source=source) for i, b in enumerate(raw_blocks))
    return SessionPlan(plan_id=chosen, title=title, kind=kind, description=description,
                       blocks=blocks)
