"""Putting rows in a DataTable with each column's width set, not measured later.

A DataTable with auto-width columns measures new rows only when its message queue is next
idle. A row drawn before that is kept in Textual's render cache at the old widths (the
header's), so under load a screen could show "counsel" for "counselor1 (you)" until
something redrew it; that is also why the staff screen's snapshot flaked. Setting every
column's width from its header and cells as the rows go in leaves nothing to measure.

Text goes in as ``rich.text.Text``, never as a ``str``: a DataTable reads a ``str`` cell as
markup, so a name typed as "Ann [b]Lee" would show "Ann Lee" in bold, and one holding
"[/]" would stop the app with a MarkupError on every screen that lists it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable


def width_of(value: object) -> int:
    """Terminal cells ``value`` takes as a DataTable cell (one line)."""
    if isinstance(value, Text):
        return value.cell_len
    return max((cell_len(line) for line in str(value).splitlines()), default=0)


def plain(value: object) -> object:
    """A cell that shows ``value`` as typed: ``str`` becomes ``Text`` (no markup is read)."""
    return Text(value, end="") if isinstance(value, str) else value


def put_rows(table: DataTable, columns: Sequence[tuple[str, str]],
             rows: Sequence[tuple[str, Sequence[object]]]) -> None:
    """Replace ``table``'s columns (label, key) and rows (key, cells), widths fixed to fit."""
    widths = [width_of(label) for label, _ in columns]
    for _, cells in rows:
        for index, value in enumerate(cells):
            widths[index] = max(widths[index], width_of(value))
    table.clear(columns=True)
    for (label, key), width in zip(columns, widths, strict=True):
        table.add_column(label, width=width, key=key)
    for row_key, cells in rows:
        table.add_row(*map(plain, cells), key=row_key)
