"""The weekly hours table: one row per client, columns sized to fit 80 columns.

Cells carry their own one-space gutter (the table has no cell padding), so seven small
columns still fit beside the name; the name takes what is left, cut with "…".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from facilitator.core.hours import WeeklyRow
from facilitator.core.roster import Client
from facilitator.tui.widgets.hoursbar import (
    bar,
    flag_style,
    flag_text,
    hours_down,
    needs_cell,
    required_text,
)

BAR_WIDTH = 5
NAME_MIN, NAME_MAX = 10, 24
LEVEL_MIN, LEVEL_MAX = 6, 14
# "Needs" gives way before the name at 80 columns ("3.0 h short, holiday week" is 25
# wide); the line under the table spells out the highlighted client's needs in full.
NEEDS_MIN = 12


def name_in(client, width: int) -> str:
    """The client's full name, or "First L." when that is all that fits, cut with "…" last."""
    if len(client.name) <= width:
        return client.name
    short = f"{client.first_name} {client.last_name[:1]}." if client.last_name else client.first_name
    return short if len(short) <= width else fit(short, width)


def fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def cell(text: str | Text, width: int, *, right: bool = False, style: str = "") -> Text:
    """A cell of ``width`` characters after a one-space gutter."""
    body = text if isinstance(text, Text) else Text(fit(text, width), style=style, end="")
    pad = " " * max(0, width - body.cell_len)
    out = Text(" ", end="")
    if right:
        out.append(pad)
    out.append_text(body)
    if not right:
        out.append(pad)
    return out


def day_cell(minutes: int) -> str:
    return hours_down(minutes) if minutes else "·"


@dataclass(frozen=True)
class WeekTableData:
    rows: list[WeeklyRow]
    clients: Mapping[str, Client]
    days: list[date]          # the day columns to show
    today: date | None        # marked in the header when it is one of ``days``


