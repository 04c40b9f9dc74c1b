"""Today's scheduled groups: time, group, plan, how many clients are enrolled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from facilitator.tui.widgets.tables import put_rows

NO_PLAN = "—"
COLUMNS = (("Time", "time"), ("Group", "group"), ("Enrolled", "enrolled"), ("Plan", "plan"))


@dataclass(frozen=True)
class TodayRow:
    start: datetime
    end: datetime
    group: str
    plan: str | None
    enrolled: int


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
        put_rows(table, COLUMNS, [(f"{row.group}@{row.start.isoformat()}",
                                   (f"{row.start:%H:%M}–{row.end:%H:%M}", row.group, str(row.enrolled),
                                    row.plan or NO_PLAN)) for row in rows])
        table.display = bool(rows)
        empty.display = not rows
        if not has_groups:
            empty.update("No groups are set up yet. An admin adds one with "
                         "`facilitator groups add`.")
        else:
            empty.update(f"No groups meet today ({day_text}).")
