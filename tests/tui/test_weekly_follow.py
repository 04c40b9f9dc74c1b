"""The weekly view follows other writers only while it is on top (benchmark figure 6: ten
supervisors' views open at once). Fake now: Monday 2026-11-23 17:55 Chicago."""

from __future__ import annotations

from datetime import date

import pytest
from textual.geometry import Region

from facilitator.core.hours import OtherHours
from facilitator.tui.clientdata import add_other_hours
from facilitator.tui.help import HelpScreen
from facilitator.tui.weekly import WeeklyScreen
from facilitator.tui.widgets.weektable import WeekTable
from tests.tui.helpers import build_app, calls_ran, count_calls, wait_until
from tests.tui.test_weekly import SIZE, open_weekly, shown
from tests.tui.weekly_support import THIS_MORNING, import_attendance


def t001_hours(screen: WeeklyScreen) -> str:
    return shown(screen)["T001"]["hours"]


async def test_under_another_screen_it_reads_nothing_and_on_top_again_it_catches_up_at_once(
        clinic, fake_clock, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(WeeklyScreen, "poll_seconds", 0.05)   # polls every 50 ms, each counted
    polls = count_calls(monkeypatch, WeeklyScreen, "poll")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_weekly(pilot)
        assert t001_hours(screen).endswith(" 0.0/9")
        await pilot.press("f1")
        assert isinstance(pilot.app.screen, HelpScreen)

        import_attendance(clinic, THIS_MORNING)          # another writer, while help is shown
        assert await calls_ran(pilot, polls, 3)          # on top, any one of them would have read it
        await pilot.app.workers.wait_for_complete()
        assert not screen._busy and t001_hours(screen).endswith(" 0.0/9")

        await pilot.press("escape")
        assert pilot.app.screen is screen
        # On top again: read at once, not at the next poll after a gap.
        assert await wait_until(pilot, lambda: t001_hours(screen).endswith(" 1.5/9"), seconds=1.0)


async def test_a_lone_change_is_still_shown_within_a_poll_whatever_the_reread_gap(clinic, fake_clock):
    """The gap spaces re-reads only while changes keep coming."""
    assert WeeklyScreen.REREAD_GAP_SECONDS > 1.0
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_weekly(pilot)
        import_attendance(clinic, THIS_MORNING)
        assert await wait_until(pilot, lambda: t001_hours(screen).endswith(" 1.5/9"), seconds=2.0)


def picture(screen: WeeklyScreen) -> list[list[tuple[str, str]]]:
    """What the table draws now: each line's text and styles, as the terminal gets them."""
    table = screen.query_one(WeekTable)
    region = Region(0, 0, table.size.width, table.size.height)
    return [[(seg.text, str(seg.style)) for seg in strip] for strip in table.render_lines(region)]


async def test_a_change_redraws_only_changed_cells_and_draws_what_a_fresh_view_draws(clinic, fake_clock):
    """The view replaces the cells that changed in place (refilling the table made every
    cell be measured and drawn again); what it draws must be what a new view of the same
    files draws, so no cell is left stale."""
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_weekly(pilot)
        table = screen.query_one(WeekTable)
        before = picture(screen)
        refills = []
        table.clear = lambda *a, **k: refills.append(1) or WeekTable.clear(table, *a, **k)

        import_attendance(clinic, THIS_MORNING)           # another writer
        assert await wait_until(pilot, lambda: t001_hours(screen).endswith(" 1.5/9"), seconds=2.0)
        await pilot.pause()
        assert refills == []                              # in place, not refilled
        after = picture(screen)
        t001 = next(i for i, line in enumerate(after) if "Avery" in "".join(t for t, _ in line))
        assert "1.5/9" in "".join(t for t, _ in after[t001])
        assert after != before

    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        fresh = await open_weekly(pilot)
        assert picture(fresh) == after


async def test_a_client_moving_up_or_down_is_reordered_in_place_and_drawn_as_a_fresh_view(clinic, fake_clock):
    """Rows are ordered by shortfall, so hours move a client; the table is reordered, not refilled."""
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_weekly(pilot)
        table = screen.query_one(WeekTable)
        order = list(table.shown_ids)
        refills = []
        table.clear = lambda *a, **k: refills.append(1) or WeekTable.clear(table, *a, **k)

        # 8 hours of individual sessions today: T002 goes from below to at-risk, ahead of T001
        add_other_hours(clinic, OtherHours("T002", date(2026, 11, 23), 480, "individual"))
        assert await wait_until(pilot, lambda: shown(screen)["T002"]["hours"].endswith(" 8.0/9"), seconds=2.0)
        await pilot.pause()
        assert table.shown_ids != order and sorted(table.shown_ids) == sorted(order)
        assert refills == []
        assert table.current_id == order[0]              # the cursor stays on its client
        after = picture(screen)

    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        fresh = await open_weekly(pilot)
        assert fresh.query_one(WeekTable).shown_ids == table.shown_ids
        assert picture(fresh) == after
