"""The session screen's agenda clock, autosaved participation and notes, and ending.

The fake clock jumps by minutes; the screen recomputes from the stored blocks (``tick``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from facilitator.core.rules import BlockKind, Status
from facilitator.core.session import SessionState
from facilitator.store.running import find_running
from facilitator.tui.session import SessionScreen
from facilitator.tui.widgets.agenda import AgendaPane
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, stored, wait_until
from tests.tui.session_helpers import row_order, screen_text, set_settings, start

SIZE = (80, 24)
T0 = datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO)


async def tick(pilot) -> str:
    pilot.app.screen.tick()
    await pilot.pause()
    return screen_text(pilot.app)


async def test_agenda_keys_change_the_stored_blocks_and_the_clock_shown(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert "Not started · n starts" in await tick(pilot)
        await pilot.press("n")                                   # start: Check-in, 20 min
        await stored(pilot)
        blocks = running.record().blocks
        await pilot.app.writes.idle()
        assert blocks[0].started_at == T0 and running.record().header.actual_start == T0
        fake_clock.advance(minutes=7)
        assert "7:00 done · 13:00 left" in await tick(pilot)
        await pilot.press("f")                                   # +5 minutes
        await stored(pilot)
        assert running.record().blocks[0].planned_minutes == 25
        assert "7:00 done · 18:00 left" in await tick(pilot)
        await pilot.press("z")                                   # pause
        await stored(pilot)
        assert running.record().blocks[0].pauses == ((T0 + timedelta(minutes=7), None),)
        fake_clock.advance(minutes=3)
        assert "PAUSED 7:00 done · 18:00 left" in await tick(pilot)
        await pilot.press("z")                                   # resume
        await stored(pilot)
        assert running.record().blocks[0].pauses[0][1] == T0 + timedelta(minutes=10)
        fake_clock.advance(minutes=2)
        await pilot.press("n")                                   # next: education
        await stored(pilot)
        blocks = running.record().blocks
        assert blocks[0].ended_at == T0 + timedelta(minutes=12) and blocks[1].started_at == blocks[0].ended_at
        await pilot.press("b")                                   # back: undo that next
        await stored(pilot)
        blocks = running.record().blocks
        assert blocks[0].ended_at is None and blocks[1].started_at is None
        await pilot.press("k")                                   # skip check-in
        await stored(pilot)
        blocks = running.record().blocks
        assert blocks[0].skipped and blocks[1].started_at == T0 + timedelta(minutes=12)
        fake_clock.advance(minutes=30)
        await pilot.press("i")                                   # a break, inserted after education
        await stored(pilot)
        blocks = running.record().blocks
        assert blocks[2].kind is BlockKind.BREAK and not blocks[2].countable
        assert blocks[2].started_at == T0 + timedelta(minutes=42) and blocks[1].ended_at == blocks[2].started_at
        fake_clock.advance(minutes=4)
        text = await tick(pilot)
        assert "3/7 · break" in text and "4:00 done · 6:00 left" in text


async def test_overtime_is_shown_plainly(clinic, fake_clock):
    start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("n")
        fake_clock.advance(minutes=23, seconds=10)               # check-in planned 20
        text = await tick(pilot)
        assert "OVERTIME +3:10" in text
        assert pilot.app.screen.query_one("#agenda-time").has_class("-overtime")


async def test_the_gentle_cue_a_minute_before_the_end_rings_the_bell_once(clinic, fake_clock, monkeypatch):
    set_settings(clinic, bell=True)
    start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        rings = []
        monkeypatch.setattr(pilot.app, "bell", lambda: rings.append(1))
        pane = pilot.app.screen.query_one(AgendaPane)
        await pilot.press("n")
        fake_clock.advance(minutes=18, seconds=59)
        await tick(pilot)
        assert not pane.has_class("-cue") and rings == []
        fake_clock.advance(seconds=1)                            # 1:00 left
        await tick(pilot)
        assert pane.has_class("-cue") and rings == [1]
        fake_clock.advance(seconds=30)
        await tick(pilot)
        assert pane.has_class("-cue") and rings == [1]           # once per block
        fake_clock.advance(seconds=31)                           # overtime: the cue ends
        await tick(pilot)
        assert not pane.has_class("-cue")


async def test_the_clock_is_computed_from_the_file_not_counted(clinic, fake_clock):
    """A jump of the clock (a suspended laptop) shows the right time at the next second."""
    start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("n")
        fake_clock.advance(minutes=5)
        assert await wait_until(pilot, lambda: "5:00 done · 15:00 left" in screen_text(pilot.app))


async def test_text_and_block_note_autosave_within_two_seconds(clinic, fake_clock):
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        cid = screen.table.highlighted_id
        await pilot.press("n", "p", "up", "tab", "3")           # a pick (agenda started): saved at once
        await stored(pilot)
        assert running.record().attendance[cid].all_picks == ("practised",)
        await pilot.press("tab")                                # the text line
        assert screen.focused.id == "client-text"
        await pilot.press(*"Named two triggers")
        await stored(pilot)
        assert await wait_until(pilot, lambda: running.record().attendance[cid].text == "Named two triggers",
                                seconds=2.0)
        await pilot.app.writes.idle()
        assert running.record().attendance[cid].all_picks == ("practised",)
        await pilot.press("tab", *"Role play in pairs")
        await stored(pilot)
        assert await wait_until(pilot, lambda: running.record().blocks[0].note == "Role play in pairs",
                                seconds=2.0)
        assert screen.query_one("#participation").border_subtitle == "saved"


async def test_switching_clients_saves_at_once_and_shows_the_next_clients_text(clinic, fake_clock):
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        first, second = row_order(screen)[:2]
        running.mark(first, Status.PRESENT)
        running.mark(second, Status.PRESENT)
        running.set_participation(second, (), "Second's line")
        await pilot.press("tab", "tab", *"First's line", "enter")  # enter saves, back to the list
        assert screen.focused is screen.table
        await pilot.app.writes.idle()
        assert running.record().attendance[first].text == "First's line"
        await pilot.press("down")
        await pilot.pause()
        assert screen.query_one("#client-text").value == "Second's line"
        await pilot.press("tab", "tab", "end", *" too", "escape")
        await pilot.press("up")                                 # switching saves the unsaved line
        await stored(pilot)
        assert running.record().attendance[second].text == "Second's line too"


async def test_picks_toggle_with_number_keys_on_the_picks_bar(clinic, fake_clock):
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        cid = pilot.app.screen.table.highlighted_id
        running.mark(cid, Status.PRESENT)       # picks are for clients marked in the room
        await pilot.press("n", "tab", "1", "2", "1", "right", "right", "space")
        await stored(pilot)
        assert running.record().attendance[cid].all_picks == ("shared", "practised")


async def test_end_asks_then_ends_and_shows_the_notes_screen(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("n", "p")
        fake_clock.advance(minutes=10)
        await pilot.press("E")
        assert "End the session now?" in screen_text(pilot.app)
        await pilot.press("n")
        assert isinstance(pilot.app.screen, SessionScreen)
        await pilot.app.writes.idle()
        assert running.record().header.state is SessionState.RUNNING
        await pilot.press("E", "y")
        await pilot.pause()
        await pilot.app.writes.idle()
        record = running.record()
        assert record.header.state is SessionState.ENDED
        assert record.header.actual_end == T0 + timedelta(minutes=10)
        assert record.blocks[0].ended_at == T0 + timedelta(minutes=10)  # the running block closed
        assert record.blocks[1].started_at is None
        assert type(pilot.app.screen).__name__ == "EndSessionScreen"
    assert find_running(clinic) is None


async def test_quick_picks_on_the_list_all_land_on_the_highlighted_client(clinic, fake_clock):
    """Keys typed faster than the screen redraws: every pick goes to the right client, none lost."""
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        first, second = row_order(pilot.app.screen)[:2]
        running.mark(first, Status.PRESENT)
        running.mark(second, Status.PRESENT)
        pilot.app.screen.reload()
        await pilot.pause()
        await pilot.press("d", "down", "u", "o", "up", "u")    # letters: digits are the pane's
        await stored(pilot)
        attendance = running.record().attendance
        assert attendance[first].picks == ("distracted", "disruptive")
        assert attendance[second].picks == ("disruptive", "left_early")
