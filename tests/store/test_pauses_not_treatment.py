"""Issue #20, case 2: a `z` pause is not treatment. Hours, billing, the note and the agenda's
"run" figure leave it out, as they leave out a break.

Worked by hand (Monday 2026-11-23, Evening IOP, the shipped iop-evening-triggers plan):

    18:02 Check-in                          -> 18:22   20 min
    18:22 Triggers: outside and inside      -> 19:07   45, paused 18:40-18:50 -> 35 min
    19:07 Break (not counted)               -> 19:17
    19:17 Early warning signs               -> 20:02   45 min
    20:02 Putting it into a plan            -> 20:45   43 min
    20:45 Wrap-up                           -> 21:05   20 min
    ended 21:05                                  blocks: 163 min

18:02-21:05 is 183 minutes; less the 10-minute break, 173 (what the pause used to be
credited as); less the 10-minute pause too, 163: the blocks' sum.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from facilitator.core.agenda import AgendaClock
from facilitator.core.drafting import draft_note
from facilitator.core.rules import Status
from facilitator.core.weeks import week_containing
from facilitator.store.reports import billing_days, week_report
from facilitator.store.running import start_session
from tests.conftest import CHICAGO


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 23, hh, mm, tzinfo=CHICAGO)


def run_paused_session(clinic, fake_clock):
    session = start_session(clinic, "Evening IOP")
    steps = [(at(18, 2), "start"), (at(18, 22), "next"), (at(18, 40), "pause"),
             (at(18, 50), "resume"), (at(19, 7), "next"), (at(19, 17), "next"),
             (at(20, 2), "next"), (at(20, 45), "next")]
    for when, op in steps:
        fake_clock.set(when)
        session.update_agenda(lambda blocks, now, op=op: getattr(AgendaClock(blocks), op)(now))
        if op == "start":
            session.mark("T001", Status.PRESENT)
            session.mark("T002", Status.PRESENT)
    fake_clock.set(at(21, 5))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).next(now))
    session.end()
    return session


def test_a_pause_is_not_credited_anywhere(clinic, fake_clock):
    session = run_paused_session(clinic, fake_clock)
    record = session.record()
    assert record.header.actual_start == at(18, 2) and record.header.actual_end == at(21, 5)

    # the note: its blocks add to 163, and it says 163 of 163, not 173
    note = draft_note(record, clinic.snapshot().clients["T001"], clients=clinic.snapshot().clients,
                      group_type="IOP", topic="Triggers", facilitators=("Casey Counselor",))
    block_minutes = [int(m) for m in re.findall(r"^- .*?: (\d+) min", note, flags=re.M)]
    assert block_minutes == [20, 35, 45, 43, 20] and sum(block_minutes) == 163
    assert "attended 163 of 163 treatment minutes" in note
    assert "173" not in note

    # billing: 163 minutes, for both clients
    rows, problems = billing_days(clinic, at(0, 0).date(), at(0, 0).date())
    assert not problems
    assert {(r.client_id, r.minutes) for r in rows} == {("T001", 163), ("T002", 163)}

    # hours: the weekly report credits the same 163
    fake_clock.set(at(21, 30))
    report = week_report(clinic, week_containing(at(0, 0).date()))
    credited = {r.client_id: r.credited_minutes for r in report.rows}
    assert credited["T001"] == 163 and credited["T002"] == 163

    # the agenda's "run" figure leaves the pause out too (the break is in it, as in "plan")
    assert AgendaClock(record.blocks).actual_total(at(22, 0)) == timedelta(minutes=173)


def test_a_client_who_left_during_the_pause_is_not_credited_for_it(clinic, fake_clock):
    session = run_paused_session(clinic, fake_clock)
    fake_clock.set(at(21, 10))
    session.set_time("T002", "left", "18:45")      # left 5 minutes into the pause
    session.mark("T002", Status.LEFT_EARLY, at=at(18, 45))
    rows, _ = billing_days(clinic, at(0, 0).date(), at(0, 0).date())
    # 18:02-18:40: 38 minutes; 18:40-18:45 was paused
    assert {(r.client_id, r.minutes) for r in rows} == {("T001", 163), ("T002", 38)}


def test_an_open_pause_while_running_is_not_counted_on_screen_or_in_the_week(clinic, fake_clock):
    session = start_session(clinic, "Evening IOP")
    fake_clock.set(at(18, 0))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).start(now))
    session.mark("T001", Status.PRESENT)
    fake_clock.set(at(18, 10))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).pause(now))
    clock = AgendaClock(session.record().blocks)
    # paused since 18:10; at 18:30 the pause runs to now
    assert clock.noncountable_spans(at(18, 30)) == [(at(18, 10), at(18, 30))]
    assert clock.actual_total(at(18, 30)) == timedelta(minutes=10)
    fake_clock.set(at(18, 30))
    report = week_report(clinic, week_containing(at(0, 0).date()))
    assert {r.client_id: r.credited_minutes for r in report.rows}["T001"] == 10


def test_while_paused_the_rest_of_the_session_is_still_potential_time(clinic, fake_clock):
    # paused 18:10-now (18:30): credited 10 minutes so far; the 18:30-21:00 still to come, less
    # the plan's break, is what the session can still give (not taken as paused)
    session = start_session(clinic, "Evening IOP")
    fake_clock.set(at(18, 0))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).start(now))
    session.mark("T002", Status.PRESENT)
    fake_clock.set(at(18, 10))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).pause(now))
    fake_clock.set(at(18, 30))
    row = {r.client_id: r for r in week_report(clinic, week_containing(at(0, 0).date())).rows}["T002"]
    assert row.credited_minutes == 10
    # the session's rest: 18:30-21:00 = 150, no break run yet on the clock (the agenda has run
    # only its first block), so 150; plus Wednesday's and Thursday's meetings (180 - 10 each)
    assert row.potential_minutes == 150 + 2 * 170
