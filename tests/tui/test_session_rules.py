"""Attendance changes only through attendance keys; every pick has a key; ending with
someone unmarked asks first. Asserts on the stored session record."""

from __future__ import annotations

from datetime import datetime

from facilitator.core.rules import PARTICIPATION_PICKS, Status
from facilitator.tui.session import SessionScreen
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app
from tests.tui.session_helpers import cursor_to, start

SIZE = (80, 24)


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=CHICAGO)


async def test_a_pick_key_on_an_unmarked_client_marks_nobody_and_says_why(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 5))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, SessionScreen)
        seen = []
        original = pilot.app.notify
        pilot.app.notify = lambda message, **kw: (seen.append(str(message)), original(message, **kw))
        await cursor_to(pilot, "T001")
        await pilot.press("d")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert "T001" not in running.record().attendance
        assert any("is not marked" in m and "a participation word never marks anyone" in m for m in seen)
        # once marked, the same key is a pick; absent clients take no picks either
        await pilot.press("p")
        await cursor_to(pilot, "T001")
        await pilot.press("d")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.record().attendance["T001"].picks == ("distracted",)
        await cursor_to(pilot, "T002")
        await pilot.press("a")
        await cursor_to(pilot, "T002")
        await pilot.press("u")
        await pilot.pause()
        await pilot.app.writes.idle()
        entry = running.record().attendance["T002"]
        assert (entry.status, entry.picks) == (Status.ABSENT, ())


async def test_every_pick_has_a_key(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 5))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await cursor_to(pilot, "T001")
        await pilot.press("p")
        await cursor_to(pilot, "T001")
        await pilot.press("n", "tab", *"1234567890duo")      # digits in the pane, agenda started
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.record().attendance["T001"].all_picks == tuple(k for k, _ in PARTICIPATION_PICKS)


async def test_ending_with_a_client_unmarked_warns_and_n_keeps_the_session(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 5))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await cursor_to(pilot, "T001")
        await pilot.press("p")
        await pilot.press("E")
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "2 clients are not marked" in confirm.detail
        assert "they get no note and no hours" in confirm.detail
        await pilot.press("n")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.record().header.state.value == "running"
        await pilot.press("P", "E")
        await pilot.pause()
        assert "not marked" not in pilot.app.screen.detail
        await pilot.press("y")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.record().header.state.value == "ended"
