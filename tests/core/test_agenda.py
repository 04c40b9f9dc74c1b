"""AgendaClock: hand-worked timelines of a 3-hour IOP evening, plus invariants under hypothesis.

The evening: check-in 20, education 45, break 10 (not countable), skill-building 45,
relapse prevention 45, wrap-up 15 = 180 planned minutes. Tuesday 2026-04-14, Chicago (CDT).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facilitator.core.agenda import AgendaClock, AgendaError
from facilitator.core.plans import Block, SessionPlan
from facilitator.core.rules import BlockKind
from facilitator.core.session import BlockRun

CHI = ZoneInfo("America/Chicago")
UTC = UTC


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 4, 14, hour, minute, second, tzinfo=CHI)


def mins(n: float) -> timedelta:
    return timedelta(minutes=n)


def evening() -> tuple[BlockRun, ...]:
    plan = SessionPlan(plan_id="demo", title="Demo evening", kind="iop-evening", description="",
                       blocks=(
                           Block(BlockKind.CHECK_IN, "Check-in", 20, True),
                           Block(BlockKind.EDUCATION, "Triggers", 45, True),
                           Block(BlockKind.BREAK, "Break", 10, False),
                           Block(BlockKind.SKILL_BUILDING, "Practice", 45, True),
                           Block(BlockKind.RELAPSE_PREVENTION, "Plan", 45, True),
                           Block(BlockKind.WRAP_UP, "Wrap-up", 15, True),
                       ))
    return plan.block_runs()


def run(*steps: tuple[str, datetime]) -> AgendaClock:
    """Apply ``(operation, now)`` steps to a fresh evening; each returns the new blocks."""
    clock = AgendaClock(evening())
    for name, now in steps:
        clock = AgendaClock(getattr(clock, name)(now))
    return clock


# --- starting, next, elapsed / remaining -------------------------------------------------

def test_fresh_agenda_is_not_started() -> None:
    clock = AgendaClock(evening())
    assert clock.current() is None and not clock.started and not clock.finished
    assert clock.planned_total == mins(180)
    # not started: the rest runs to plan from now, 18:00 + 180 = 21:00
    assert clock.planned_end(at(18)) == at(21)
    assert clock.actual_total(at(18)) == timedelta(0)


def test_start_at_1802_then_mid_block() -> None:
    clock = run(("start", at(18, 2)))
    assert clock.current() == 0 and clock.actual_start == at(18, 2)
    assert clock.blocks[0].started_at == at(18, 2)
    # 18:12 - 18:02 = 10 elapsed; 20 - 10 = 10 remaining; 10/20 = 0.5
    assert clock.elapsed(0, at(18, 12)) == mins(10)
    assert clock.remaining(0, at(18, 12)) == mins(10)
    assert clock.progress(0, at(18, 12)) == 0.5
    assert not clock.is_overtime(0, at(18, 12))
    # 18:02 + 180 = 21:02
    assert clock.planned_end(at(18, 2)) == at(21, 2)


def test_next_at_1824_check_in_ran_22_minutes() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 24)))
    assert clock.blocks[0].ended_at == at(18, 24)
    # 18:24 - 18:02 = 22; it stays 22 however late we ask
    assert clock.elapsed(0, at(20)) == mins(22)
    assert clock.remaining(0, at(20)) == mins(-2)
    assert clock.current() == 1 and clock.blocks[1].started_at == at(18, 24)
    # education 18:24 -> 18:30 = 6 elapsed, 45 - 6 = 39 remaining
    assert clock.elapsed(1, at(18, 30)) == mins(6)
    assert clock.remaining(1, at(18, 30)) == mins(39)
    # rest to plan: 18:24 + 45 + 10 + 45 + 45 + 15 (= 160) = 21:04
    assert clock.planned_end(at(18, 24)) == at(21, 4)
    assert clock.actual_total(at(18, 30)) == mins(28)          # 18:02 -> 18:30


def test_overtime_shows_negative_remaining() -> None:
    clock = run(("start", at(18, 2)))
    # 18:30 - 18:02 = 28 elapsed of 20 planned -> -8, overtime, progress capped at 1
    assert clock.remaining(0, at(18, 30)) == mins(-8)
    assert clock.is_overtime(0, at(18, 30))
    assert clock.progress(0, at(18, 30)) == 1.0
    # overtime: the current block is taken to end now, so 18:30 + 160 = 21:10
    assert clock.planned_end(at(18, 30)) == at(21, 10)


def test_last_next_finishes_the_agenda() -> None:
    clock = run(("start", at(18, 2)), *[("next", at(18, 10 + 5 * k)) for k in range(6)])
    # ends at 18:10, 18:15, ..., 18:35; the wrap-up ended at 18:35
    assert clock.finished and clock.current() is None
    assert clock.actual_end == at(18, 35)
    assert clock.actual_total(at(22)) == mins(33)              # 18:02 -> 18:35
    assert clock.planned_end(at(22)) == at(18, 35)
    with pytest.raises(AgendaError):
        clock.next(at(18, 40))


# --- pause, extend, cue ----------------------------------------------------------------

def test_pause_five_minutes_is_excluded() -> None:
    clock = run(("start", at(18, 2)), ("pause", at(18, 10)))
    assert clock.paused
    # frozen while paused: 18:10 - 18:02 = 8, at 18:12 and at 18:14 alike
    assert clock.elapsed(0, at(18, 12)) == mins(8)
    assert clock.elapsed(0, at(18, 14)) == mins(8)
    # paused at 18:14: 12 remaining, so 18:14 + 12 + 160 = 21:06
    assert clock.planned_end(at(18, 14)) == at(21, 6)
    clock = AgendaClock(clock.resume(at(18, 15)))
    assert not clock.paused and clock.blocks[0].pauses == ((at(18, 10), at(18, 15)),)
    # 18:20 - 18:02 = 18, minus the 5-minute pause = 13; 20 - 13 = 7
    assert clock.elapsed(0, at(18, 20)) == mins(13)
    assert clock.remaining(0, at(18, 20)) == mins(7)
    # next while paused closes the pause at the same moment
    clock = run(("start", at(18, 2)), ("pause", at(18, 10)), ("next", at(18, 16)))
    assert clock.blocks[0].pauses == ((at(18, 10), at(18, 16)),)
    assert clock.elapsed(0, at(19)) == mins(8)


def test_pause_and_resume_refused_in_the_wrong_state() -> None:
    with pytest.raises(AgendaError):
        AgendaClock(evening()).pause(at(18))
    clock = run(("start", at(18, 2)))
    with pytest.raises(AgendaError):
        clock.resume(at(18, 5))
    clock = AgendaClock(clock.pause(at(18, 5)))
    with pytest.raises(AgendaError):
        clock.pause(at(18, 6))


def test_extend_adds_five_minutes_to_the_current_block() -> None:
    clock = run(("start", at(18, 2)), ("pause", at(18, 10)), ("resume", at(18, 15)),
                ("extend", at(18, 15)))
    assert clock.blocks[0].planned_minutes == 25
    # 18:15 - 18:02 - 5 paused = 8 elapsed; 25 - 8 = 17
    assert clock.remaining(0, at(18, 15)) == mins(17)
    assert clock.planned_total == mins(185)
    clock = AgendaClock(clock.extend(at(18, 16), minutes=10))
    assert clock.blocks[0].planned_minutes == 35
    with pytest.raises(AgendaError):
        clock.extend(at(18, 16), minutes=0)


def test_cue_due_exactly_one_minute_before_the_end() -> None:
    clock = run(("start", at(18, 2)))                # check-in planned to end 18:22
    assert not clock.cue_due(at(18, 20, 59))         # 61 s left
    assert clock.cue_due(at(18, 21))                 # exactly 60 s left
    assert clock.cue_due(at(18, 21, 59))             # 1 s left
    assert not clock.cue_due(at(18, 22))             # 0 left: it is over, no cue
    assert not clock.cue_due(at(18, 25))             # overtime
    assert not AgendaClock(evening()).cue_due(at(18, 21))


# --- back ------------------------------------------------------------------------------

def test_back_after_a_mistaken_next_restores_the_check_in() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 10)), ("back", at(18, 13)))
    assert clock.blocks == run(("start", at(18, 2))).blocks        # as if next was never pressed
    assert clock.current() == 0
    # 18:13 - 18:02 = 11: the three minutes "in education" were check-in all along
    assert clock.elapsed(0, at(18, 13)) == mins(11)
    assert clock.blocks[1].started_at is None
    clock = AgendaClock(clock.next(at(18, 24)))
    assert clock.elapsed(0, at(19)) == mins(22)
    assert clock.blocks[1].started_at == at(18, 24)


def test_back_carries_a_pause_to_the_previous_block() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 10)), ("pause", at(18, 11)),
                ("back", at(18, 12)))
    assert clock.current() == 0 and clock.paused
    assert clock.blocks[0].pauses == ((at(18, 11), None),)
    assert clock.blocks[1] == evening()[1]                          # education: untouched again
    clock = AgendaClock(clock.resume(at(18, 14)))
    # 18:20 - 18:02 = 18, minus 18:11-18:14 = 3 -> 15
    assert clock.elapsed(0, at(18, 20)) == mins(15)


def test_back_after_finishing_reopens_the_last_block() -> None:
    steps = [("start", at(18, 2))] + [("next", at(18, 10 + 5 * k)) for k in range(6)]
    clock = run(*steps, ("back", at(18, 36)))
    assert not clock.finished and clock.current() == 5
    # the wrap-up resumes: started 18:30, 18:40 - 18:30 = 10
    assert clock.elapsed(5, at(18, 40)) == mins(10)


def test_back_refused_at_the_first_block_and_before_start() -> None:
    with pytest.raises(AgendaError):
        AgendaClock(evening()).back(at(18))
    with pytest.raises(AgendaError):
        run(("start", at(18, 2))).back(at(18, 3))


# --- skip, insert_break -----------------------------------------------------------------

def test_skip_keeps_the_time_run_and_starts_the_next_block() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 22)), ("skip", at(18, 30)))
    education = clock.blocks[1]
    assert education.skipped and education.started_at == at(18, 22)
    assert education.ended_at == at(18, 30)
    assert clock.elapsed(1, at(19)) == mins(8)                     # 18:22 -> 18:30
    assert clock.current() == 2 and clock.blocks[2].started_at == at(18, 30)
    # skipped blocks leave the plan: 180 - 45 = 135
    assert clock.planned_total == mins(135)
    # 18:30 + break 10 + 45 + 45 + 15 = 18:30 + 115 = 20:25
    assert clock.planned_end(at(18, 30)) == at(20, 25)
    # back undoes a mistaken skip: education resumes, not skipped
    clock = AgendaClock(clock.back(at(18, 31)))
    assert clock.current() == 1 and not clock.blocks[1].skipped
    assert clock.blocks[2].started_at is None
    assert clock.elapsed(1, at(18, 31)) == mins(9)


def test_skip_right_away_leaves_a_zero_length_block() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 22)), ("skip", at(18, 22)))
    assert clock.blocks[1].skipped and clock.elapsed(1, at(19)) == timedelta(0)
    assert clock.current() == 2


def test_insert_break_after_the_current_block() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 22)), ("insert_break", at(18, 50)))
    assert len(clock.blocks) == 7
    assert [b.position for b in clock.blocks] == list(range(7))
    assert clock.elapsed(1, at(19)) == mins(28)                    # 18:22 -> 18:50
    brk = clock.blocks[2]
    assert (brk.kind, brk.title, brk.planned_minutes, brk.countable) == \
        (BlockKind.BREAK, "Break", 10, False)
    assert clock.current() == 2 and brk.started_at == at(18, 50)
    assert clock.blocks[3].title == "Break" and clock.blocks[3].started_at is None  # the planned one
    assert clock.planned_total == mins(190)
    clock = AgendaClock(clock.next(at(19)))
    # both breaks as run, pauses ignored: 18:50-19:00, and the planned one from 19:00 to now
    assert clock.noncountable_spans(at(19, 5)) == [(at(18, 50), at(19)), (at(19), at(19, 5))]
    clock = AgendaClock(clock.insert_break(at(19, 6), minutes=15))
    assert clock.blocks[4].planned_minutes == 15 and len(clock.blocks) == 8


def test_noncountable_spans_leave_pauses_out_like_breaks() -> None:
    # issue #20: a pause is not treatment (a pause inside the break is in the break's span)
    clock = run(("start", at(18, 2)), ("pause", at(18, 10)), ("resume", at(18, 14)),
                ("next", at(18, 22)), ("next", at(19, 7)),
                ("pause", at(19, 9)), ("resume", at(19, 10)), ("next", at(19, 17)))
    assert clock.noncountable_spans(at(20)) == [(at(18, 10), at(18, 14)), (at(19, 7), at(19, 17)),
                                                (at(19, 9), at(19, 10))]
    assert clock.actual_total(at(20)) == mins(118 - 5)          # 18:02 -> 20:00, less 4 + 1 paused


# --- crash, restart, suspend, clock quirks, DST ---------------------------------------------

def test_restart_from_stored_dicts_gives_identical_answers() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 24)), ("pause", at(18, 30)),
                ("resume", at(18, 33)), ("extend", at(18, 40)))
    stored = json.dumps([b.to_dict() for b in clock.blocks])       # what the store writes
    rebuilt = AgendaClock(tuple(BlockRun.from_dict(d) for d in json.loads(stored)))
    for now in (at(18, 45), at(19, 20), at(21)):
        for i in range(len(clock.blocks)):
            assert rebuilt.elapsed(i, now) == clock.elapsed(i, now)
            assert rebuilt.remaining(i, now) == clock.remaining(i, now)
        assert rebuilt.current() == clock.current() == 1
        assert rebuilt.planned_end(now) == clock.planned_end(now)
        assert rebuilt.actual_total(now) == clock.actual_total(now)
        assert rebuilt.cue_due(now) == clock.cue_due(now)
    # 18:45 - 18:24 - 3 paused = 18; planned 45 + 5 = 50 -> 32 remaining
    assert rebuilt.remaining(1, at(18, 45)) == mins(32)


def test_suspend_jump_of_forty_minutes() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 24)))
    # laptop lid closed 18:25, opened 19:04: no calls in between; 19:04 - 18:24 = 40
    assert clock.elapsed(1, at(19, 4)) == mins(40)
    assert clock.remaining(1, at(19, 4)) == mins(5)
    assert clock.actual_total(at(19, 4)) == mins(62)               # 18:02 -> 19:04


def test_clock_set_back_never_stores_time_out_of_order() -> None:
    clock = run(("start", at(18, 2)), ("next", at(18, 24)))
    # the laptop clock is corrected two minutes back; the stamp is held at the latest one
    clock = AgendaClock(clock.next(at(18, 22)))
    assert clock.blocks[1].ended_at == at(18, 24) == clock.blocks[2].started_at
    assert clock.elapsed(2, at(18, 20)) == timedelta(0)            # never negative


def test_naive_times_and_empty_agenda_are_refused() -> None:
    with pytest.raises(AgendaError):
        AgendaClock(evening()).start(datetime(2026, 4, 14, 18, 2))
    with pytest.raises(AgendaError):
        AgendaClock(()).start(at(18))
    with pytest.raises(AgendaError):
        run(("start", at(18, 2))).start(at(18, 3))


def test_dst_fall_back_counts_real_minutes() -> None:
    # 2026-11-01: 01:30 CDT (UTC-5) = 06:30Z; 01:10 CST (UTC-6, the second 01:10) = 07:10Z
    start = datetime(2026, 11, 1, 1, 30, tzinfo=CHI)
    later = datetime(2026, 11, 1, 1, 10, tzinfo=CHI, fold=1)
    clock = AgendaClock(AgendaClock(evening()).start(start))
    assert clock.elapsed(0, later) == mins(40)                     # 06:30Z -> 07:10Z
    assert clock.remaining(0, later) == mins(-20)
    clock = AgendaClock(clock.next(later))                          # not refused as "backwards"
    assert clock.blocks[0].ended_at == later and clock.elapsed(0, later) == mins(40)
    # 07:10Z + 160 = 09:50Z = 03:50 CST
    assert clock.planned_end(later).astimezone(UTC) == datetime(2026, 11, 1, 9, 50, tzinfo=UTC)


# --- invariants under any sequence of operations ------------------------------------------

OPERATIONS = ("start", "next", "back", "pause", "resume", "extend", "skip", "insert_break")
DST_EVE = datetime(2026, 11, 1, 0, 40, tzinfo=CHI)                  # runs across the fall-back


def u(t: datetime) -> datetime:
    return t.astimezone(UTC)


def check_invariants(clock: AgendaClock, now: datetime) -> None:
    blocks = clock.blocks
    assert [b.position for b in blocks] == list(range(len(blocks)))
    running = [i for i, b in enumerate(blocks) if b.started_at and b.ended_at is None]
    assert len(running) <= 1 and clock.current() == (running[0] if running else None)
    states = "".join("R" if i in running else "D" if b.ended_at else "N"
                     for i, b in enumerate(blocks))
    assert re.fullmatch(r"D*RN*|D+|N*", states), states            # one straight pass
    for i, b in enumerate(blocks):
        if b.skipped:
            assert b.ended_at is not None
        if b.started_at is None:
            assert b.ended_at is None and b.pauses == ()
            continue
        end = b.ended_at or now
        if b.ended_at:
            assert u(b.started_at) <= u(b.ended_at)
        previous = b.started_at
        for k, (p0, p1) in enumerate(b.pauses):
            assert u(previous) <= u(p0)
            if p1 is None:
                assert i in running and k == len(b.pauses) - 1
            else:
                assert u(p0) <= u(p1) and (b.ended_at is None or u(p1) <= u(b.ended_at))
                previous = p1
        assert timedelta(0) <= clock.elapsed(i, now) <= max(u(end) - u(b.started_at),
                                                             timedelta(0))
        assert 0.0 <= clock.progress(i, now) <= 1.0
    assert clock.actual_total(now) >= sum((clock.elapsed(i, now) for i in range(len(blocks))),
                                          timedelta(0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 30 * 60)), max_size=40))
def test_any_sequence_keeps_the_invariants(steps: list[tuple[str, int]]) -> None:
    clock = AgendaClock(evening())
    now = DST_EVE
    for name, seconds in steps:
        now = (u(now) + timedelta(seconds=seconds)).astimezone(CHI)
        try:
            clock = AgendaClock(getattr(clock, name)(now))
        except AgendaError:
            pass
        check_invariants(clock, now)
        rebuilt = AgendaClock(tuple(BlockRun.from_dict(b.to_dict()) for b in clock.blocks))
        assert rebuilt.current() == clock.current()
        assert [rebuilt.elapsed(i, now) for i in range(len(clock.blocks))] == \
            [clock.elapsed(i, now) for i in range(len(clock.blocks))]
