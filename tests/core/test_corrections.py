"""core.corrections.corrected_entry, pure: each rule it applies, hand-worked.

Monday 2026-11-23, Day IOP scheduled 09:00-12:00, held 09:00-12:00. c1 was marked late at
09:20, c2 present, c3 left early at 11:00, c4 is on the list with no mark. Written before
the function was split (#23): every refusal names its option, every accepted correction is
appended with what it was and what it is now. Every id is invented.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.corrections import corrected_entry
from facilitator.core.errors import InputError
from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry, SessionHeader, SessionRecord, SessionState

CHI = ZoneInfo("America/Chicago")
WHEN = datetime(2026, 11, 24, 8, 0, tzinfo=CHI)


def at(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, 23, hh, mm, tzinfo=CHI)


def held(*, ended: bool = True) -> SessionRecord:
    header = SessionHeader(session_id="2026-11-23-0900-day-iop", group="Day IOP", day=date(2026, 11, 23),
                           scheduled_start=at(9), scheduled_end=at(12), facilitators=("counselor1",),
                           actual_start=at(9), actual_end=at(12) if ended else None,
                           state=SessionState.ENDED if ended else SessionState.RUNNING)
    attendance = {"c1": AttendanceEntry("c1", Status.LATE, arrived=at(9, 20)),
                  "c2": AttendanceEntry("c2", Status.PRESENT),
                  "c3": AttendanceEntry("c3", Status.LEFT_EARLY, left=at(11))}
    return SessionRecord(header=header, blocks=(), attendance=attendance, roster=("c1", "c2", "c3", "c4"))


def correct(client: str, status: Status | None = None, arrived: datetime | None = None,
            left: datetime | None = None, record: SessionRecord | None = None) -> AttendanceEntry:
    return corrected_entry(record or held(), client, status=status, arrived=arrived, left=left,
                           by="counselor1", when=WHEN, reason="checked the sign-in sheet")


@pytest.mark.parametrize(("client", "kwargs", "field", "words"), [
    ("c1", {"arrived": at(9, 30), "record": "running"}, "SESSION_ID", "has not ended"),
    ("c9", {"status": Status.PRESENT}, "CLIENT_ID", "is not on the list"),
    ("c4", {"arrived": at(9, 30)}, "--status", "give --status"),
    ("c1", {"status": Status.ABSENT, "arrived": at(9, 30)}, "--arrived", "has no arrival or departure time"),
    ("c2", {"status": Status.EXCUSED, "left": at(11)}, "--left", "has no arrival or departure time"),
    ("c2", {"status": Status.LATE}, "--arrived", "a late arrival needs its time"),
    ("c2", {"status": Status.LEFT_EARLY}, "--left", "leaving early needs its time"),
    ("c2", {"arrived": at(8, 30)}, "--arrived", "is before the session's start"),
    ("c2", {"left": at(12, 30)}, "--left", "is after the session's end"),
    ("c1", {"left": at(9, 10)}, "--left", "left at 09:10, not after arriving at 09:20"),
    ("c1", {"arrived": at(9, 20)}, "--status", "is already late, arrived 09:20; nothing to correct"),
    ("c2", {"status": Status.PRESENT}, "--status", "nothing to correct"),
])
def test_each_refusal_names_its_option(client, kwargs, field, words) -> None:
    if kwargs.get("record") == "running":
        kwargs = dict(kwargs, record=held(ended=False))
    with pytest.raises(InputError) as refused:
        correct(client, **kwargs)
    assert refused.value.field == field and words in refused.value.message


def test_present_is_the_whole_session_unless_times_are_given() -> None:
    entry = correct("c1", Status.PRESENT)
    assert (entry.status, entry.arrived, entry.left) == (Status.PRESENT, None, None)
    (correction,) = entry.corrections
    assert correction.was == (Status.LATE, at(9, 20), None) and correction.now == (Status.PRESENT, None, None)
    assert (correction.by, correction.when, correction.reason) == ("counselor1", WHEN, "checked the sign-in sheet")
    assert entry.updated_at == WHEN


def test_late_says_nothing_of_leaving_early_and_times_alone_keep_the_others() -> None:
    late = correct("c3", Status.LATE, arrived=at(9, 30))
    assert (late.status, late.arrived, late.left) == (Status.LATE, at(9, 30), None)
    moved = correct("c3", left=at(11, 30))                       # the status follows the times
    assert (moved.status, moved.arrived, moved.left) == (Status.LEFT_EARLY, None, at(11, 30))
    in_the_starts_minute = correct("c1", arrived=at(9))          # the late mark stands
    assert (in_the_starts_minute.status, in_the_starts_minute.arrived) == (Status.LATE, at(9))
    came_late = correct("c2", arrived=at(9, 15))
    assert (came_late.status, came_late.arrived, came_late.left) == (Status.LATE, at(9, 15), None)


def test_a_client_with_no_mark_was_absent_and_a_status_that_credits_no_time_clears_the_times() -> None:
    entry = correct("c4", Status.LATE, arrived=at(9, 45))
    assert (entry.status, entry.arrived) == (Status.LATE, at(9, 45))
    assert entry.corrections[0].was == (Status.ABSENT, None, None)
    excused = correct("c1", Status.EXCUSED)
    assert (excused.status, excused.arrived, excused.left) == (Status.EXCUSED, None, None)


def test_corrections_are_appended_never_replaced() -> None:
    record = held()
    first = correct("c1", Status.PRESENT, record=record)
    again = correct("c1", Status.ABSENT, record=SessionRecord(header=record.header, blocks=(),
                                                               attendance={**record.attendance, "c1": first},
                                                               roster=record.roster))
    assert [c.now[0] for c in again.corrections] == [Status.PRESENT, Status.ABSENT]
