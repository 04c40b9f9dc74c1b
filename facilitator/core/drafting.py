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

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone

from facilitator.core.errors import InputError
from facilitator.core.hours import credited_minutes
from facilitator.core.roster import Client
from facilitator.core.rules import PARTICIPATION_PHRASES, PARTICIPATION_PICKS, BlockKind, Status
from facilitator.core.plan_progress import plan_progress_part
from facilitator.core.recovery import RecoveryPlan
from facilitator.core.session import AttendanceEntry, BlockRun, SessionRecord

NOT_GIVEN = object()   # draft_note(plan=...) not passed: no plan part (callers that know no plans)

PEER = "a peer"   # a bare name two other members share: which one is not guessed
PLAN = "Plan: continue current level of care; review progress toward goals at next session."
PLAN_MISSED = ("Plan: continue current level of care; follow up on the missed session "
               "and review progress toward goals at next session.")

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

def _normal(text: str) -> str:
    """One spelling per name: single spaces, no space around a comma, case folded."""
    return re.sub(r"\s*,\s*", ",", re.sub(r"\s+", " ", text.strip())).casefold()


def _pattern(name: str) -> str:
    return r"\s+".join(re.escape(part) for part in name.split())


def redact_others(text: str, client: Client, others: Iterable[Client]) -> str:
    """``text`` with other clients' names replaced by their initials.

    Full names ("Sam Bell", "Bell, Sam"), first names and last names, as whole words,
    case-insensitive. A bare name that is also one of ``client``'s own names stays
    (it may be theirs); a bare name two others share becomes "a peer". Over-redaction
    is the safe side: a member called "Will" turns the word "will" into initials.
    """
    own = {_normal(n) for n in (client.first_name, client.last_name) if n.strip()}
    table: dict[str, str] = {}
    regexes: dict[str, str] = {}

    def add(spelling: str, regex: str, initials: str) -> None:
        key = _normal(spelling)
        table[key] = initials if table.get(key, initials) == initials else PEER
        regexes[key] = regex

    for other in others:
        if other.client_id == client.client_id:
            continue
        first, last = other.first_name.strip(), other.last_name.strip()
        if first and last:
            add(f"{first} {last}", rf"{_pattern(first)}\s+{_pattern(last)}", other.initials)
            add(f"{last},{first}", rf"{_pattern(last)}\s*,\s*{_pattern(first)}", other.initials)
        for name in (first, last):
            if name and _normal(name) not in own:
                add(name, _pattern(name), other.initials)
    if not table:
        return text
    # longest first, so a full name wins over the first name it starts with
    alternatives = "|".join(regexes[k] for k in sorted(regexes, key=len, reverse=True))
    regex = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def replace(match: re.Match[str]) -> str:
        initials = table.get(_normal(match.group(0)), PEER)
        if initials.endswith(".") and text[match.end():match.end() + 1] == ".":
            initials = initials[:-1]          # "... with S.B." not "... with S.B.."
        return initials

    return regex.sub(replace, text)


# --- times ----------------------------------------------------------------------------------

