"""Drafting an individualized group progress note from what really happened.

The brief's note contents: group name and type, topic, date, start and end time
(duration), facilitator(s), number of participants, interventions used, the client's
participation and response, and the plan. Other members appear by initials only.

A draft is built from the session record (agenda as actually run, real times,
attendance) and this client's picks and free text, so two clients' notes differ
wherever their sessions differed; nothing is copied from another client's note.
Pure: the current time (for a session still running) is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from facilitator.core.confidentiality import NameFinder
from facilitator.core.errors import InputError
from facilitator.core.hours import attended_minutes, block_minutes, countable_minutes
from facilitator.core.plan_progress import in_blocks, plan_progress_part
from facilitator.core.plans import SessionPlan
from facilitator.core.recovery import RecoveryPlan
from facilitator.core.roster import Client
from facilitator.core.rules import PARTICIPATION_PHRASES, PARTICIPATION_PICKS, BlockKind, Status
from facilitator.core.session import AttendanceEntry, BlockRun, SessionRecord

NOT_GIVEN = object()   # draft_note(plan=...) not passed: no plan part (callers that know no plans)

PLAN = "Plan: continue current level of care; review progress toward goals at next session."
PLAN_MISSED = ("Plan: continue current level of care; follow up on the missed session "
               "and review progress toward goals at next session.")

DEFAULT_GROUP_TYPE = "group therapy"
NO_TOPIC = "not recorded"
# A plan's kind (core.plans.PLAN_KINDS) as the "type" a progress note names.
GROUP_TYPES: dict[str, str] = {
    "early-recovery": "early recovery skills group",
    "relapse-prevention": "relapse prevention group",
    "family-education": "family education group",
    "social-support": "social support group",
    "iop-evening": "IOP group therapy",
    "php-day": "partial hospitalization program group therapy",
}


def group_type_of(plan: SessionPlan | None) -> str:
    """The note's group type for a ``core.plans.SessionPlan`` (or None)."""
    if plan is None:
        return DEFAULT_GROUP_TYPE
    return GROUP_TYPES.get(plan.kind, DEFAULT_GROUP_TYPE)


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_STATUS_TEXT = {
    Status.PRESENT: "present",
    Status.LATE: "late arrival",
    Status.LEFT_EARLY: "left early",
    Status.ABSENT: "absent",
    Status.EXCUSED: "excused absence (notice given)",
    Status.TELEHEALTH: "attended by telehealth",
}
_LABELS = {label.casefold(): key for key, label in PARTICIPATION_PICKS}
_ORDER = {key: i for i, (key, _) in enumerate(PARTICIPATION_PICKS)}


# --- redaction ------------------------------------------------------------------------------

def redact_others(text: str, client: Client, others: Iterable[Client]) -> str:
    """``text`` with other clients' names replaced by their initials (see ``redactor``)."""
    return redactor(client, others)(text)


def redactor(client: Client, others: Iterable[Client]) -> Callable[[str], str]:
    """A function that replaces other clients' names in a text by their initials.

    The names check of ``core.confidentiality`` (one rule for drafting and for the
    "names another group member" flag): full names ("Sam Bell", "Bell, Sam"), first
    names and last names, as whole words, without regard to case or accents. A bare
    name that is also one of ``client``'s own names stays (it may be theirs); a bare
    name two others share becomes "a peer"; a name that is an everyday word ("will",
    "hope") is taken as the name only when written with a capital.
    """
    others = [o for o in others if o.client_id != client.client_id]
    if not others:
        return lambda text: text
    return NameFinder(client, others).with_initials


# --- times ----------------------------------------------------------------------------------

