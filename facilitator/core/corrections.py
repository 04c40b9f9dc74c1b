"""A client's attendance corrected after the session ended (issue #20), pure.

``corrected_entry`` is the one rule for `facilitator attendance correct`, the end screen's
correction and a correction a laptop pushes: the same time rule as marking
(``session.attendance_time_problem`` against the session as held) and the same status rule
(``session.status_by_times``). The correction is kept on the entry (``AttendanceCorrection``):
from what, to what, by whom, when and why.

``addendum_text`` is what a signed note gets instead of an edit: the change, who, when, why.
"""

from __future__ import annotations

from datetime import datetime

from facilitator.core.errors import InputError
from facilitator.core.hours import credited_at
from facilitator.core.rules import Status
from facilitator.core.session import (
    MAX_REASON,
    AttendanceCorrection,
    AttendanceEntry,
    SessionHeader,
    SessionRecord,
    SessionState,
    attendance_time_problem,
    held_span,
    status_by_times,
)

CORRECTED_AFTER_SIGNING = "attendance corrected after signing"
ADDENDUM_OPENING = "Attendance corrected after signing:"

_WORDS = {Status.PRESENT: "present", Status.LATE: "late", Status.LEFT_EARLY: "left early",
          Status.ABSENT: "absent", Status.EXCUSED: "excused", Status.TELEHEALTH: "telehealth"}


def check_reason(reason: str, *, field: str = "--reason") -> str:
    """Why attendance is corrected: one line of words, required, at most ``MAX_REASON`` characters."""
    text = " ".join(str(reason).split())
    if not text:
        raise InputError("say why the attendance is corrected (a reason is required)", field=field)
    if len(text) > MAX_REASON:
        raise InputError(f"the reason is longer than {MAX_REASON} characters", field=field)
    return text


def corrected_entry(record: SessionRecord, client_id: str, *, status: Status | None,
                    arrived: datetime | None, left: datetime | None, by: str, when: datetime,
                    reason: str) -> AttendanceEntry:
    """The client's entry after the correction, the correction appended; InputError (naming
    the option) when the session is not ended, the client not on its list, a time outside the
    session as held, or nothing would change."""
    end_held = _held_end(record.header)
    old = _entry_to_correct(record, client_id, status)
    base = old or AttendanceEntry(client_id=client_id, status=status)  # type: ignore[arg-type]
    new_status = status or base.status
    new_arrived, new_left = _corrected_times(base, status, new_status, arrived, left)
    _check_times(record.header.start, end_held, new_status, (new_arrived, new_left), (arrived, left))
    start, end = held_span(record.header)
    new_status = status_by_times(new_status, new_arrived, new_left, start=start, end=end)
    was = (base.status, base.arrived, base.left) if old is not None else (Status.ABSENT, None, None)
    now = (new_status, new_arrived, new_left)
    if old is not None and was == now:
        raise InputError(f"client {client_id} is already {describe(now)}; nothing to correct",
                         field="--status")
    correction = AttendanceCorrection(was=was, now=now, by=by, when=when, reason=reason)
    return base.with_changes(status=new_status, arrived=new_arrived, left=new_left, updated_at=when,
                             corrections=base.corrections + (correction,))


def _held_end(header: SessionHeader) -> datetime:
    """When the session ended; refused while it runs."""
    if header.state is not SessionState.ENDED or header.actual_end is None:
        raise InputError(f"{header.session_id} has not ended; correct attendance while it runs "
                         "with the keys in the app", field="SESSION_ID")
    return header.actual_end


def _entry_to_correct(record: SessionRecord, client_id: str, status: Status | None) -> AttendanceEntry | None:
    """The client's entry (None: on the list, never marked); refused for a client not on the
    session's list, and without a status for a client never marked."""
    header = record.header
    old = record.attendance.get(client_id)
    if old is None and client_id not in record.roster:
        raise InputError(f"client {client_id} is not on the list of {header.session_id}", field="CLIENT_ID")
    if status is None and old is None:
        raise InputError(f"client {client_id} has no attendance in this session; give --status",
                         field="--status")
    return old


