"""core.ending: a session left running is ended at the time it really ended (issue #20, case 1).

Thursday 2026-11-19, Evening IOP scheduled 18:00-21:00, grace 15 minutes. The counselor
started at 18:02, went through the blocks to "Wrap-up" at 20:45, paused it at 20:58 and
closed the app without E. Next morning at 08:30 the session is still "running".
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from facilitator.core import ending
from facilitator.core.hours import credited_minutes
from facilitator.core.rules import BlockKind, Status
from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader, SessionRecord, SessionState

CHI = ZoneInfo("America/Chicago")


def at(hh: int, mm: int = 0, day: int = 19) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHI)


NEXT_MORNING = at(8, 30, day=20)


def left_running() -> SessionRecord:
    def b(pos, kind, title, start=None, end=None, **kw):
        return BlockRun(position=pos, kind=kind, title=title, planned_minutes=30,
                        countable=kind is not BlockKind.BREAK, started_at=start, ended_at=end, **kw)
    header = SessionHeader(session_id="2026-11-19-1800-evening-iop", group="Evening IOP",
                           day=date(2026, 11, 19), scheduled_start=at(18), scheduled_end=at(21),
                           facilitators=("counselor1",), actual_start=at(18, 2))
    blocks = (
        b(0, BlockKind.CHECK_IN, "Check-in", at(18, 2), at(18, 30)),
        b(1, BlockKind.EDUCATION, "Education", at(18, 30), at(19, 30)),
        b(2, BlockKind.BREAK, "Break", at(19, 30), at(19, 40)),
        b(3, BlockKind.SKILL_BUILDING, "Skills", at(19, 40), at(20, 45)),
        b(4, BlockKind.WRAP_UP, "Wrap-up", at(20, 45), pauses=((at(20, 58), None),)),
    )
    attendance = {
        "c1": AttendanceEntry("c1", Status.PRESENT),
        "c2": AttendanceEntry("c2", Status.LATE, arrived=at(18, 20)),
        "c3": AttendanceEntry("c3", Status.ABSENT),
    }
    return SessionRecord(header=header, blocks=blocks, attendance=attendance, roster=("c1", "c2", "c3"))


def test_overdue_only_past_the_scheduled_end_plus_grace() -> None:
    header = left_running().header
    assert not ending.overdue(header, at(21, 15), 15)
    assert ending.overdue(header, at(21, 15) + timedelta(seconds=1), 15)
    assert ending.overdue(header, at(21, 1), 0)
    assert ending.overdue(header, NEXT_MORNING, 15)
    assert not ending.overdue(header.with_changes(state=SessionState.ENDED), NEXT_MORNING, 15)
    # what is offered: now within the grace, the scheduled end after it
    assert ending.offered_end(header, at(21, 10, ) + timedelta(seconds=42), 15) == at(21, 10)
    assert ending.offered_end(header, NEXT_MORNING, 15) == at(21)


def test_ended_at_the_scheduled_end_credits_no_night() -> None:
    done = ending.ended(left_running(), at(21), NEXT_MORNING)
    header = done.header
    assert (header.state, header.actual_start, header.actual_end) == (SessionState.ENDED, at(18, 2), at(21))
    wrap = done.blocks[4]
    assert wrap.ended_at == at(21) and wrap.pauses == ((at(20, 58), at(21)),)   # open pause closed
    spans = done.noncountable_spans()
    # 18:02-21:00 = 178, less the 10-minute break and the 2 paused minutes = 166 (not 14 hours)
    full = credited_minutes(Status.PRESENT, None, None, header.start, header.end, spans)
    assert full == 166
    c2 = done.attendance["c2"]
    assert credited_minutes(c2.status, c2.arrived, c2.left, header.start, header.end, spans) == 148


def test_an_earlier_end_cuts_the_agenda_and_clips_departures() -> None:
    record = left_running()
    record.attendance["c1"] = AttendanceEntry("c1", Status.LEFT_EARLY, left=at(20, 50))
    record.attendance["c4"] = AttendanceEntry("c4", Status.LATE, arrived=at(20, 55))
    done = ending.ended(record, at(20, 40), NEXT_MORNING)
    assert done.blocks[3].ended_at == at(20, 40)
    assert done.blocks[4].started_at is None and done.blocks[4].pauses == ()   # never ran
    assert done.attendance["c1"].left == at(20, 40)
    assert done.attendance["c1"].updated_at == NEXT_MORNING      # the correction is the newer change
    assert done.attendance["c4"].arrived == at(20, 40)
    assert done.attendance["c2"] == record.attendance["c2"]      # untouched
    spans = done.noncountable_spans()
    h = done.header
    for cid, expected in (("c1", 148), ("c2", 130), ("c3", 0), ("c4", 0)):
        e = done.attendance[cid]
        assert credited_minutes(e.status, e.arrived, e.left, h.start, h.end, spans) == expected


@pytest.mark.parametrize(("end", "words"), [
    (at(17, 59), "17:59 is before the session's start (18:02)"),
    (at(8, 31, day=20), "Fri 20 Nov 08:31 is later than now (Fri 20 Nov 08:30)"),
])
def test_an_impossible_end_is_one_sentence(end, words) -> None:
    assert ending.end_problem(left_running(), end, NEXT_MORNING) == words
    with pytest.raises(ValueError, match=re.escape(words)):
        ending.ended(left_running(), end, NEXT_MORNING)


def test_a_session_whose_agenda_never_ran_ends_as_before() -> None:
    record = left_running()
    record = SessionRecord(header=record.header.with_changes(actual_start=None),
                           blocks=tuple(b.with_changes(started_at=None, ended_at=None, pauses=())
                                        for b in record.blocks), attendance=record.attendance)
    done = ending.ended(record, at(21), NEXT_MORNING)
    assert done.header.actual_start == done.header.actual_end == at(21)


def test_a_session_whose_agenda_never_started_is_not_overdue() -> None:
    # opened after its time (e.g. the morning group started in the evening): not "left running";
    # ended with nothing run, it credits nothing, so nothing is asked
    header = left_running().header.with_changes(actual_start=None)
    assert not ending.overdue(header, NEXT_MORNING, 15)


def test_a_group_held_late_is_due_its_length_after_its_start() -> None:
    header = left_running().header.with_changes(actual_start=at(21, 30))    # 18:00-21:00 held at 21:30
    assert ending.due_end(header) == at(0, 30, day=20)
    assert not ending.overdue(header, at(0, 45, day=20), 15)
    assert ending.overdue(header, at(0, 46, day=20), 15)
    assert ending.offered_end(header, NEXT_MORNING, 15) == at(0, 30, day=20)
    assert ending.due_end(left_running().header.with_changes(actual_start=at(20, 59))) == at(21)
