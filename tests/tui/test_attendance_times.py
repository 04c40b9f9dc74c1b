"""One rule for T and e (issue #22): the times name the attendance, whichever key set them.

Evening IOP, Monday 2026-11-23, scheduled 18:00-21:00. Before the fix a departure typed
with T at 19:38 left the client "present →19:38" while e at 19:40 gave "left early →19:40".
Asserts on the stored session record, read back from the file, and on the table shown.
"""

from __future__ import annotations

from datetime import datetime

from facilitator.core.rules import Status
from facilitator.tui.session import SessionScreen
from facilitator.tui.session_modals import TimeModal
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app
from tests.tui.session_helpers import cursor_to, row_order, start

SIZE = (80, 24)


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=CHICAGO)


def shown_status(screen, client_id: str) -> str:
    row = screen.table.get_row_at(row_order(screen).index(client_id))
    return " ".join(str(cell) for cell in row)


async def type_time(pilot, which: str, typed: str) -> None:
    await pilot.press("T")
    modal = pilot.app.screen
    assert isinstance(modal, TimeModal)
    if which == "left" and not modal.query_one("#left").has_focus:
        await pilot.press("tab")
    await pilot.press("ctrl+u", *typed, "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, SessionScreen), "the time was refused"


async def test_a_departure_typed_with_T_is_left_early_like_e(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(19, 40))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        await cursor_to(pilot, "T001")
        await pilot.press("p")
        await cursor_to(pilot, "T001")
        await type_time(pilot, "left", "7:38p")
        await cursor_to(pilot, "T002")
        await pilot.press("e")                      # 19:40 from the clock
        await pilot.pause()
        await pilot.app.writes.idle()
        attendance = running.record().attendance
        assert (attendance["T001"].status, attendance["T001"].left) == (Status.LEFT_EARLY, at(19, 38))
        assert (attendance["T002"].status, attendance["T002"].left) == (Status.LEFT_EARLY, at(19, 40))
        assert "left early" in shown_status(screen, "T001")
        assert "→19:38" in shown_status(screen, "T001")


async def test_an_arrival_typed_with_T_is_late_and_p_makes_it_present_again(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 30))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        await cursor_to(pilot, "T003")
        await pilot.press("p")
        await cursor_to(pilot, "T003")
        await type_time(pilot, "arrived", "6:12p")
        await pilot.app.writes.idle()
        entry = running.record().attendance["T003"]
        assert (entry.status, entry.arrived) == (Status.LATE, at(18, 12))
        assert "late" in shown_status(screen, "T003")
        # typed in the start's own minute, the mark stands (the minute cannot say which side)
        await type_time(pilot, "arrived", "6:00p")
        await pilot.app.writes.idle()
        entry = running.record().attendance["T003"]
        assert (entry.status, entry.arrived) == (Status.LATE, at(18, 0))
        # p: in the room the whole session, both times cleared
        await cursor_to(pilot, "T003")
        await pilot.press("p")
        await pilot.pause()
        await pilot.app.writes.idle()
        entry = running.record().attendance["T003"]
        assert (entry.status, entry.arrived, entry.left) == (Status.PRESENT, None, None)


async def test_a_time_typed_in_the_start_minute_leaves_a_present_client_present(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 30))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await cursor_to(pilot, "T001")
        await pilot.press("p")
        await cursor_to(pilot, "T001")
        await type_time(pilot, "arrived", "6:00p")
        await pilot.app.writes.idle()
        entry = running.record().attendance["T001"]
        assert (entry.status, entry.arrived) == (Status.PRESENT, at(18, 0))
        # l in the minute the group started stands as late (stamped 18:00)
        fake_clock.set(at(18, 0))
        await cursor_to(pilot, "T002")
        await pilot.press("l")
        await pilot.pause()
        await pilot.app.writes.idle()
        entry = running.record().attendance["T002"]
        assert (entry.status, entry.arrived) == (Status.LATE, at(18, 0))


async def test_late_then_left_early_keeps_both_times_and_p_clears_them(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 20))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await cursor_to(pilot, "T002")
        await pilot.press("l")
        fake_clock.set(at(20, 0))
        await cursor_to(pilot, "T002")
        await pilot.press("e")
        await pilot.pause()
        await pilot.app.writes.idle()
        entry = running.record().attendance["T002"]
        assert (entry.status, entry.arrived, entry.left) == (Status.LEFT_EARLY, at(18, 20), at(20, 0))
        await cursor_to(pilot, "T002")
        await pilot.press("p")
        await pilot.pause()
        await pilot.app.writes.idle()
        entry = running.record().attendance["T002"]
        assert (entry.status, entry.arrived, entry.left) == (Status.PRESENT, None, None)
