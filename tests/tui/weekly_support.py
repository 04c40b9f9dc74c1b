"""Shared by the weekly view, client view and review queue tests: attendance for the
fixture clinic (fake now: Monday 2026-11-23 17:55 Chicago), and ways to read the screens."""

from __future__ import annotations

from textual.widgets import DataTable

from facilitator.core.imports import parse_attendance
from tests.tui.helpers import wait_until

HEADER = "date,group,client_id,status,arrived,left\n"

# Last week (W47, Mon 16 .. Sun 22 Nov): Evening IOP Mon/Wed/Thu 18:00-21:00 (a 10-minute
# break: 170 countable minutes), Morning Relapse Prevention Mon/Thu 10:00-11:30 (90).
LAST_WEEK = """\
2026-11-16,Evening IOP,T001,present,,
2026-11-16,Evening IOP,T002,absent,,
2026-11-16,Evening IOP,T003,excused,,
2026-11-18,Evening IOP,T001,present,,
2026-11-18,Evening IOP,T002,present,,
2026-11-18,Evening IOP,T003,present,,
2026-11-19,Evening IOP,T001,present,,
2026-11-19,Evening IOP,T002,left_early,,19:00
2026-11-19,Evening IOP,T003,present,,
2026-11-19,Morning Relapse Prevention,T001,present,,
2026-11-19,Morning Relapse Prevention,T003,present,,
"""

# This week so far: this morning's Relapse Prevention group.
THIS_MORNING = """\
2026-11-23,Morning Relapse Prevention,T001,present,,
2026-11-23,Morning Relapse Prevention,T003,late,10:30,
"""


def import_attendance(data, rows: str) -> None:
    snapshot = data.snapshot()
    data.import_attendance(parse_attendance(HEADER + rows, "attendance.csv",
                                            known_groups=set(snapshot.groups), clients=snapshot.clients))


def cells(table: DataTable, row: int) -> list[str]:
    return [str(c).strip() for c in table.get_row_at(row)]


def rows_text(table: DataTable) -> list[list[str]]:
    return [cells(table, i) for i in range(table.row_count)]


def column_keys(table: DataTable) -> list[str]:
    return [str(key.value) for key in table.columns]


async def wait_for_read(pilot, screen) -> None:
    """Until the screen has shown a read of the data (done in a worker thread)."""
    assert await wait_until(pilot, lambda: screen.shown_key is not None and not screen._busy, seconds=5)
    await pilot.pause()


def audit_actions(data) -> list[tuple[str, str, str]]:
    return [(e["user"], e["action"], e["record"]) for _, _, e in data.audit.entries() if e]
