"""Tab moves between the fields of every dialog that has more than one."""

from __future__ import annotations

from datetime import datetime

from facilitator.core.rules import Status
from facilitator.tui.client import ClientScreen
from facilitator.tui.hoursform import AddHoursScreen
from facilitator.tui.session_modals import TimeModal
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, wait_until
from tests.tui.session_helpers import cursor_to, start
from tests.tui.test_weekly import open_weekly
from tests.tui.weekly_support import wait_for_read

SIZE = (80, 24)


async def focused_ids_after_tabs(pilot, count: int) -> list[str | None]:
    seen = []
    for _ in range(count):
        seen.append(pilot.app.screen.focused.id if pilot.app.screen.focused else None)
        await pilot.press("tab")
    return seen


async def test_tab_in_the_time_dialog(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(datetime(2026, 11, 23, 18, 20, tzinfo=CHICAGO))
    running.mark("T001", Status.LATE)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await cursor_to(pilot, "T001")
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TimeModal)
        seen = await focused_ids_after_tabs(pilot, 3)
        assert {"arrived", "left"} <= set(seen)


async def test_tab_in_the_hours_form(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_weekly(pilot)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientScreen))
        await wait_for_read(pilot, pilot.app.screen)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AddHoursScreen)
        seen = await focused_ids_after_tabs(pilot, 4)
        assert len({s for s in seen if s}) >= 2, seen
