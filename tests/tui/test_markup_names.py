"""Names that look like markup show as typed, on every screen, and stop nothing.

The name rule (core/names.py) refuses control characters and escapes, not brackets: "Jo
[Jr] Lee" is a name. Textual reads a ``str`` given to a DataTable cell, a Label or a
Static as markup, so before this test a client named with "[b]" showed in bold without the
brackets, and one holding "[/]" stopped the app (MarkupError) on every screen listing it:
one roster import could take every counselor's app down. The names below are invented.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from facilitator.core.clinic import ClinicSettings
from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.datadir import DataDir
from facilitator.store.running import start_session
from tests.conftest import TEST_USER, sample_clients, sample_groups
from tests.tui.helpers import build_app, wait_until
from tests.tui.session_helpers import screen_text

CLINIC = "Clinic [/] [b]One"
STAFF = "Casey [/]Counselor"
GROUP = "Evening [/] [red]IOP"
FIRST, LAST = "Avery [/]", "[bold]Testperson"


@pytest.fixture
def hostile(tmp_path, fake_clock):
    root = tmp_path / "clinic"
    made = DataDir.init(root, ClinicSettings(name=CLINIC, timezone="America/Chicago"),
                        user=TEST_USER, display_name=STAFF, clock=fake_clock)
    evening, morning = sample_groups()
    made.add_group(replace(evening, name=GROUP))
    made.add_group(morning)
    clients = []
    for client in sample_clients():
        groups = tuple(GROUP if g == evening.name else g for g in client.groups)
        if client.client_id == "T001":
            client = replace(client, first_name=FIRST, last_name=LAST)
        clients.append(replace(client, groups=groups))
    made.import_roster(clients)
    return open_clinic(root, user=TEST_USER, clock=fake_clock)


def shows(app, *texts: str) -> bool:
    text = screen_text(app)
    return all(t in text for t in texts)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_markup_in_names_shows_as_typed_on_every_screen(hostile, fake_clock, size):
    fake_clock.set(fake_clock.now.replace(hour=18, minute=5))
    async with build_app(hostile, fake_clock).run_test(size=size) as pilot:
        app = pilot.app
        # home: the header's clinic and staff names, today's group, the roster
        assert await wait_until(pilot, lambda: shows(app, "[bold]Test", "[/]"))
        assert "Clinic [/]" in screen_text(app)

        await pilot.press("w")                      # weekly hours: names and the group filter
        assert await wait_until(pilot, lambda: shows(app, "Avery [/]", "Evening [/] [red]IOP"))
        await pilot.press("g")                      # the first group filter
        assert await wait_until(pilot, lambda: "[/]" in app.screen.query_one("#weekly-filters").render().plain)
        await pilot.press("enter")                  # the client's own screen
        assert await wait_until(pilot, lambda: shows(app, "Evening [/] [red]IOP"))
        await pilot.press("escape")
        await pilot.press("escape")

        await pilot.press("v")                      # the review queue
        assert await wait_until(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        await pilot.press("escape")

        running = start_session(hostile, GROUP)
        running.mark("T001", Status.PRESENT)
        from facilitator.tui.session import SessionScreen
        await app.push_screen(SessionScreen(running))   # the group room
        assert await wait_until(pilot, lambda: shows(app, "Avery [/]"))
        assert "Evening [/]" in screen_text(app)


async def test_a_toast_shows_a_name_as_typed(hostile, fake_clock):
    """Screens call ``notify`` with names in the message (Widget.notify passes markup=True on
    to the app); a toast holding "[/]" stopped the app when it was drawn."""
    async with build_app(hostile, fake_clock).run_test(size=(80, 24)) as pilot:
        pilot.app.screen.notify(f"Saved for {FIRST}{LAST}", markup=True)
        await pilot.pause()
        toasts = list(pilot.app._notifications)
        assert [(n.message, n.markup) for n in toasts] == [("Saved for Avery [/][bold]Testperson", False)]


def test_no_screen_takes_label_or_static_from_textual_directly():
    """Every Label and Static of the app comes from tui/widgets/plain.py (markup off)."""
    import ast
    from pathlib import Path

    import facilitator.tui
    offenders = []
    for path in Path(facilitator.tui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "textual.widgets":
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name in ("Label", "Static")]
    assert offenders == []
