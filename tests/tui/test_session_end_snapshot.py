"""Snapshot of the end-of-session screen at 80×24 (fake clock; the session of test_session_end).

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and look at
the changed SVG before keeping it.
"""

from __future__ import annotations

from facilitator.tui.session_end import EndSessionScreen
from tests.tui.helpers import build_app, settle
from tests.tui.test_session_end import run_short_session


def test_end_of_session_summary(snap_compare, clinic, fake_clock):
    running = run_short_session(clinic, fake_clock)

    async def open_screen(pilot) -> None:
        await pilot.app.push_screen(EndSessionScreen(running))
        await settle(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))

    assert snap_compare(build_app(clinic, fake_clock), terminal_size=(80, 24), run_before=open_screen)
