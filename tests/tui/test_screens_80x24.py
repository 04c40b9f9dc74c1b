"""Every main screen at 80x24: the footer keeps "f1 Help" (the rest is under F1), no line
is cut mid-word without "…", and no engineer's words reach the screen."""

from __future__ import annotations

import re

import pytest

from facilitator.core.rules import Status
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session
from tests.tui.helpers import build_app, settle
from tests.tui.session_helpers import screen_text
from tests.tui.weekly_support import LAST_WEEK, import_attendance

SIZE = (80, 24)
# Words an engineer wrote that a counselor should never read.
ENGINEER_WORDS = ("field '", "Errno", "sha256", "Traceback", "session.run", "note.cosign",
                  "hours.change", "None", "cosigned_by", "InputError", "PermissionDenied")
# Words a counselor would not use (issue #22 item 7), replaced by plain ones.
OLD_WORDS = ("credited", "Credited", "countable", "h/wk", "reads like", "plan  act", "Block (",
             " picks", "cap 1", "Req h", "meets_3h_day")


def check_screen(text: str, where: str) -> None:
    for word in ENGINEER_WORDS + OLD_WORDS:
        assert word not in text, (where, word, text)
    lines = text.rstrip("\n").split("\n")
    assert "f1 Help" in lines[-1], (where, lines[-1])


def cut_mid_word(line: str, width: int = 80) -> bool:
    """A line that fills the width and ends inside a word (no space, no "…") was cut."""
    body = line.rstrip()
    return len(line) >= width and len(body) == width and re.search(r"\w\w$", body) is not None


@pytest.mark.parametrize("keys,where", [((), "home"), (("w",), "weekly"), (("v",), "review"),
                                         (("w", "enter"), "client")])
async def test_each_screen_fits_80_columns(clinic, fake_clock, keys, where):
    import_attendance(clinic, LAST_WEEK)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await settle(pilot)                 # painted, footer and all (a bare pause was not, under load)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)             # its read shown, the picture still
        text = screen_text(pilot.app)
        check_screen(text, where)


async def test_the_end_screen_fits_and_says_signed_notes_are_unchanged(clinic, fake_clock):

    fake_clock.set(fake_clock.now.replace(hour=18, minute=5))
    running = start_session(clinic, "Evening IOP")
    for cid in ("T001", "T002", "T003"):
        running.mark(cid, Status.PRESENT)
    fake_clock.advance(minutes=10)
    running.end()
    from facilitator.tui.session_end import EndSessionScreen
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(EndSessionScreen(running))
        await settle(pilot)
        check_screen(screen_text(pilot.app), "end")
        await pilot.press("S", "y")
        await pilot.pause()
        await pilot.press("up", "enter")
        await settle(pilot, lambda: hasattr(pilot.app.screen, "area"))
        text = pilot.app.screen.area.text
        assert "unchanged since signing" in text and "sha256" not in text
        check_screen(screen_text(pilot.app), "note")
    assert any(n.signed for n in NoteBook(clinic, running.file).all().values())


async def test_the_weekly_table_fits_80_columns_in_a_holiday_week(tmp_path):
    """Thanksgiving week: "3.0 h short, holiday week" made the Needs column so wide that
    the table ran past 80 columns and cut its words; Needs now gives way, with "…"."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from facilitator import demo_data
    from facilitator.demo import ensure_demo_clinic
    from facilitator.store.clinic import open_clinic
    from tests.conftest import FakeClock
    from tests.tui.helpers import wait_until

    clock = FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo(demo_data.CLINIC_TIMEZONE)))
    ensure_demo_clinic(tmp_path / "demo", user="counselor1", display_name="Casey Counselor",
                       today=date(2026, 11, 27), clock=clock)
    data = open_clinic(tmp_path / "demo", user="counselor1", clock=clock)
    async with build_app(data, clock).run_test(size=SIZE) as pilot:
        await pilot.press("w")
        assert await wait_until(pilot, lambda: "holiday" in screen_text(pilot.app), seconds=5)
        await settle(pilot)
        text = screen_text(pilot.app)
        check_screen(text, "weekly")
        table = [line for line in text.split("\n") if " h " in line and ("below" in line or "at-risk" in line)]
        assert table, text
        # Each Needs cell ends in a whole word or in "…" (a scrollbar may follow it).
        ends = [line.rstrip(" ▁▂▃▄▅▆▇█▏▕▎▍▌▋▊▉") for line in table]
        assert [e for e in ends if not e.endswith(("…", "session", "sessions", "short", "week"))] == [], text
