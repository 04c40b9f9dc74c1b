"""Helpers for the session-screen tests: more invented clients, the screen as text, settings."""

from __future__ import annotations

import io
from datetime import date

from rich.console import Console

from facilitator.core.roster import Client
from facilitator.store.running import RunningSession, start_session

GROUP = "Evening IOP"
# Invented names only. With the fixture's three: ten clients enrolled in the evening group.
EXTRA_CLIENTS = [
    ("T011", "Jordan", "Inventedname"), ("T012", "Kai", "Notaperson"), ("T013", "Lee", "Makebelieve"),
    ("T014", "Morgan", "Fictional"), ("T015", "Noor", "Pretendson"), ("T016", "Oakley", "Synthetic"),
    ("T017", "Parker", "Imaginary"),
]


def add_clients(data, clients=EXTRA_CLIENTS) -> None:
    data.import_roster([Client(cid, first, last, "IOP", 9.0, date(2026, 11, 2), groups=(GROUP,))
                        for cid, first, last in clients])


def all_names(data) -> list[str]:
    return [part for c in data.snapshot().clients.values() for part in (c.first_name, c.last_name)]


def start(data) -> RunningSession:
    return start_session(data, GROUP)


def set_settings(data, **changes) -> None:
    with data.change("settings.change", "settings"), data.clinic_file.transaction() as db:
        db.table("settings").update(changes)


def screen_text(app) -> str:
    """What the terminal shows now, as plain text (the screen and any dialog over it)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True,
                      color_system=None, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def row_order(screen) -> list[str]:
    return [row.client_id for row in screen.table.shown]


async def cursor_to(pilot, client_id: str) -> None:
    """Move the attendance cursor onto ``client_id`` (as a person would, with arrows)."""
    screen = pilot.app.screen
    target = row_order(screen).index(client_id)
    while screen.table.cursor_row != target:
        await pilot.press("down" if screen.table.cursor_row < target else "up")
