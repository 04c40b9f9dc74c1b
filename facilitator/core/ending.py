"""Ending a session honestly (issue #20): at the time it really ended, never "now" by default.

A session still running past its scheduled end plus the clinic's grace (``end-grace-minutes``)
was most likely left running (the app closed without ``E``). It is not continued on the clock:
the end offered is its scheduled end, and whatever time is given, nothing after it counts.
``ended`` cuts the agenda at the end (a block or pause still open closes there; a block started
after it never ran) and clips every client's arrival and departure to it, so no client is
credited past the time given. Pure: ``now`` is a parameter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from facilitator.core.errors import InputError
from facilitator.core.session import (
    MAX_REASON,
    AttendanceEntry,
    BlockRun,
    EndCorrection,
    SessionHeader,
    SessionRecord,
    SessionState,
)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def due_end(header: SessionHeader) -> datetime:
    """When the session was due to end: its scheduled end; for one whose agenda started only
    after that (a group held late), its start plus the scheduled length."""
    start = header.actual_start
    if start is None or _utc(start) < _utc(header.scheduled_end):
        return header.scheduled_end
    length = _utc(header.scheduled_end) - _utc(header.scheduled_start)
    return (_utc(start) + length).astimezone(header.scheduled_end.tzinfo)


def overdue(header: SessionHeader, now: datetime, grace_minutes: int) -> bool:
    """True when ``header``'s session ran on the clock and is still running later than its
    due end plus grace. One whose agenda never started is not: ended, it credits no time."""
    return (header.state is SessionState.RUNNING and header.actual_start is not None
            and _utc(now) > _utc(due_end(header)) + timedelta(minutes=grace_minutes))


def offered_end(header: SessionHeader, now: datetime, grace_minutes: int) -> datetime:
    """The end to offer first: the due (scheduled) end once past the grace, else now (to the minute)."""
    if overdue(header, now, grace_minutes):
        return due_end(header)
    return now.astimezone(header.scheduled_end.tzinfo).replace(second=0, microsecond=0)


def first_stamp(record: SessionRecord) -> datetime | None:
    """When the session really began: its actual start or the agenda's first stamp (None if
    neither: the agenda never ran)."""
    starts = [b.started_at for b in record.blocks if b.started_at is not None]
    return record.header.actual_start or (min(starts, key=_utc) if starts else None)


def _hm(value: datetime, day: date) -> str:
    return f"{value:%H:%M}" if value.date() == day else f"{value:%a %d %b %H:%M}"


def end_problem(record: SessionRecord, end: datetime, now: datetime) -> str | None:
    """What is wrong with ``end`` as the session's real end, or None."""
    if end.tzinfo is None or end.utcoffset() is None:
        return "the end time has no time zone"
    tz = record.header.scheduled_end.tzinfo
    local, day = end.astimezone(tz), record.header.day
    start = first_stamp(record)
    if start is not None and _utc(end) < _utc(start.replace(second=0, microsecond=0)):
        start = start.astimezone(tz)
        return f"{_hm(local, day)} is before the session's start ({_hm(start, day)})"
    if _utc(end) > _utc(now):
        return f"{_hm(local, day)} is later than now ({_hm(now.astimezone(tz), day)})"
    return None


def _before(a: datetime, b: datetime) -> bool:
    return _utc(a) < _utc(b)


def cut_blocks(blocks: tuple[BlockRun, ...], end: datetime) -> tuple[BlockRun, ...]:
    """The agenda as run up to ``end``: later stamps are cut back to it.

    A block (or pause) open at ``end``, or closed after it, ends at ``end``; a block that
    started after ``end`` did not run (its times are cleared; its group note is kept); a
    pause that began at or after ``end`` is dropped.
    """
    out = []
    for block in blocks:
        if block.started_at is None:
            out.append(block)
            continue
        if _before(end, block.started_at):
            out.append(block.with_changes(started_at=None, ended_at=None, pauses=(), skipped=False))
            continue
        ended_at = block.ended_at if block.ended_at and not _before(end, block.ended_at) else end
        pauses = tuple((p, r if r is not None and not _before(end, r) else end)
                       for p, r in block.pauses if _before(p, end))
        out.append(block.with_changes(ended_at=ended_at, pauses=pauses))
    return tuple(out)


def clip_entry(entry: AttendanceEntry, end: datetime, now: datetime) -> AttendanceEntry:
    """``entry`` with its arrival and departure no later than ``end`` (stamped ``now`` if changed)."""
    changes = {}
    for name in ("arrived", "left"):
        value = getattr(entry, name)
        if value is not None and _before(end, value):
            changes[name] = end
    return entry.with_changes(**changes, updated_at=now) if changes else entry


def ended(record: SessionRecord, end: datetime, now: datetime) -> SessionRecord:
    """``record`` ended at ``end``: header ended, agenda cut, attendance clipped.

    Raises ValueError with ``end_problem``'s sentence when ``end`` cannot be the end."""
    problem = end_problem(record, end, now)
    if problem:
        raise ValueError(problem)
    tz = record.header.scheduled_end.tzinfo
    end = end.astimezone(tz)
    # An agenda never run has no real start: the session is then as long as it was
    # (before issue #20) ended "now" with nothing run: no minutes.
    start = first_stamp(record) or end
    if _before(end, start):           # ended in the start's minute, before its seconds
        end = start
    header = record.header.with_changes(state=SessionState.ENDED, actual_start=start, actual_end=end)
    attendance = {cid: clip_entry(e, end, now) for cid, e in record.attendance.items()}
    return SessionRecord(header=header, blocks=cut_blocks(record.blocks, end),
                         attendance=attendance, roster=record.roster)


def check_reason(reason: str, *, field: str = "reason") -> str:
    """Why a correction is made: one line of words, required, at most ``MAX_REASON`` characters."""
    text = " ".join(str(reason).split())
    if not text:
        raise InputError("say why the end is corrected (a reason is required)", field=field)
    if len(text) > MAX_REASON:
        raise InputError(f"the reason is longer than {MAX_REASON} characters", field=field)
    return text


def corrected(record: SessionRecord, end: datetime, now: datetime, *, by: str, reason: str) -> SessionRecord:
    """``record`` with its end put at ``end`` after the fact, the correction kept in its header.

    A running session is ended there (``ended``); an ended one is cut back to an earlier end
    the same way, or, to a later one, the blocks that ended at the old end run on to the new
    one (clients with no departure time follow the session's end, as everywhere).
    Raises ValueError (``end_problem``'s sentence) or InputError (the reason)."""
    reason = check_reason(reason)
    was = record.header.actual_end if record.header.state is SessionState.ENDED else None
    done = ended(record, end, now)
    new_end = done.header.actual_end
    assert new_end is not None
    blocks = done.blocks
    if was is not None and _before(was, new_end):
        blocks = tuple(b.with_changes(ended_at=new_end) if b.ended_at is not None
                       and _utc(b.ended_at) == _utc(was) else b for b in blocks)
    correction = EndCorrection(was=was, end=new_end, by=by, when=now, reason=reason)
    header = done.header.with_changes(end_corrections=record.header.end_corrections + (correction,))
    return SessionRecord(header=header, blocks=blocks, attendance=done.attendance, roster=done.roster)
