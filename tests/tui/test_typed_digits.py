"""Digits are 0-9 in the app too (issue #22): a time typed with full-width digits in the
session's time dialog, or minutes in the hours form, is refused with the same sentence as on
the command line, and nothing is stored."""

from __future__ import annotations

from datetime import datetime

from facilitator.tui.session import SessionScreen
from facilitator.tui.session_modals import TimeModal
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, stored
from tests.tui.session_helpers import row_order, start

SIZE = (80, 24)


async def test_a_full_width_typed_time_is_explained_and_stores_nothing(clinic, fake_clock):
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        cid = row_order(screen)[0]
        fake_clock.set(datetime(2026, 11, 23, 18, 50, tzinfo=CHICAGO))
        await pilot.press("l", "up")
        await stored(pilot)
        before = running.file.path.read_bytes()
        await pilot.press("T")
        modal = pilot.app.screen
        assert isinstance(modal, TimeModal)
        await pilot.press("ctrl+u", *"\uff16:\uff14\uff10p", "enter")     # ６:４０p
        assert pilot.app.screen is modal, "the dialog stays open"
        error = str(modal.query_one("#time-error").render())
        assert "digits 0-9" in error and "U+FF16" in error
        assert running.file.path.read_bytes() == before
        await pilot.press("ctrl+u", *"6:40p", "enter")
        assert isinstance(pilot.app.screen, SessionScreen)
        await pilot.app.writes.idle()
        assert running.record().attendance[cid].arrived == datetime(2026, 11, 23, 18, 40, tzinfo=CHICAGO)
