"""No keystroke lost, none misread (issue #20, cases 6 and 7).

- What was typed is on disk before the app ends, whatever ends it: ctrl+q, ctrl+c (which
  only says how to quit, but someone pressing it may pull the plug next), the session's q.
  Autosave otherwise waits about a second after typing stops; these tests quit at once.
- Digits tick participation words only in the participation pane, and only once the
  session's agenda has started: from the attendance list, or before the agenda, a digit
  (as in a PIN typed a moment early) changes nothing.

Every assertion reads the stored session file. Fake now: Mon 2026-11-23 (Chicago).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from facilitator.core.rules import Status
from facilitator.tui.session import SessionScreen
from facilitator.tui.session_modals import TimeModal
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, stored
from tests.tui.session_helpers import cursor_to, start
from tests.tui.test_session_end import cursor_client, open_end_screen, run_short_session

SIZE = (80, 24)
T0 = datetime(2026, 11, 23, 18, 5, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def _no_timed_autosave(monkeypatch):
    """The timed autosave waits an hour here: only what these tests do can have saved."""
    monkeypatch.setattr("facilitator.tui.widgets.participation.QUIET_SECONDS", 3600.0)
    monkeypatch.setattr("facilitator.tui.widgets.participation.MAX_UNSAVED_SECONDS", 3600.0)
    monkeypatch.setattr("facilitator.tui.note_editor.AUTOSAVE_SECONDS", 3600.0)


def notices(app) -> list[str]:
    seen: list[str] = []
    original = app.notify
    app.notify = lambda message, **kw: (seen.append(str(message)), original(message, **kw))[1]
    return seen


async def test_a_line_typed_then_ctrl_q_at_once_is_on_disk(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    running.mark("T001", Status.PRESENT)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await cursor_to(pilot, "T001")
        await pilot.press("tab", "tab", *"Named two triggers", "tab", *"Role play")
        await stored(pilot)
        assert running.record().attendance["T001"].text == ""     # autosave has not run yet
        await pilot.press("ctrl+q")
        await stored(pilot)
    record = running.record()
    assert record.attendance["T001"].text == "Named two triggers"
    assert record.blocks[0].note == "Role play"


async def test_ctrl_c_in_a_text_box_saves_what_was_typed_at_once(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    running.mark("T001", Status.PRESENT)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await cursor_to(pilot, "T001")
        await pilot.press("tab", "tab", *"Quiet today")
        await stored(pilot)
        assert running.record().attendance["T001"].text == ""
        await pilot.press("ctrl+c")          # in a text box it copies; the line is saved first
        await stored(pilot)
        assert running.record().attendance["T001"].text == "Quiet today"
        assert isinstance(pilot.app.screen, SessionScreen)    # and nothing else happened


async def test_ctrl_c_on_the_list_saves_and_says_how_to_quit(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    running.mark("T001", Status.PRESENT)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        seen = notices(pilot.app)
        await cursor_to(pilot, "T001")
        await pilot.press("tab", "tab", *"Left at the break")
        pilot.app.screen.focus_attendance()    # typing left unsaved, the focus elsewhere
        await pilot.press("ctrl+c")
        await stored(pilot)
        assert running.record().attendance["T001"].text == "Left at the break"
        assert "Press ctrl+q to quit facilitator." in seen


async def test_a_note_typed_then_ctrl_q_at_once_is_on_disk(clinic, fake_clock):
    running = run_short_session(clinic, fake_clock)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        client = cursor_client(screen)
        await pilot.press("enter")
        await pilot.pause()
        editor = pilot.app.screen
        editor.area.move_cursor(editor.area.document.end)
        await pilot.press(*" Asked about supports.")
        await stored(pilot)
        assert "Asked about supports." not in running.file.notes()[client].body
        await pilot.press("ctrl+q")
        await stored(pilot)
    note = running.file.notes()[client]
    assert note.body.endswith(" Asked about supports.") and not note.signed


async def test_digits_on_the_list_tick_nothing_and_open_nothing(clinic, fake_clock):
    """The PIN of the issue, typed on the list of a started session: no pick, no dialog."""
    running = start(clinic)
    fake_clock.set(T0)
    running.mark("T001", Status.PRESENT)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("n")                     # the agenda has started
        await cursor_to(pilot, "T001")
        await pilot.press(*"112358")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.record().attendance["T001"].all_picks == ()
        assert not isinstance(pilot.app.screen, TimeModal)


async def test_digits_in_the_pane_tick_words_only_once_the_agenda_has_started(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    running.mark("T001", Status.PRESENT)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        seen = notices(pilot.app)
        await cursor_to(pilot, "T001")
        await pilot.press("tab", *"2358")              # the pane has focus; no agenda yet
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.record().attendance["T001"].all_picks == ()
        assert any("The agenda has not started: n starts it." in m for m in seen)
        await pilot.press("space")                     # the word under the cursor, on purpose
        await stored(pilot)
        assert running.record().attendance["T001"].all_picks == ("engaged",)
        await pilot.press("escape", "n", "tab", "2")   # started: a digit ticks its word
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.record().attendance["T001"].all_picks == ("engaged", "shared")