class WeekTable(DataTable):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "Client", id="weekly.open", show=False,
                tooltip="Open the highlighted client: 12 weeks, sessions, notes"),
    ]
    DEFAULT_CSS = """
    WeekTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=0, **kwargs)
        self.shown_ids: list[str] = []
        self._shown_columns: list[tuple[str, Text]] = []
        self._shown_cells: dict[str, tuple[Text, ...]] = {}
        self._made: dict[str, tuple[tuple, WeeklyRow, Client, tuple[Text, ...]]] = {}

    @property
    def current_id(self) -> str | None:
        if self.row_count and 0 <= self.cursor_row < len(self.shown_ids):
            return self.shown_ids[self.cursor_row]
        return None

    def show(self, data: WeekTableData, colours: Mapping[str, str], width: int) -> None:
        """Fill the table, keeping the cursor on the same client where possible.

        When the columns and the clients are those shown, only the rows that changed get new
        cells, and a client whose hours moved them is moved (``sort``): refilling 120 rows
        made Textual measure every cell again and was most of a weekly view's CPU while
        attendance is being marked (benchmark figure 6). The picture is the same either way
        (every cell is padded to its column; tests/tui/test_weekly_follow.py compares it
        with a fresh view's).
        """
        current = self.current_id
        rows, clients = data.rows, data.clients
        muted = colours.get("foreground-muted", "")
        hours_texts = [f"{hours_down(r.credited_minutes)}/{required_text(r.required_hours)}" for r in rows]
        hours_w = max([len(t) for t in hours_texts] + [5])
        day_w = max([3] + [len(day_cell(r.minutes_by_day.get(d, 0))) for r in rows for d in data.days])
        level_w = min(LEVEL_MAX, max([5] + [len(clients[r.client_id].level_of_care) for r in rows]))
        needs = [needs_cell(r) for r in rows]
        needs_w = max([5] + [len(n) for n in needs])
        fixed = [BAR_WIDTH + 1 + hours_w, *([day_w] * len(data.days)), 3, 7, needs_w]
        # Every column has a one-space gutter; one more column for the scrollbar.
        spare = width - sum(fixed) - level_w - (len(fixed) + 2) - 1 - 1
        wanted = min(NAME_MAX, max([6] + [len(clients[r.client_id].name) for r in rows]))
        if spare < wanted and level_w > LEVEL_MIN:   # the name matters more than the level
            cut = min(level_w - LEVEL_MIN, wanted - spare)
            level_w, spare = level_w - cut, spare + cut
        if spare < NAME_MIN and needs_w > NEEDS_MIN:  # and more than the needs' wording
            cut = min(needs_w - NEEDS_MIN, NAME_MIN - spare)
            needs_w, spare = needs_w - cut, spare + cut
        name_w = max(NAME_MIN, min(NAME_MAX, spare))

        columns = [
            ("name", cell("Client", name_w)),
            ("level", cell("Level", level_w)),
            ("hours", cell("Hours", BAR_WIDTH + 1 + hours_w)),
        ]
        for day in data.days:
            label = cell(f"{day:%a}", day_w, right=True)
            if day == data.today:
                label.stylize("underline", 1)
            columns.append((day.isoformat(), label))
        columns += [("abs", cell("Abs", 3, right=True)), ("flag", cell("Flag", 7)),
                    ("needs", cell("Needs", needs_w))]

        # A row's cells depend on the row, its client and these; unchanged rows keep theirs.
        shape = (name_w, level_w, hours_w, day_w, needs_w, tuple(data.days), tuple(sorted(colours.items())))
        made: dict[str, tuple[tuple, WeeklyRow, Client, tuple[Text, ...]]] = {}
        body: list[tuple[str, tuple[Text, ...]]] = []
        for row, hours_text, need in zip(rows, hours_texts, needs, strict=True):
            client = clients[row.client_id]
            known = self._made.get(row.client_id)
            if known is not None and known[0] == shape and known[1] == row and known[2] == client:
                made[row.client_id] = known
                body.append((row.client_id, known[3]))
                continue
            style = flag_style(row.flag, colours)
            hours = bar(row.credited_minutes, row.required_minutes, BAR_WIDTH, style, muted)
            hours.append(" " + hours_text.rjust(hours_w))
            absences = row.absent            # excused absences are not counted here
            cells = (
                cell(name_in(client, name_w), name_w),
                cell(client.level_of_care, level_w),
                cell(hours, BAR_WIDTH + 1 + hours_w),
                *(cell(day_cell(row.minutes_by_day.get(d, 0)), day_w, right=True) for d in data.days),
                cell(str(absences) if absences else "·", 3, right=True),
                cell(flag_text(row.flag, colours), 7),
                cell(need, needs_w, style=style),
            )
            made[row.client_id] = (shape, row, client, cells)
            body.append((row.client_id, cells))
        self._made = made
        ids = [key for key, _ in body]
        if columns == self._shown_columns and len(ids) == len(self.shown_ids) and set(ids) == set(self.shown_ids):
            self._update_cells(body)
            if ids != self.shown_ids:        # hours changed a client's place (by shortfall)
                place = {id(self.get_cell(key, "name")): i for i, key in enumerate(ids)}
                self.sort("name", key=lambda name: place[id(name)])
                self.shown_ids = ids
                if current in ids:
                    self.move_cursor(row=ids.index(current), animate=False)
            return
        self.clear(columns=True)
        for key, label in columns:
            self.add_column(label, key=key)
        for key, cells in body:
            self.add_row(*cells, key=key)
        self._shown_columns, self._shown_cells = columns, dict(body)
        self.shown_ids = [r.client_id for r in rows]
        if current in self.shown_ids:
            self.move_cursor(row=self.shown_ids.index(current), animate=False)

    def _update_cells(self, body: list[tuple[str, tuple[Text, ...]]]) -> None:
        """Replace the cells that differ from those shown (same rows, same columns)."""
        keys = [key for key, _ in self._shown_columns]
        changed: dict[str, dict[str, Text]] = {}
        for row_key, cells in body:
            shown = self._shown_cells[row_key]
            if cells != shown:
                # every cell of a changed row is put in, so the table holds these very cells
                changed[row_key] = dict(zip(keys, cells, strict=True))
                self._shown_cells[row_key] = cells
        if changed:
            self._replace_cells(changed)

    def _replace_cells(self, changed: dict[str, dict[str, Text]]) -> None:
        """Put new cells in ``changed`` rows, and forget only those rows' rendering.

        ``DataTable.update_cell`` makes the table render every visible cell again (each
        update invalidates all of its caches), about 50 ms for a 120x40 weekly view, which
        ten supervisors' views paid every few seconds while attendance was being marked
        (benchmark figure 6). Here only the changed rows' cached renderings are dropped.
        This uses DataTable's caches (Textual 8.2): without them it falls back to
        ``update_cell``; tests/tui/test_weekly_follow.py checks the picture after a change.
        """
        try:
            data, cells, rows = self._data, self._cell_render_cache, self._row_render_cache
            renderables, lines, locations = self._row_renderable_cache, self._line_cache, self._row_locations
        except AttributeError:       # another Textual: the public way, every cell rendered again
            for row_key, new in changed.items():
                for column_key, value in new.items():
                    self.update_cell(row_key, column_key, value)
            return
        row_keys = {RowKey(key) for key in changed}
        for key, new in changed.items():
            for column_key, value in new.items():
                data[RowKey(key)][ColumnKey(column_key)] = value
        caches: tuple[Any, ...] = (cells, rows)   # Textual's private caches, keyed (row key, ...)
        for cache in caches:
            for stale in [k for k in cache.keys() if k[0] in row_keys]:
                cache.discard(stale)
        indexes = {locations.get(key) for key in row_keys}
        for gone in [k for k in renderables.keys() if k[1] in indexes]:   # keyed (count, index)
            renderables.discard(gone)
        lines.clear()                         # whole lines: rebuilt from the rows kept
        self.refresh()

def shown_days(week_days: Iterable[date], meeting_days: set[date], rows: Iterable[WeeklyRow]) -> list[date]:
    """The days a group meets or anyone has hours; every day if that leaves none."""
    rows = list(rows)
    days = [d for d in week_days
            if d in meeting_days or any(r.minutes_by_day.get(d, 0) for r in rows)]
    return days or list(week_days)
