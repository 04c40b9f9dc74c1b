"""Issue #20, case 1: a session left running overnight is not billed as 14 hours.

Monday 2026-11-23, Evening IOP (18:00-21:00, the shipped plan). The counselor starts at
18:02, runs the blocks to the wrap-up, marks two clients and closes the app without E.
Tuesday 08:30 the app is opened again: it asks when the session ended, with 21:00 typed in;
E then enter accepts it. Billing, hours and the drafted notes then say 18:02-21:00:
178 minutes less the 10-minute break = 168, not 867.
"""

from __future__ import annotations

from datetime import datetime

from facilitator.core.agenda import AgendaClock
from facilitator.core.rules import Status
from facilitator.core.weeks import week_containing
from facilitator.store.datadir import DataDir
from facilitator.store.reports import billing_days, week_report
from facilitator.store.running import start_session
from facilitator.tui.session import SessionScreen
from facilitator.tui.session_end import EndSessionScreen
from facilitator.tui.session_modals import EndTimeModal
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, wait_until

SIZE = (80, 24)


def at(hh: int, mm: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


def left_running(clinic, clock):
    running = start_session(clinic, "Evening IOP")
    for when in (at(18, 2), at(18, 22), at(19, 7), at(19, 17), at(20, 2), at(20, 45)):
        clock.set(when)
        running.update_agenda(lambda b, now: (AgendaClock(b).next(now) if AgendaClock(b).started
                                              else AgendaClock(b).start(now)))
        if when == at(18, 2):
            running.mark("T001", Status.PRESENT)
            running.mark("T002", Status.PRESENT)
    return running        # the app was closed without E: still running, wrap-up open


def reopen(clinic, clock):
    again = DataDir.open(clinic.root, user=clinic.user, clock=clock, blocks_for=clinic.blocks_for)
    return build_app(again, clock)


async def test_next_morning_the_app_asks_and_e_enter_ends_it_at_the_scheduled_end(clinic, fake_clock):
    running = left_running(clinic, fake_clock)
    fake_clock.set(at(8, 30, day=24))
    async with reopen(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndTimeModal))
        modal = pilot.app.screen
        text = " ".join(str(w.render()) for w in modal.query("Label, Static"))
        assert "When did Evening IOP end?" in text and "due to end at 21:00" in text
        await pilot.press("E", "enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))
    header = running.record().header
    assert header.actual_end == at(21, 0) and header.actual_start == at(18, 2)

    rows, problems = billing_days(clinic, at(0, 0).date(), at(0, 0).date())
    assert not problems
    assert [(r.client_id, f"{r.start:%H:%M}", f"{r.stop:%H:%M}", r.minutes) for r in rows] == \
        [("T001", "18:02", "21:00", 168), ("T002", "18:02", "21:00", 168)]
    report = week_report(clinic, week_containing(at(0, 0).date()))
    assert {r.client_id: r.credited_minutes for r in report.rows if r.client_id in ("T001", "T002")} \
        == {"T001": 168, "T002": 168}
    notes = running.file.notes()
    assert set(notes) == {"T001", "T002"}
    for note in notes.values():
        assert "Time: 18:02-21:00 (178 min)" in note.body
        assert "attended 168 of 168 treatment minutes" in note.body
        assert "- Wrap-up (wrap-up): 15 min" in note.body
        assert "867" not in note.body


async def test_another_time_can_be_typed_and_a_bad_one_is_explained_in_place(clinic, fake_clock):
    running = left_running(clinic, fake_clock)
    fake_clock.set(at(8, 30, day=24))
    before = running.file.path.read_bytes()
    async with reopen(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndTimeModal))
        modal = pilot.app.screen
        field = modal.query_one("#end-time")
        field.value = "9:30a"          # the morning: before the session began
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is modal
        error = str(modal.query_one("#end-time-error").render())
        assert "09:30 is before the session's start (18:02)" in error
        assert running.file.path.read_bytes() == before
        field.value = "8:50p"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))
    record = running.record()
    assert record.header.actual_end == at(20, 50)
    assert record.blocks[-1].ended_at == at(20, 50)


async def test_escape_leaves_it_running_and_e_asks_again_offering_the_scheduled_end(clinic, fake_clock):
    running = left_running(clinic, fake_clock)
    fake_clock.set(at(8, 30, day=24))
    async with reopen(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndTimeModal))
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen))
        assert running.record().header.actual_end is None
        await pilot.press("E")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndTimeModal))
        assert pilot.app.screen.query_one("#end-time").value == "21:00"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))
    assert running.record().header.actual_end == at(21, 0)


async def test_within_the_grace_e_still_ends_now_after_y(clinic, fake_clock):
    running = left_running(clinic, fake_clock)
    fake_clock.set(at(21, 10))
    async with reopen(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen))
        await pilot.pause()
        assert not isinstance(pilot.app.screen, EndTimeModal)
        await pilot.press("E", "y")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))
    assert running.record().header.actual_end == at(21, 10)
