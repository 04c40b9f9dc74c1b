"""The attendance pane: one row per client on the session's list, and the keys to mark them.

The table only shows; the marking itself is the session screen's. Each key posts a message
(``AttendanceTable.Mark``, ``.EditTime``, …) that bubbles up to the screen, so this widget
never imports the screen that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable

from facilitator.core.rules import Status
from facilitator.tui.widgets.plain import Label
from facilitator.tui.widgets.quiet import put
from facilitator.tui.widgets.tables import plain

HIDDEN = "•••"
UNMARKED = "—"
STATUS_SHORT: dict[Status, str] = {
    Status.PRESENT: "present", Status.LATE: "late", Status.LEFT_EARLY: "left early",
    Status.ABSENT: "absent", Status.EXCUSED: "excused", Status.TELEHEALTH: "telehealth",
}
MARK = Binding.Group("Mark", compact=False)
PICK_KEYS = "1234567890duo"   # every pick has a key: d distracted, u disruptive, o left early


@dataclass(frozen=True)
class AttendanceRow:
    client_id: str
    name: str
    status: Status | None
    arrived: datetime | None
    left: datetime | None
    minutes: int | None


def times_text(arrived: datetime | None, left: datetime | None) -> str:
    if not arrived and not left:
        return ""
    return f"{arrived:%H:%M}→" if arrived and not left else (
        f"→{left:%H:%M}" if not arrived else f"{arrived:%H:%M}→{left:%H:%M}")


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _mark(key: str, status: Status, description: str) -> Binding:
    return Binding(key, f"mark('{status.value}')", description, id=f"attendance.{status.value}",
                   group=MARK, tooltip=f"Mark the highlighted client {description.lower()}; next row")


class AttendanceTable(DataTable):
    """Keys act on the highlighted client; each mark moves the cursor down a row."""

    class Mark(Message):
        """Mark the highlighted client ``status``."""

        def __init__(self, status: Status) -> None:
            super().__init__()
            self.status = status

    class AllPresent(Message):
        """Mark every unmarked client present."""

    class EditTime(Message):
        """Type the highlighted client's arrival or departure time."""

    class AddClient(Message):
        """Add a client to the session's list."""

    class RemoveClient(Message):
        """Take the highlighted client off the session's list."""

    class TogglePick(Message):
        """Toggle the highlighted client's participation pick ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    BINDINGS: ClassVar = [
        _mark("p", Status.PRESENT, "Present"),
        _mark("l", Status.LATE, "Late"),
        _mark("e", Status.LEFT_EARLY, "Left early"),
        _mark("a", Status.ABSENT, "Absent"),
        _mark("x", Status.EXCUSED, "Excused"),
        _mark("h", Status.TELEHEALTH, "Telehealth"),
        Binding("P", "all_present", "All", id="attendance.all",
                tooltip="Mark every unmarked client present"),
        Binding("T", "edit_time", "Time", id="attendance.time",
                tooltip="Type the highlighted client's arrival or departure time"),
        Binding("enter", "edit_time", "Time", id="attendance.time_enter", show=False,
                tooltip="Type the highlighted client's arrival or departure time"),
        Binding("plus", "add_client", "Add", id="attendance.add",
                tooltip="Add a client to this session's list", show=False),
        Binding("minus,delete", "remove_client", "Remove", id="attendance.remove",
                tooltip="Take the highlighted client off this session's list", show=False),
        # Letters only: a digit here could be a PIN typed a moment before the lock (issue
        # #20); digits tick words in the participation pane, once the agenda has started.
        *[Binding(key, f"toggle_pick({i})", "Pick" if key == "d" else "", show=False,
                  id=f"attendance.pick{key}",
                  tooltip="d, u, o tick the highlighted client's distracted, disruptive, left "
                          "early words (1-9, 0 in the participation pane)")
          for i, key in enumerate(PICK_KEYS) if not key.isdigit()],
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.shown: tuple[AttendanceRow, ...] = ()
        self.shown_privacy = False
        self.name_width = 0

    @property
    def highlighted_id(self) -> str | None:
        if not self.shown or not 0 <= self.cursor_row < len(self.shown):
            return None
        return self.shown[self.cursor_row].client_id

    def fitting_name_width(self) -> int:
        """The name column takes what the other columns (and a scrollbar) leave."""
        width = self.size.width or 44
        return max(10, min(30, width - 2 * 4 - (10 + 11 + 3) - 1))

    def on_resize(self) -> None:
        self.show(self.shown, privacy=self.shown_privacy)

    def show(self, rows: tuple[AttendanceRow, ...], *, privacy: bool) -> None:
        """Fill the table (only when something changed), keeping the cursor on its client."""
        name_width = self.fitting_name_width()
        if rows == self.shown and privacy == self.shown_privacy and name_width == self.name_width:
            return
        current = self.highlighted_id
        row_index = self.cursor_row
        if name_width != self.name_width or not self.columns:
            self.clear(columns=True)
            self.add_column("Client", width=name_width, key="name")
            self.add_column("Status", width=10, key="status")
            self.add_column("In→out", width=11, key="times")
            self.add_column("min", width=3, key="minutes")
            self.name_width = name_width
        else:
            self.clear()
        for row in rows:
            self.add_row(HIDDEN if privacy else plain(clip(row.name, name_width)),
                         STATUS_SHORT[row.status] if row.status else UNMARKED,
                         times_text(row.arrived, row.left),
                         "" if row.minutes is None else f"{row.minutes:>3}",
                         key=row.client_id)
        self.shown = rows
        self.shown_privacy = privacy
        ids = [row.client_id for row in rows]
        if current in ids:
            self.move_cursor(row=ids.index(current), animate=False)
        elif rows:
            self.move_cursor(row=min(row_index, len(rows) - 1), animate=False)

    def step_down(self) -> None:
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1, animate=False)

    # -- actions: the screen does the work -----------------------------------------------
    def action_mark(self, status: str) -> None:
        self.post_message(self.Mark(Status(status)))

    def action_all_present(self) -> None:
        self.post_message(self.AllPresent())

    def action_edit_time(self) -> None:
        self.post_message(self.EditTime())

    def action_add_client(self) -> None:
        self.post_message(self.AddClient())

    def action_remove_client(self) -> None:
        self.post_message(self.RemoveClient())

    def action_toggle_pick(self, index: int) -> None:
        self.post_message(self.TogglePick(index))


class AttendancePane(Vertical):
    DEFAULT_CSS = """
    AttendancePane {
        border: round $foreground 30%;  /* visible in light and dark themes alike */
        border-title-color: $text-muted;
        height: 1fr;
    }
    AttendancePane:focus-within {
        border: round $accent;
        border-title-color: $text-accent;
        border-title-style: bold;
    }
    AttendancePane > AttendanceTable {
        height: 1fr;
        overflow-x: hidden;
    }
    AttendancePane > #attendance-count {
        width: 1fr;
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    AttendancePane > #attendance-count.-over {
        color: $text-warning;
        text-style: bold;
    }
    """

    def compose(self) -> ComposeResult:
        yield AttendanceTable(id="attendance-table")
        yield Label("", id="attendance-count")

    counted: tuple[tuple[AttendanceRow, ...], int] | None = None

    def on_mount(self) -> None:
        self.border_title = "Attendance"

    def on_resize(self) -> None:
        # The count's wording depends on the width: say it again at the new one now, not
        # at the next tick (an idle tick redraws nothing).
        if self.counted is not None:
            self.show_count(*self.counted)

    def show_count(self, rows: tuple[AttendanceRow, ...], cap: int) -> int:
        """"present 8/11 · 2 unmarked · group size limit 12" (shorter where it must be: "limit
        12", never a number cut); returns how many are attending."""
        self.counted = (rows, cap)
        attending = sum(1 for r in rows if r.status is not None and r.status.credits_time)
        unmarked = sum(1 for r in rows if r.status is None)
        parts = [f"present {attending}/{len(rows)}"]
        if unmarked:
            parts.append(f"{unmarked} unmarked")
        label = self.query_one("#attendance-count", Label)
        width = label.content_region.width or 42
        limits = ([f"over the group size limit of {cap}!", f"over the size limit of {cap}!",
                   f"over size limit {cap}!", f"over limit {cap}!"] if attending > cap else
                  [f"group size limit {cap}", f"size limit {cap}", f"limit {cap}"])
        start = " · ".join(parts)
        put(label, next((f"{start} · {w}" for w in limits if len(start) + 3 + len(w) <= width),
                        f"{start} · {limits[-1]}"))
        label.set_class(attending > cap, "-over")
        return attending
