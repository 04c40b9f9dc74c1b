"""The roster table: one row per client, discharged clients hidden unless asked for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from textual.widgets import DataTable

from facilitator.core.roster import Client

COLUMNS = ("ID", "Name", "Level", "h/wk", "Admitted")


def is_discharged(client: Client, today: date) -> bool:
    return client.discharged is not None and client.discharged < today


def _hours(value: float) -> str:
    return f"{value:g}"


class RosterTable(DataTable):
    DEFAULT_CSS = """
    RosterTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.shown_ids: list[str] = []

    def show(self, clients: Iterable[Client], today: date, *, include_discharged: bool) -> None:
        """Fill the table, keeping the cursor on the same client where possible."""
        current = None
        if self.row_count and self.cursor_row < len(self.shown_ids):
            current = self.shown_ids[self.cursor_row]
        columns = COLUMNS + (("Discharged",) if include_discharged else ()) + ("Groups",)
        self.clear(columns=True)
        self.add_columns(*columns)
        chosen = sorted((c for c in clients if include_discharged or not is_discharged(c, today)),
                        key=lambda c: (c.last_name.casefold(), c.first_name.casefold(), c.client_id))
        for client in chosen:
            cells = [client.client_id, client.name, client.level_of_care,
                     _hours(client.required_hours), client.admitted.isoformat()]
            if include_discharged:
                cells.append(client.discharged.isoformat() if client.discharged else "")
            cells.append(", ".join(client.groups) or "—")
            self.add_row(*cells, key=client.client_id)
        self.shown_ids = [c.client_id for c in chosen]
        if current in self.shown_ids:
            self.move_cursor(row=self.shown_ids.index(current), animate=False)
