"""The one reach into Textual's DataTable (tui/widgets/table_cache.py) still fits the Textual
installed: the six private attributes exist with their types, their keys are made as
``replace_rows`` expects, and a replaced row is drawn new while the others keep their cached
renderings. Fails on a Textual upgrade that changes any of it (then: update table_cache, or
use ``update_cell``). Cells invented."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.cache import LRUCache
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from facilitator.tui.widgets.table_cache import PRIVATE, replace_rows


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cell_padding=0)
        table.add_column(Text("Client"), key="name")
        table.add_column(Text("Hours"), key="hours")
        table.add_row(Text("Ann B."), Text("1.5"), key="a")
        table.add_row(Text("Cy D."), Text("3.0"), key="b")
        yield table


def _line(table: DataTable[Text], y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


def test_the_private_attributes_are_there_with_their_types() -> None:
    from textual._two_way_dict import TwoWayDict
    table: DataTable[Text] = DataTable()
    assert all(hasattr(table, name) for name in PRIVATE)
    assert isinstance(table._data, dict) and isinstance(table._row_locations, TwoWayDict)
    for name in ("_cell_render_cache", "_row_render_cache", "_row_renderable_cache", "_line_cache"):
        cache = getattr(table, name)
        assert isinstance(cache, LRUCache) and callable(cache.discard) and callable(cache.clear)


async def test_a_replaced_row_is_drawn_new_and_only_its_renderings_are_forgotten() -> None:
    async with TableApp().run_test(size=(40, 6)) as pilot:
        table = pilot.app.query_one(DataTable)
        await pilot.pause()
        assert "Cy D." in _line(table, 2) and "3.0" in _line(table, 2)
        # the keys replace_rows reads: (row key, ...) and (count, row index)
        assert table._cell_render_cache.keys() and table._row_render_cache.keys()
        assert all(isinstance(k[0], RowKey) for k in table._cell_render_cache.keys())
        assert all(isinstance(k[0], RowKey) for k in table._row_render_cache.keys())
        assert all(isinstance(k[1], int) for k in table._row_renderable_cache.keys())
        assert table._row_locations.get(RowKey("b")) == 1
        replace_rows(table, {"b": {"name": Text("Cy D."), "hours": Text("4.5")}})
        assert all(k[0] != RowKey("b") for k in table._cell_render_cache.keys())
        assert any(k[0] == RowKey("a") for k in table._cell_render_cache.keys())
        assert table.get_cell("b", "hours") == Text("4.5")
        await pilot.pause()
        assert "4.5" in _line(table, 2) and "1.5" in _line(table, 1)
