"""Issue #20 acceptance: one computation of a client's minutes at a session, used by hours,
billing, notes and the screens (``core.hours.attended_minutes``), worked by hand.

Each case is a disagreement the demo agreement test (tests/acceptance/test_demo_agrees.py)
looks for, shown on a live-like session (times with seconds, as the app stamps them):

1. Block figures rounded one by one: the note's blocks added up to a minute less than its
   "attended N of M". Settled: a block's figure is the running total's whole minutes at its
   end less those at its start, so the blocks add up to the session's minutes exactly.
2. The agenda started after the session: the minutes before it are credited (the session
   had begun and the client was in the room) but no block showed them. Settled: the note
   states them on a line of their own, so the lines add up to what is credited.
3. A session still running: billing counted it to its scheduled end, the weekly report up to
   now. Settled: both count up to now, never past the scheduled end.
"""

from __future__ import annotations

from datetime import date, datetime

from facilitator.core.hours import attended_minutes, block_minutes, countable_minutes
from facilitator.core.notes import draft_note
from facilitator.core.roster import Client
from facilitator.core.rules import BlockKind, Status
from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader, SessionRecord, SessionState
from tests.conftest import CHICAGO

DAY = date(2026, 11, 19)
AVERY = Client(client_id="c1", first_name="Avery", last_name="Testperson", level_of_care="IOP",
               required_hours=9.0, admitted=date(2026, 9, 1), groups=("Evening IOP",))


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, 19, hour, minute, second, tzinfo=CHICAGO)


def block(pos: int, kind: BlockKind, start: datetime | None, end: datetime | None, **kw: object) -> BlockRun:
    return BlockRun(position=pos, kind=kind, title=f"Block {pos}", planned_minutes=20,
                    countable=kind is not BlockKind.BREAK, started_at=start, ended_at=end, **kw)  # type: ignore[arg-type]


def session(blocks: tuple[BlockRun, ...], *, start: datetime, end: datetime | None,
            **attendance: AttendanceEntry) -> SessionRecord:
    header = SessionHeader(session_id="2026-11-19-1800-evening-iop", group="Evening IOP", day=DAY,
                           scheduled_start=at(18), scheduled_end=at(21), facilitators=("counselor1",),
                           actual_start=start, actual_end=end,
                           state=SessionState.ENDED if end else SessionState.RUNNING)
    entries = attendance or {"c1": AttendanceEntry("c1", Status.PRESENT)}
    return SessionRecord(header=header, blocks=blocks, attendance=entries)


def note(record: SessionRecord) -> str:
    return draft_note(record, AVERY, clients={"c1": AVERY}, group_type="IOP group therapy",
                      topic="Cravings", facilitators=("Casey Counselor",))


def listed_minutes(text: str) -> list[int]:
    return [int(line.rsplit(": ", 1)[1].split()[0]) for line in text.splitlines()
            if line.startswith("- ") and line.split(": ")[-1].split(" ")[1:2] == ["min"]]


# 18:00:00-21:00:00, blocks stamped with seconds: check-in 18:00:00-18:20:30, education
# -19:05:40, break 19:05:40-19:15:40 (10 min), skill -20:00:50, relapse prevention -20:45:59,
# wrap-up -21:00:00. Countable: 180 - 10 = 170 minutes.
SECONDS = (
    block(0, BlockKind.CHECK_IN, at(18), at(18, 20, 30)),
    block(1, BlockKind.EDUCATION, at(18, 20, 30), at(19, 5, 40)),
    block(2, BlockKind.BREAK, at(19, 5, 40), at(19, 15, 40)),
    block(3, BlockKind.SKILL_BUILDING, at(19, 15, 40), at(20, 0, 50)),
    block(4, BlockKind.RELAPSE_PREVENTION, at(20, 0, 50), at(20, 45, 59)),
    block(5, BlockKind.WRAP_UP, at(20, 45, 59), at(21)),
)


def test_block_figures_add_up_to_the_minutes_credited() -> None:
    record = session(SECONDS, start=at(18), end=at(21))
    assert attended_minutes(record, "c1") == countable_minutes(record) == 170
    # Running total in whole minutes at each block's end: 20 (20:30), 65 (65:40), 65 (the
    # break adds nothing), 110 (120:50 less 10), 155 (165:59 less 10), 170. One by one they
    # were 20, 45, 45, 45 and 14 (14:01), which add up to 169.
    assert [block_minutes(record, b) for b in SECONDS] == [20, 45, 0, 45, 45, 15]
    text = note(record)
    assert "attended 170 of 170 treatment minutes" in text
    assert listed_minutes(text) == [20, 45, 45, 45, 15]


def test_minutes_before_the_agenda_started_are_stated() -> None:
    # The session began 17:58; the agenda at 18:01: 3 credited minutes no block held.
    # 17:58-21:00 = 182, less the 10-minute break = 172.
    blocks = (block(0, BlockKind.CHECK_IN, at(18, 1), at(18, 20)),
              block(1, BlockKind.EDUCATION, at(18, 20), at(19, 5)),
              block(2, BlockKind.BREAK, at(19, 5), at(19, 15)),
              block(3, BlockKind.SKILL_BUILDING, at(19, 15), at(20)),
              block(4, BlockKind.RELAPSE_PREVENTION, at(20), at(20, 45)),
              block(5, BlockKind.WRAP_UP, at(20, 45), at(21)))
    record = session(blocks, start=at(17, 58), end=at(21))
    assert attended_minutes(record, "c1") == 172
    text = note(record)
    assert "attended 172 of 172 treatment minutes" in text
    assert "- Outside the agenda's blocks: 3 min" in text
    assert listed_minutes(text) == [19, 45, 45, 45, 15, 3]
    assert sum(listed_minutes(text)) == 172


def test_a_running_session_counts_up_to_now_never_past_its_end() -> None:
    # Running since 18:00; check-in 18:00-18:20, education since 18:20, open. At 19:00 a
    # present client has 60 minutes, a late one (18:25) 35; past 21:00 no more than 180.
    record = session((block(0, BlockKind.CHECK_IN, at(18), at(18, 20)),
                      block(1, BlockKind.EDUCATION, at(18, 20), None)), start=at(18), end=None,
                     c1=AttendanceEntry("c1", Status.PRESENT),
                     c2=AttendanceEntry("c2", Status.LATE, arrived=at(18, 25)))
    assert attended_minutes(record, "c1", now=at(19)) == 60
    assert attended_minutes(record, "c2", now=at(19)) == 35
    assert attended_minutes(record, "c1", now=at(21, 30)) == 180
    assert attended_minutes(record, "c1", now=at(17, 59)) == 0
    assert attended_minutes(record, "nobody", now=at(19)) == 0


def test_a_pause_is_left_out_of_the_block_and_the_total() -> None:
    # Skill-building 19:15:40-20:00:50 with a pause 19:40:00-19:45:30: 45:10 less 5:30 = 39:40.
    paused = tuple(b.with_changes(pauses=((at(19, 40), at(19, 45, 30)),)) if b.position == 3 else b
                   for b in SECONDS)
    record = session(paused, start=at(18), end=at(21))
    # 170 min less 5:30 = 164:30 -> 164. Running totals: 20, 65, 65, 105 (115:20 less 10),
    # 150 (160:29 less 10), 164.
    assert attended_minutes(record, "c1") == 164
    assert [block_minutes(record, b) for b in paused] == [20, 45, 0, 40, 45, 14]
    text = note(record)
    assert "attended 164 of 164 treatment minutes" in text
    assert sum(listed_minutes(text)) == 164
