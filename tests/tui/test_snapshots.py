"""Snapshots of the home screen (fake clock: Monday 2026-11-23 17:55, Chicago).

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and look at
every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest

from facilitator.tui.help import HelpScreen
from tests.tui.helpers import build_app, pressing, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
THEMES = [pytest.param("textual-dark", id="dark"), pytest.param("textual-light", id="light")]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_home_screen(snap_compare, clinic, fake_clock, size, theme):
    app = build_app(clinic, fake_clock)

    async def set_theme(pilot) -> None:
        pilot.app.theme = theme
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=set_theme)


def test_home_screen_with_discharged_shown(snap_compare, clinic, fake_clock):
    assert snap_compare(build_app(clinic, fake_clock), terminal_size=(80, 24), run_before=pressing("d"))


def test_help_screen(snap_compare, clinic, fake_clock):
    assert snap_compare(build_app(clinic, fake_clock), terminal_size=(80, 24),
                        run_before=pressing("f1", until=lambda app: isinstance(app.screen, HelpScreen)))
