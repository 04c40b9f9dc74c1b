"""``python -m tests.bench.datatable_update``: why tui/widgets/table_cache.py reaches into
DataTable's private caches. A headless 120x40 app with a 120-row, 12-column DataTable; 20
changes of one row each, each drawn (``pilot.pause``): CPU time per change with
``table_cache.replace_rows`` and with the public ``DataTable.update_cell``, which makes the
table render every visible cell again. Cells invented. See tests/bench/README.md, figure 6.
"""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from facilitator.tui.widgets.table_cache import replace_rows

COLUMNS = [f"c{i}" for i in range(12)]
ROWS, CHANGES = 120, 20


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cell_padding=0, zebra_stripes=True, cursor_type="row")
        for column in COLUMNS:
            table.add_column(Text(f" {column:>6}"), key=column)
        for row in range(ROWS):
            table.add_row(*[Text(f" {row * 7 % 13 + i:>6}") for i in range(len(COLUMNS))], key=f"r{row}")
        yield table


async def per_change(way: str) -> list[float]:
    """CPU milliseconds of each change, drawn, sorted."""
    async with TableApp().run_test(size=(120, 40)) as pilot:
        table = pilot.app.query_one(DataTable)
        await pilot.pause()
        times = []
        for n in range(CHANGES):
            row = f"r{(n * 5) % 30}"                 # rows on the screen
            new = {column: Text(f" {n + i:>6}") for i, column in enumerate(COLUMNS)}
            began = time.process_time()
            if way == "replace_rows":
                replace_rows(table, {row: new})
            else:
                for column, value in new.items():
                    table.update_cell(row, column, value)
            await pilot.pause()
            times.append((time.process_time() - began) * 1000)
        return sorted(times)


def main() -> None:
    for way in ("replace_rows", "update_cell"):
        times = asyncio.run(per_change(way))
        print(f"{way}: median {times[len(times) // 2]:.1f} ms, max {times[-1]:.1f} ms of CPU per changed row")


if __name__ == "__main__":
    main()