def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _minutes(delta: timedelta) -> int:
    """Whole minutes, rounded down (as credited minutes are)."""
    return max(0, int(delta.total_seconds() // 60))


def _clock(value: datetime, like: datetime) -> str:
    return value.astimezone(like.tzinfo).strftime("%H:%M")


def _block_minutes(block: BlockRun, end_default: datetime) -> int:
    """Time the block ran, minus its pauses (an open block or pause runs to ``end_default``)."""
    assert block.started_at is not None
    start, end = _utc(block.started_at), _utc(block.ended_at or end_default)
    if end <= start:
        return 0
    total = end - start
    for p_start, p_end in block.pauses:
        lo, hi = max(start, _utc(p_start)), min(end, _utc(p_end or end))
        if hi > lo:
            total -= hi - lo
    return _minutes(total)


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


def _interventions(record: SessionRecord, end: datetime, redact,
                   window: tuple[datetime, datetime] | None) -> list[str]:
    """Countable blocks as run (actual minutes); as planned when the clock never ran them.

    ``window``: the client's time in the room, to mark blocks they missed (None: no marks).
    """
    ran = any(b.started_at for b in record.blocks)
    lines = []
    for block in record.blocks:
        if block.kind is BlockKind.BREAK or not block.countable:
            continue
        title = redact(block.title)
        if not ran:
            lines.append(f"- {title} ({block.kind}): {block.planned_minutes} min planned")
            continue
        if block.started_at is None:
            continue
        minutes = _block_minutes(block, end)
        if minutes:
            cut = " (cut short)" if block.skipped else ""
            lines.append(f"- {title} ({block.kind}): {minutes} min{cut}"
                         f"{_presence(block, end, window)}")
    return lines or ["- none recorded"]


# --- participation --------------------------------------------------------------------------

def _pick_key(pick: str) -> str:
    return pick if pick in PARTICIPATION_PHRASES else _LABELS.get(pick.strip().casefold(), pick)


def _participation(entry: AttendanceEntry, first: str, redact) -> str:
    if not entry.status.credits_time:
        return f"{first} did not attend this session."
    keys = list(dict.fromkeys(_pick_key(p) for p in entry.picks if p.strip()))
    known = sorted((k for k in keys if k in PARTICIPATION_PHRASES), key=_ORDER.__getitem__)
    unknown = [k for k in keys if k not in PARTICIPATION_PHRASES]
    sentences = [f"{first} {PARTICIPATION_PHRASES[k]}." for k in known]
    if unknown:
        sentences.append(f"Also noted: {redact('; '.join(unknown))}.")
    return " ".join(sentences) or "No participation details were recorded."


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
    line = f"Attendance: {status}; {credited} of {countable} countable minutes credited."
    missed = ""
    if entry.status.credits_time and credited < countable:
        why = f" ({', '.join(reasons)})" if reasons else ""
        missed = (f" {countable - credited} countable minutes were missed{why}; "
                  "review attendance against the weekly hours requirement.")
    return line, missed


# --- the note -------------------------------------------------------------------------------

def draft_note(
    record: SessionRecord,
    client: Client,
    *,
    clients: Mapping[str, Client],
    group_type: str,
    topic: str,
    facilitators: Sequence[str],
    now_end: datetime | None = None,
    plan: "RecoveryPlan | None | object" = NOT_GIVEN,
) -> str:
    """The client's progress note for ``record``, drafted from what happened.

    ``clients``: everyone whose name must not appear (by client id); ``facilitators``:
    display names (the header's staff ids when empty); ``now_end``: the end to use while
    the session is still running (no actual end yet); ``plan``: the client's recovery plan
    (None: none on file), which adds the "Progress toward plan goals" part. Raises InputError when the client
    has no attendance entry at this session.
    """
    entry = record.attendance.get(client.client_id)
    if entry is None:
        raise InputError(f"{client.client_id} has no attendance at this session", field="client_id")
    others = [c for c in clients.values() if c.client_id != client.client_id]

    def redact(text: str) -> str:
        return redact_others(text, client, others)

    header = record.header
    start = header.start
    end = header.actual_end or now_end or header.scheduled_end
    spans = record.noncountable_spans()
    countable = credited_minutes(Status.PRESENT, None, None, start, end, spans)
    credited = credited_minutes(entry.status, entry.arrived, entry.left, start, end, spans)
    attended = sum(1 for e in record.attendance.values() if e.status.credits_time)
    staff = ", ".join(f for f in facilitators if f.strip()) or ", ".join(header.facilitators)
    day = header.day
    window = None
    if entry.status.credits_time:
        window = (max(_utc(entry.arrived or start), _utc(start)), min(_utc(entry.left or end), _utc(end)))
    attendance, missed = _attendance(entry, start, end, credited, countable)
    plan_line = (PLAN + missed) if entry.status.credits_time else PLAN_MISSED

    lines = [
        "GROUP PROGRESS NOTE",
        f"Client: {client.name}",
        f"Group: {header.group} ({group_type})",
        f"Topic: {redact(topic)}",
        f"Date: {_DAY_NAMES[day.weekday()]} {day.isoformat()}",
        f"Time: {_clock(start, start)}-{_clock(end, start)} ({_minutes(_utc(end) - _utc(start))} min)",
        f"Facilitator(s): {staff or 'not recorded'}",
        f"Participants: {attended}",
        "Interventions:",
        *_interventions(record, end, redact, window),
        attendance,
        f"Participation and response: {_participation(entry, client.first_name, redact)}",
    ]
    if entry.text.strip():
        lines.append(f"Counselor notes: {redact(entry.text.strip())}")
    if plan is not NOT_GIVEN:   # the recovery-plan part (plan_progress.py); None: no plan on file
        lines.extend(plan_progress_part(plan, entry, record, client.first_name, redact))  # type: ignore[arg-type]
    lines.append(plan_line)
    return "\n".join(lines) + "\n"
