"""Snapshots of the weekly view, the client view and the review queue at 80×24
(fake clock: Monday 2026-11-23 17:55, Chicago; attendance of last week and this morning).

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and look at
every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest

from facilitator.tui.client import ClientScreen
from tests.tui.helpers import build_app, settle
from tests.tui.weekly_support import LAST_WEEK, THIS_MORNING, import_attendance

SIZE = (80, 24)
THEMES = [pytest.param("textual-dark", id="dark"), pytest.param("textual-light", id="light")]


@pytest.fixture
def attended(clinic):
    import_attendance(clinic, LAST_WEEK + THIS_MORNING)
    return clinic


def read_shown(screen) -> bool:
    """The screen has shown a read of the data (done in a worker thread), none under way."""
    return getattr(screen, "shown_key", None) is not None and not screen._busy


def opening(keys: tuple[str, ...], theme: str = "textual-dark"):
    async def run_before(pilot) -> None:
        pilot.app.theme = theme
        await pilot.press(*keys)
        await settle(pilot, lambda: read_shown(pilot.app.screen))
    return run_before


@pytest.mark.parametrize("theme", THEMES)
def test_weekly_view(snap_compare, attended, fake_clock, theme):
    assert snap_compare(build_app(attended, fake_clock), terminal_size=SIZE, run_before=opening(("w",), theme))


def test_weekly_view_last_week(snap_compare, attended, fake_clock):
    assert snap_compare(build_app(attended, fake_clock), terminal_size=SIZE,
                        run_before=opening(("w", "left_square_bracket")))


def test_client_view(snap_compare, attended, fake_clock):
    async def run_before(pilot) -> None:
        screen = ClientScreen("T001")
        await pilot.app.push_screen(screen)
        await settle(pilot, lambda: read_shown(screen))

    assert snap_compare(build_app(attended, fake_clock), terminal_size=SIZE, run_before=run_before)


def test_review_queue(snap_compare, attended, fake_clock):
    assert snap_compare(build_app(attended, fake_clock), terminal_size=SIZE, run_before=opening(("v",)))
