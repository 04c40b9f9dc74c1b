"""Snapshots of the session screen mid-group (fake clock; dark theme; no animation).

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and look at
every changed SVG before keeping it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from facilitator.core.agenda import AgendaClock
from facilitator.core.rules import Status
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, pressing, settle
from tests.tui.session_helpers import add_clients, start

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
T0 = datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO)


def group_under_way(clinic, fake_clock):
    """Ten clients, most marked; check-in done, education 12 minutes in; notes written.

    The screen opens on the one unmarked client (Parker); one row down is Jordan, with notes.
    """
    add_clients(clinic)
    running = start(clinic)
    fake_clock.set(T0)
    running.update_agenda(lambda blocks, now: AgendaClock(blocks).start(now))
    roster = sorted(running.record().roster)
    for cid in roster[:7]:
        running.mark(cid, Status.PRESENT)
    running.mark(roster[7], Status.ABSENT)
    fake_clock.set(T0 + timedelta(minutes=9))
    running.mark(roster[8], Status.LATE)
    running.set_participation(roster[3], ("engaged", "shared"), "Talked about a hard weekend.")
    running.set_block_note(0, "Check-in round: mood and cravings 0-10.")
    fake_clock.set(T0 + timedelta(minutes=21))
    running.update_agenda(lambda blocks, now: AgendaClock(blocks).next(now))
    fake_clock.set(T0 + timedelta(minutes=33, seconds=15))
    return running




@pytest.mark.parametrize("size", SIZES)
def test_session_screen(snap_compare, clinic, fake_clock, size):
    group_under_way(clinic, fake_clock)

    async def ready(pilot) -> None:
        pilot.app.theme = "textual-dark"
        await pilot.press("down")  # Jordan: picks and text shown below
        await settle(pilot)

    assert snap_compare(build_app(clinic, fake_clock), terminal_size=size, run_before=ready)


def test_session_screen_light_80x24(snap_compare, clinic, fake_clock):
    group_under_way(clinic, fake_clock)

    async def ready(pilot) -> None:
        pilot.app.theme = "textual-light"
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(build_app(clinic, fake_clock), terminal_size=(80, 24), run_before=ready)


def test_session_screen_private_80x24(snap_compare, clinic, fake_clock):
    group_under_way(clinic, fake_clock)
    assert snap_compare(build_app(clinic, fake_clock), terminal_size=(80, 24),
                        run_before=pressing("down", "f9"))
