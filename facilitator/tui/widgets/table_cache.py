"""The one place facilitator reaches into Textual's DataTable (8.2): its cells and render caches.

``DataTable.update_cell`` makes the table render every visible cell again (each update
invalidates all of its caches), about 50 ms for a 120x40 weekly view, which ten supervisors'
views paid every few seconds while attendance was being marked (benchmark figure 6).
``replace_rows`` puts new cells in some rows and forgets only those rows' renderings.

It uses six private attributes of DataTable (``PRIVATE``); tests/tui/test_table_cache.py
fails when a Textual upgrade renames them, changes their types or how their keys are made,
and ``replace_rows`` falls back to ``update_cell`` if they are missing.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

# DataTable's cells by row and column, the render caches keyed by (row key, ...), the row
# renderables' cache keyed by (count, row index), the lines' cache, and rows' indexes.
PRIVATE = ("_data", "_cell_render_cache", "_row_render_cache", "_row_renderable_cache", "_line_cache",
           "_row_locations")


def replace_rows(table: DataTable[Any], changed: dict[str, dict[str, Text]]) -> None:
    """Put ``changed``'s cells (row key -> column key -> cell) in ``table``, forgetting only
    those rows' cached renderings; with another Textual, by ``update_cell``."""
    try:
        data, cells, rows = table._data, table._cell_render_cache, table._row_render_cache
        renderables, lines, locations = table._row_renderable_cache, table._line_cache, table._row_locations
    except AttributeError:       # another Textual: the public way, every cell rendered again
        for row_key, new in changed.items():
            for column_key, value in new.items():
                table.update_cell(row_key, column_key, value)
        return
    row_keys = {RowKey(key) for key in changed}
    for key, new in changed.items():
        for column_key, value in new.items():
            data[RowKey(key)][ColumnKey(column_key)] = value
    for cache in (cells, rows):           # keyed (row key, ...)
        for stale in [k for k in cache.keys() if k[0] in row_keys]:
            cache.discard(stale)  # type: ignore[arg-type]
    indexes = {locations.get(key) for key in row_keys}
    for index_key in [k for k in renderables.keys() if k[1] in indexes]:   # keyed (count, index)
        renderables.discard(index_key)
    lines.clear()                         # whole lines: rebuilt from the rows kept
    table.refresh()