def _corrected_times(base: AttendanceEntry, status: Status | None, new_status: Status,
                     arrived: datetime | None, left: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The arrival and departure after the correction: none for a status that credits no time,
    only those given for present or telehealth, else those given over the entry's."""
    if not new_status.credits_time:
        if arrived or left:
            raise InputError(f"a client marked {new_status.value} has no arrival or departure time",
                             field="--arrived" if arrived else "--left")
        return None, None
    if status is not None and status in (Status.PRESENT, Status.TELEHEALTH):
        return arrived, left                           # the whole session unless times are given
    new_arrived = arrived if arrived is not None else base.arrived
    new_left = left if left is not None else base.left
    if status is Status.LATE and left is None:          # "late" says nothing of leaving early
        new_left = None
    return new_arrived, new_left


def _check_times(start: datetime, end: datetime, new_status: Status,
                 new: tuple[datetime | None, datetime | None], given: tuple[datetime | None, datetime | None]) -> None:
    """A late arrival and an early departure have their times; the times given fall inside the
    session as held, ``start`` to ``end`` (``attendance_time_problem``), and the client left
    after arriving."""
    new_arrived, new_left = new
    if new_status is Status.LATE and new_arrived is None:
        raise InputError("a late arrival needs its time (--arrived HH:MM)", field="--arrived")
    if new_status is Status.LEFT_EARLY and new_left is None:
        raise InputError("leaving early needs its time (--left HH:MM)", field="--left")
    for which, value in zip(("arrived", "left"), given, strict=True):
        if value is not None:
            problem = attendance_time_problem(which, value, start=start, end=end)
            if problem:
                raise InputError(problem, field=f"--{which}")
    if new_arrived and new_left and new_left <= new_arrived:
        raise InputError(f"left at {new_left:%H:%M}, not after arriving at {new_arrived:%H:%M}",
                         field="--left")


def describe(state: tuple[Status, datetime | None, datetime | None]) -> str:
    """"late, arrived 09:20", "left early, left 11:40", "absent"."""
    status, arrived, left = state
    words = _WORDS[status]
    if arrived is not None:
        words += f", arrived {arrived:%H:%M}"
    if left is not None:
        words += f", left {left:%H:%M}"
    return words


def credited(record: SessionRecord, state: tuple[Status, datetime | None, datetime | None]) -> int:
    """The minutes ``state`` credits in ``record`` (``core.hours``, as hours and billing count)."""
    status, arrived, left = state
    return credited_at(record, status, arrived, left)


def addendum_text(record: SessionRecord, correction: AttendanceCorrection, *, who: str) -> str:
    """The automatic addendum a signed note gets: the change, who, when and why."""
    before, after = credited(record, correction.was), credited(record, correction.now)
    return (f"{ADDENDUM_OPENING} was {describe(correction.was)} ({before} minutes credited); "
            f"now {describe(correction.now)} ({after} minutes credited). "
            f"Corrected by {who} on {correction.when:%a %d %b %Y at %H:%M}. "
            f"Reason: {correction.reason}")


END_CORRECTED_AFTER_SIGNING = "end corrected after signing"
END_ADDENDUM_OPENING = "Session end corrected after signing:"


def end_addendum_text(before: SessionRecord, after: SessionRecord, client_id: str, *, who: str) -> str:
    """The automatic addendum a signed note gets when the session's end is corrected
    (``session end --at``): the change and the client's minutes, who, when and why."""
    correction = after.header.end_corrections[-1]

    def minutes(record: SessionRecord) -> int:
        entry = record.attendance.get(client_id)
        return 0 if entry is None else credited(record, (entry.status, entry.arrived, entry.left))

    was = f"ended at {correction.was:%H:%M}" if correction.was else "still running"
    return (f"{END_ADDENDUM_OPENING} was {was} ({minutes(before)} minutes credited); now ends at "
            f"{correction.end:%H:%M} ({minutes(after)} minutes credited). "
            f"Corrected by {who} on {correction.when:%a %d %b %Y at %H:%M}. "
            f"Reason: {correction.reason}")
