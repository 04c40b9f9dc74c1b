"""Today's scheduled groups: time, group, plan, how many clients are enrolled."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.tables import put_rows

NO_PLAN = "—"
COLUMNS = (("Time", "time"), ("Group", "group"), ("State", "state"), ("Enrolled", "enrolled"), ("Agenda", "plan"))


class TodayRow(NamedTuple):
    """One of today's meetings (a NamedTuple: a frozen dataclass costs ≈ 1 ms to create at
    import, and this module loads at every start, benchmark figure 1)."""

    start: datetime
    end: datetime
    group: str
    plan: str | None
    enrolled: int
    state: str = "not started"     # "not started", "running since 18:02", "ended 21:05"


class TodayGroups(Vertical):
    DEFAULT_CSS = """
    TodayGroups {
        height: auto;
        max-height: 10;
        margin-bottom: 1;
    }
    TodayGroups > .section-title {
        width: 1fr;
        padding: 0 1;
        text-style: bold;
        color: $text-primary;
    }
    TodayGroups > DataTable {
        height: auto;
        max-height: 7;
        overflow-x: hidden;
    }
    TodayGroups > #today-empty {
        padding: 0 1;
        color: $foreground;
    }
    """

    _shown: tuple | None = None
    _fitted_width = 0

    def on_resize(self) -> None:
        table = self.query_one("#today-table", DataTable)
        if self._shown is not None and (table.size.width or self.size.width) != self._fitted_width:
            rows, day_text, has_groups = self._shown
            self.show(rows, day_text, has_groups=has_groups)

    def compose(self) -> ComposeResult:
        yield Label("Today's groups", classes="section-title", id="today-title")
        table: DataTable = DataTable(id="today-table", cursor_type="row", zebra_stripes=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="today-empty")

    def show(self, rows: list[TodayRow], day_text: str, *, has_groups: bool) -> None:
        count = f" · {len(rows)}" if rows else ""
        self.query_one("#today-title", Label).update(f"Today's groups{count}")
        table = self.query_one("#today-table", DataTable)
        empty = self.query_one("#today-empty", Static)
        from facilitator.tui.widgets.roster import fit_last_column
        self._shown = (rows, day_text, has_groups)
        keep = table.cursor_row if table.row_count else None
        cells = [[f"{row.start:%H:%M}–{row.end:%H:%M}", row.group, row.state, str(row.enrolled),
                  row.plan or NO_PLAN] for row in rows]
        headers = tuple(label for label, _ in COLUMNS)
        width = table.size.width or self.size.width
        if not width:                     # not laid out yet: the screen's width, then again
            width = self.app.size.width
            self.call_after_refresh(self.on_resize)
        self._fitted_width = width
        put_rows(table, COLUMNS, [(f"{row.group}@{row.start.isoformat()}", texts)
                                  for row, texts in zip(rows, fit_last_column(cells, headers, width), strict=True)])
        if keep is not None and table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1), animate=False)
        table.display = bool(rows)
        empty.display = not rows
        if not has_groups:
            empty.update("No groups are set up yet. An admin adds one with "
                         "`facilitator groups add`.")
        else:
            empty.update(f"No groups meet today ({day_text}).")