def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _minutes(delta: timedelta) -> int:
    """Whole minutes, rounded down (as credited minutes are)."""
    return max(0, int(delta.total_seconds() // 60))


def _clock(value: datetime, like: datetime) -> str:
    return value.astimezone(like.tzinfo).strftime("%H:%M")


def _presence(block: BlockRun, end_default: datetime, window: tuple[datetime, datetime] | None) -> str:
    """' (client not present)' / ' (client present for part)' against the client's time in the room."""
    if window is None or block.started_at is None:
        return ""
    start, end = _utc(block.started_at), _utc(block.ended_at or end_default)
    lo, hi = max(start, window[0]), min(end, window[1])
    if hi <= lo:
        return " (client not present)"
    if lo > start or hi < end:
        return " (client present for part)"
    return ""


OUTSIDE_BLOCKS = "- Outside the agenda's blocks: {minutes} min"


def _break_lines(block: BlockRun, note: str, redact: Callable[[str], str]) -> list[str]:
    """A break is listed only when it carries a note, so no note the counselor typed is lost."""
    if not note:
        return []
    return [f"- {redact(block.title)} (not treatment time)", f"  Group note: {redact(note)}"]


def _block_line(record: SessionRecord, block: BlockRun, ran: bool, note: str, redact: Callable[[str], str],
                now: datetime | None,
                end: datetime, window: tuple[datetime, datetime] | None) -> tuple[str | None, int]:
    """A countable block's line (None: not listed) and the treatment minutes it states."""
    title = redact(block.title)
    if not ran:
        return f"- {title} ({block.kind}): {block.planned_minutes} min planned", 0
    if block.started_at is None:
        return (f"- {title} ({block.kind}): not held" if note else None), 0
    minutes = block_minutes(record, block, now)
    if not minutes and not note:
        return None, 0
    cut = " (cut short)" if block.skipped else ""
    return f"- {title} ({block.kind}): {minutes} min{cut}{_presence(block, end, window)}", minutes


def _interventions(ctx: DraftContext) -> list[str]:
    """Countable blocks as run (their treatment minutes, ``core.hours.block_minutes``); as
    planned when the clock never ran them. Treatment time outside every block (before the
    agenda started, say) has a line of its own, so the lines add up to the session's minutes.

    ``ctx.window``: the client's time in the room, to mark blocks they missed (None: no marks).
    Each block's group note (typed in the participation pane) follows its block, redacted.
    """
    record, redact = ctx.record, ctx.redact
    ran = any(b.started_at for b in record.blocks)
    lines: list[str] = []
    stated = 0
    for block in record.blocks:
        note = " ".join(block.note.split())
        if block.kind is BlockKind.BREAK or not block.countable:
            lines += _break_lines(block, note, redact)
            continue
        line, minutes = _block_line(record, block, ran, note, redact, ctx.now, ctx.end, ctx.window)
        stated += minutes
        if line is not None:
            lines.append(line)
            lines += [f"  Group note: {redact(note)}"] if note else []
    if ran and ctx.countable > stated:
        lines.append(OUTSIDE_BLOCKS.format(minutes=ctx.countable - stated))
    return lines or ["- none recorded"]


# --- participation --------------------------------------------------------------------------

def _pick_key(pick: str) -> str:
    return pick if pick in PARTICIPATION_PHRASES else _LABELS.get(pick.strip().casefold(), pick)


NOTHING_RECORDED = "no participation or counselor notes were recorded for this session."


def _participation(entry: AttendanceEntry, first: str, redact: Callable[[str], str], titles: Mapping[int, str]) -> str:
    """The client's picks as sentences in their name, each with the blocks it was made in
    (issue #20: a word belongs to its block); never invented.

    With no pick and no text the draft says that nothing was recorded, so a counselor who
    signs it signs what is true, and the individualization check flags it beside any other.
    """
    if not entry.status.credits_time:
        return f"{first} did not attend this session."
    blocks: dict[str, list[int]] = {}
    for pick in entry.all_picks:
        if pick.strip():
            blocks.setdefault(_pick_key(pick), []).extend(entry.blocks_of(pick))
    session_words = {_pick_key(p) for p in entry.picks}
    keys = list(blocks)
    known = sorted((k for k in keys if k in PARTICIPATION_PHRASES), key=_ORDER.__getitem__)
    unknown = [k for k in keys if k not in PARTICIPATION_PHRASES]
    sentences = [f"{first} {PARTICIPATION_PHRASES[k]}"
                 f"{'' if k in session_words else in_blocks(sorted(set(blocks[k])), titles, redact)}."
                 for k in known]
    if unknown:
        sentences.append(f"Also noted: {redact('; '.join(unknown))}.")
    if sentences:
        return " ".join(sentences)
    if entry.text.strip():
        return "see the counselor's notes below."
    return f"{NOTHING_RECORDED[0].upper()}{NOTHING_RECORDED[1:]}"


def _attendance(entry: AttendanceEntry, start: datetime, end: datetime,
                credited: int, countable: int) -> tuple[str, str]:
    """The attendance line, and the plan's note on missed minutes ('' when none)."""
    when, reasons = [], []
    if entry.status.credits_time:
        if entry.arrived and _utc(entry.arrived) > _utc(start):
            when.append(f"arrived {_clock(entry.arrived, start)}")
            reasons.append("arrived late")
        if entry.left and _utc(entry.left) < _utc(end):
            when.append(f"left {_clock(entry.left, start)}")
            reasons.append("left early")
    status = _STATUS_TEXT[entry.status] + (f" ({', '.join(when)})" if when else "")
    line = f"Attendance: {status}; attended {credited} of {countable} treatment minutes."
    missed = ""
    if entry.status.credits_time and credited < countable:
        why = f" ({', '.join(reasons)})" if reasons else ""
        missed = (f" {countable - credited} treatment minutes were missed{why}; "
                  "review attendance against the weekly hours requirement.")
    return line, missed


# --- the note, as named parts -----------------------------------------------------------------

@dataclass(frozen=True)
class DraftContext:
    """Everything a part of the draft may read: the session, this client, and the facts
    worked out once (times, credited minutes, the client's window in the room).

    ``extras``: data a part needs from outside the session record (e.g. the client's
    recovery-plan goals), by name, so a new part needs no new parameter here.
    """

    record: SessionRecord
    client: Client
    entry: AttendanceEntry
    redact: Callable[[str], str]
    group_type: str
    topic: str
    staff: str
    start: datetime
    end: datetime
    countable: int
    credited: int
    window: tuple[datetime, datetime] | None
    extras: Mapping[str, object] = field(default_factory=dict)
    now: datetime | None = None      # a session still running: counted up to here


@dataclass(frozen=True)
class Part:
    """One named part of a draft: its lines as they appear in the note.

    ``individual``: the part says something about this client alone (what the
    individualization check compares; see ``core/likeness.py``).
    """

    name: str
    lines: tuple[str, ...]
    individual: bool = False


def part_header(ctx: DraftContext) -> Part:
    header, start, end = ctx.record.header, ctx.start, ctx.end
    attended = sum(1 for e in ctx.record.attendance.values() if e.status.credits_time)
    day = header.day
    return Part("header", (
        "GROUP PROGRESS NOTE",
        f"Client: {ctx.client.name}",
        f"Group: {header.group} ({ctx.group_type})",
        f"Topic: {ctx.redact(ctx.topic)}",
        f"Date: {_DAY_NAMES[day.weekday()]} {day.isoformat()}",
        f"Time: {_clock(start, start)}-{_clock(end, start)} ({_minutes(_utc(end) - _utc(start))} min)",
        f"Facilitator(s): {ctx.staff or 'not recorded'}",
        f"Participants: {attended}",
    ))


def part_interventions(ctx: DraftContext) -> Part:
    return Part("interventions", ("Interventions:", *_interventions(ctx)))


def part_attendance(ctx: DraftContext) -> Part:
    line, _ = _attendance(ctx.entry, ctx.start, ctx.end, ctx.credited, ctx.countable)
    return Part("attendance", (line,))


def part_participation(ctx: DraftContext) -> Part:
    titles = {b.position: b.title for b in ctx.record.blocks}
    lines = [f"{PARTICIPATION_HEADING} "
             f"{_participation(ctx.entry, ctx.client.first_name, ctx.redact, titles)}"]
    if ctx.entry.text.strip():
        lines.append(f"{COUNSELOR_HEADING} {ctx.redact(ctx.entry.text.strip())}")
    return Part("participation", tuple(lines), individual=True)


def part_plan(ctx: DraftContext) -> Part:
    if not ctx.entry.status.credits_time:
        return Part("plan", (PLAN_MISSED,))
    _, missed = _attendance(ctx.entry, ctx.start, ctx.end, ctx.credited, ctx.countable)
    return Part("plan", (PLAN + missed,))


def part_goals(ctx: DraftContext) -> Part | None:
    """"Progress toward plan goals" (core/plan_progress.py), when the caller passed the
    client's recovery plan as ``extras["plan"]`` (None: no plan on file)."""
    if "plan" not in ctx.extras:
        return None
    plan = ctx.extras["plan"]
    return Part("goals", tuple(plan_progress_part(plan, ctx.entry, ctx.record,  # type: ignore[arg-type]
                                                  ctx.client.first_name, ctx.redact)))


PARTICIPATION_HEADING = "Participation and response:"
COUNSELOR_HEADING = "Counselor notes:"
PLAN_HEADING = "Plan:"

# The parts of every draft, in order. A new part is one function added here.
DRAFT_PARTS: tuple[Callable[[DraftContext], Part | None], ...] = (
    part_header, part_interventions, part_attendance, part_participation, part_goals, part_plan,
)


def draft_context(
    record: SessionRecord,
    client: Client,
    *,
    clients: Mapping[str, Client],
    group_type: str,
    topic: str,
    facilitators: Sequence[str],
    now_end: datetime | None = None,
    extras: Mapping[str, object] | None = None,
) -> DraftContext:
    entry = record.attendance.get(client.client_id)
    if entry is None:
        raise InputError(f"{client.client_id} has no attendance at this session", field="client_id")
    redact = redactor(client, [c for c in clients.values() if c.client_id != client.client_id])
    header = record.header
    start = header.start
    end = header.actual_end or now_end or header.scheduled_end
    now = now_end if header.actual_end is None else None
    window = None
    if entry.status.credits_time:
        window = (max(_utc(entry.arrived or start), _utc(start)), min(_utc(entry.left or end), _utc(end)))
    return DraftContext(
        record=record, client=client, entry=entry, redact=redact, group_type=group_type,
        topic=topic,
        staff=", ".join(f for f in facilitators if f.strip()) or ", ".join(header.facilitators),
        start=start, end=end,
        countable=countable_minutes(record, now), credited=attended_minutes(record, client.client_id, now),
        window=window, extras=dict(extras or {}), now=now)


def draft_parts(ctx: DraftContext,
                parts: Sequence[Callable[[DraftContext], Part | None]] = DRAFT_PARTS) -> list[Part]:
    return [part for make in parts if (part := make(ctx)) is not None]


def draft_note(
    record: SessionRecord,
    client: Client,
    *,
    clients: Mapping[str, Client],
    group_type: str,
    topic: str,
    facilitators: Sequence[str],
    now_end: datetime | None = None,
    plan: RecoveryPlan | None | object = NOT_GIVEN,
    extras: Mapping[str, object] | None = None,
) -> str:
    """The client's progress note for ``record``, drafted from what happened.

    ``clients``: everyone whose name must not appear (by client id); ``facilitators``:
    display names (the header's staff ids when empty); ``now_end``: the end to use while
    the session is still running (no actual end yet); ``plan``: the client's recovery plan
    (None: none on file), which adds the "Progress toward plan goals" part. Raises InputError when the client
    has no attendance entry at this session.
    """
    if plan is not NOT_GIVEN:   # the recovery-plan part (plan_progress.py); None: no plan on file
        extras = {**(extras or {}), "plan": plan}
    ctx = draft_context(record, client, clients=clients, group_type=group_type, topic=topic,
                        facilitators=facilitators, now_end=now_end, extras=extras)
    return "\n".join(line for part in draft_parts(ctx) for line in part.lines) + "\n"
