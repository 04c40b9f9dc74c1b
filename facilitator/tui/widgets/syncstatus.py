"""On a counselor's laptop: when it last synced with the clinic host, and what waits to go up.

Shown only where ``facilitator sync`` has run (a ``sync.json`` exists), so the clinic host
itself never pays for it; counted in a worker thread, never on a key press.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual import work

from facilitator.tui.widgets.plain import Label


def sync_line(state: dict, waiting: int, tz) -> str | None:
    """The one line the home screen shows, or None when this directory never synced."""
    if "last_sync" not in state:
        return None
    when = datetime.fromisoformat(state["last_sync"]).astimezone(tz)
    host = state.get("host", "the clinic host")
    line = f"Last synced with {host} {when:%a} {when.day} {when:%b %H:%M}"
    if waiting:
        line += f" · {waiting} record{'s' if waiting != 1 else ''} waiting to push (facilitator sync)"
    else:
        line += " · nothing waiting to push"
    return line


class SyncStatus(Label):
    DEFAULT_CSS = """
    SyncStatus {
        display: none;
        margin: 0 1;
        color: $text-muted;
    }
    SyncStatus.-shown { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def check(self, root: Path, tz) -> None:
        if (Path(root) / "sync.json").exists():
            self._count(Path(root), tz)

    @work(thread=True, exclusive=True, group="sync-status")
    def _count(self, root: Path, tz) -> None:
        from facilitator.sync.files import load_state, pending_pushes
        line = sync_line(load_state(root), pending_pushes(root), tz)
        self.app.call_from_thread(self._show, line)

    def _show(self, line: str | None) -> None:
        self.set_class(bool(line), "-shown")
        self.update(line or "")
