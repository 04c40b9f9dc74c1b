"""Plain words a counselor uses, and what a new user tripped over (issue #22, items 7 and 8):
ctrl+c says plainly how to quit, a late start asks first, and signatures show a name."""

from __future__ import annotations

from tests.tui.helpers import build_app, wait_until
from tests.tui.session_helpers import screen_text

SIZE = (80, 24)


async def test_ctrl_c_says_plainly_which_key_quits(clinic, fake_clock):
    """Textual's own toast is "Press [b]ctrl+q[/b] to quit the app", and this app's toasts
    never read markup: the user saw the brackets. Now one plain sentence with the real key."""
    async with build_app(clinic, fake_clock).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        assert await wait_until(pilot, lambda: "ctrl+q" in screen_text(pilot.app))
        text = screen_text(pilot.app)
        words = " ".join(text.replace("▌", " ").split())
        assert "Do you want to quit? Press ctrl+q to quit facilitator." in words
        assert "[b]" not in text and "[/b]" not in text
        assert pilot.app.is_running        # ctrl+c itself quits nothing
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running
