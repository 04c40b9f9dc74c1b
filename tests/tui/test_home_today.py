"""Home: each of today's sessions' state, and a question before starting far too early."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import DataTable

from facilitator.core.rules import Status
from facilitator.store.running import find_running, start_session
from facilitator.tui.session import SessionScreen
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app

SIZE = (80, 24)


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=CHICAGO)


def states(screen) -> dict[str, str]:
    table = screen.query_one("#today-table", DataTable)
    return {str(table.get_row_at(i)[1]): str(table.get_row_at(i)[2]) for i in range(table.row_count)}


async def test_home_shows_not_started_running_and_ended(clinic, fake_clock):
    fake_clock.set(at(10, 2))
    morning = start_session(clinic, "Morning Relapse Prevention")
    from facilitator.core.agenda import AgendaClock
    morning.update_agenda(lambda b, now: AgendaClock(b).start(now))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.pause()
        from facilitator.tui.home import HomeScreen
        home = next(s for s in pilot.app.screen_stack if isinstance(s, HomeScreen))
        assert states(home) == {"Morning Relapse Prevention": "running since 10:02",
                                "Evening IOP": "not started"}
    fake_clock.set(at(11, 31))
    morning.mark("T001", Status.PRESENT)
    morning.end()
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert states(pilot.app.screen) == {"Morning Relapse Prevention": "ended 11:31",
                                            "Evening IOP": "not started"}


async def test_starting_more_than_30_minutes_early_asks_and_n_starts_nothing(clinic, fake_clock):
    fake_clock.set(at(12, 20))                 # the evening group is due at 18:00
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")             # the cursor is on the group not yet ended
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.question == "Start Evening IOP now, 5 h 40 min before its 18:00 start?"
        await pilot.press("n")
        await pilot.pause()
        assert find_running(clinic) is None
        assert not list((clinic.root / "records").rglob("*.json"))
        await pilot.press("enter", "y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SessionScreen)
        await pilot.app.writes.idle()
        assert find_running(clinic).record().header.group == "Evening IOP"


async def test_thirty_minutes_before_starts_without_a_question(clinic, fake_clock):
    fake_clock.set(at(17, 30))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SessionScreen)


async def test_starting_more_than_30_minutes_late_asks_and_n_starts_nothing(clinic, fake_clock):
    """The evening group is due at 18:00: at 18:31 the start is 31 minutes late and asks,
    as an early start does; n starts nothing, y starts it."""
    fake_clock.set(at(18, 31))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.question == "Start Evening IOP now, 31 min after its 18:00 start?"
        await pilot.press("n")
        await pilot.pause()
        assert find_running(clinic) is None
        assert not list((clinic.root / "records").rglob("*.json"))
        await pilot.press("enter", "y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SessionScreen)
        await pilot.app.writes.idle()
        assert find_running(clinic).record().header.group == "Evening IOP"


async def test_thirty_minutes_late_starts_without_a_question(clinic, fake_clock):
    fake_clock.set(at(18, 30))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SessionScreen)


async def test_a_late_start_past_the_end_of_the_group_says_hours(clinic, fake_clock):
    """21:40, after the 18:00-21:00 group would have ended: the question says 3 h 40 min,
    and resuming a session already open never asks."""
    fake_clock.set(at(21, 40))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen.question == "Start Evening IOP now, 3 h 40 min after its 18:00 start?"
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SessionScreen)
    fake_clock.set(at(21, 50))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, SessionScreen)    # resumed at launch, no question
