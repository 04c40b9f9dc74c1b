"""Issue #21 case 3: a terminal that says it is 65535×65535 (an ssh client's window, or an
in-band size report typed at the app) gets a screen of at most MAX_SIZE; a usual one is
left as it is."""

from __future__ import annotations

from textual.geometry import Size

from facilitator.tui.app import MAX_SIZE
from tests.tui.helpers import build_app


async def test_a_vast_terminal_is_drawn_at_most_max_size_and_a_usual_one_as_it_is(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=(80, 24)) as pilot:
        await pilot.resize_terminal(65535, 65535)
        assert pilot.app.size == MAX_SIZE
        assert pilot.app.screen.size.width <= MAX_SIZE.width and pilot.app.screen.size.height <= MAX_SIZE.height
        await pilot.resize_terminal(120, 40)
        assert pilot.app.size == Size(120, 40)
        await pilot.resize_terminal(100_000, 30)
        assert pilot.app.size == Size(MAX_SIZE.width, 30)


async def test_an_in_band_size_report_typed_at_the_app_is_clamped_too(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=(80, 24)) as pilot:
        from textual._xterm_parser import XTermParser  # what the terminal driver runs on typed input
        events = list(XTermParser().feed("\x1b[48;65535;65535;0;0t"))
        assert events and all(type(e).__name__ == "Resize" for e in events)
        for event in events:
            pilot.app.post_message(event)
        await pilot.pause()
        assert pilot.app.size == MAX_SIZE
