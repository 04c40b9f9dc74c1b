"""An idle session screen redraws nothing: its clock re-shows the screen every second, and
each label update lays the whole screen out again (benchmark figure 6: each idle app
<= 1% of a core; it was about 4% before). Fake now: Monday 2026-11-23 17:55 Chicago."""

from __future__ import annotations

from textual.widget import Widget

from facilitator.tui.session import SessionScreen
from tests.tui.helpers import build_app, wait_until
from tests.tui.session_helpers import start


async def test_ticks_with_nothing_changed_lay_out_and_redraw_nothing(clinic, fake_clock, monkeypatch):
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=(120, 40)) as pilot:
        screen = SessionScreen(running)
        await pilot.app.push_screen(screen)
        ticks, redraws = [], []
        generation = running.file.generation          # each tick asks it (has the file changed?)
        monkeypatch.setattr(running.file, "generation", lambda: (ticks.append(1), generation())[1])
        refresh = Widget.refresh
        monkeypatch.setattr(Widget, "refresh", lambda self, *a, **k: (
            redraws.append(type(self).__name__), refresh(self, *a, **k))[1])
        # The screen's first layout may still be settling on a loaded machine: from the first
        # tick on, with nothing changed, nothing is redrawn.
        assert await wait_until(pilot, lambda: len(ticks) >= 1, seconds=10)
        await pilot.pause()
        redraws.clear()
        assert await wait_until(pilot, lambda: len(ticks) >= 3, seconds=10)
        assert redraws == []

        # A minute later the clock shows it: what changed is still redrawn.
        fake_clock.advance(minutes=1)
        assert await wait_until(pilot, lambda: str(screen.query_one("#session-clock").render()).endswith("17:56"),
                                seconds=5)
        assert "Label" in redraws
