"""The roster table: one row per client, discharged clients hidden unless asked for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from textual.widgets import DataTable

from facilitator.core.roster import Client
from facilitator.tui.widgets.tables import plain

COLUMNS = ("ID", "Name", "Level", "Hours/week", "Admitted")


def is_discharged(client: Client, today: date) -> bool:
    return client.discharged is not None and client.discharged < today


def _hours(value: float) -> str:
    return f"{value:g}"


def fit_last_column(rows: list[list[str]], headers: tuple[str, ...], width: int,
                    padding: int = 1) -> list[list[str]]:
    """``rows`` with the last column cut to what ``width`` leaves, ending in "…" when cut
    (0 or an unknown width: unchanged). Each column takes its widest cell plus padding."""
    if width <= 0 or not rows:
        return rows
    used = sum(max(len(headers[i]), *(len(r[i]) for r in rows)) + 2 * padding
               for i in range(len(headers) - 1))
    room = max(4, width - used - 2 * padding - 2)        # and a scrollbar's width
    return [r[:-1] + [r[-1] if len(r[-1]) <= room else r[-1][:room - 1] + "…"] for r in rows]


class RosterTable(DataTable):
    DEFAULT_CSS = """
    RosterTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.shown_ids: list[str] = []
        self._shown_args: tuple | None = None
        self._fitted_width = 0

    def on_resize(self) -> None:
        # Only a new width changes what the last column shows; refilling 120 rows costs.
        if self._shown_args is not None and self.size.width != self._fitted_width:
            clients, today, include = self._shown_args
            self.show(clients, today, include_discharged=include)

    def show(self, clients: Iterable[Client], today: date, *, include_discharged: bool) -> None:
        """Fill the table, keeping the cursor on the same client where possible."""
        clients = list(clients)
        self._shown_args = (clients, today, include_discharged)
        current = None
        if self.row_count and self.cursor_row < len(self.shown_ids):
            current = self.shown_ids[self.cursor_row]
        columns = COLUMNS + (("Discharged",) if include_discharged else ()) + ("Groups",)
        self.clear(columns=True)
        self.add_columns(*columns)
        chosen = sorted((c for c in clients if include_discharged or not is_discharged(c, today)),
                        key=lambda c: (c.last_name.casefold(), c.first_name.casefold(), c.client_id))
        rows = []
        for client in chosen:
            cells = [client.client_id, client.name, client.level_of_care,
                     _hours(client.required_hours), client.admitted.isoformat()]
            if include_discharged:
                cells.append(client.discharged.isoformat() if client.discharged else "")
            cells.append(", ".join(client.groups) or "—")
            rows.append(cells)
        width = self.size.width
        if not width:                     # not laid out yet: the screen's width, then again
            width = self.app.size.width
            self.call_after_refresh(self.on_resize)
        self._fitted_width = width
        for client, cells in zip(chosen, fit_last_column(rows, columns, width), strict=True):
            self.add_row(*map(plain, cells), key=client.client_id)
        self.shown_ids = [c.client_id for c in chosen]
        if current in self.shown_ids:
            self.move_cursor(row=self.shown_ids.index(current), animate=False)
