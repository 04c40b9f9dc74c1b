"""The form that logs an individual or family session for one client (the client view's ``o``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select

from facilitator.core.errors import InputError
from facilitator.core.hours import OTHER_KINDS, OtherHours
from facilitator.core.parsing import parse_date, parse_whole
from facilitator.core.roster import Client
from facilitator.tui.failures import report_failure
from facilitator.tui.widgets.plain import Label, Static


def read_form(client: Client, day_text: str, minutes_text: str, kind: object) -> OtherHours:
    """The entry the form describes; raises InputError with one sentence."""
    day = parse_date(day_text, field="date")
    if not client.enrolled_on(day):
        raise InputError(f"{client.client_id} was not enrolled on {day}", field="date")
    # digits 0-9 only (core.parsing); the range is OtherHours's own sentence
    minutes = parse_whole(minutes_text, field="minutes", high=99999, what="a number of minutes")
    if kind not in OTHER_KINDS:
        raise InputError("choose individual or family", field="kind")
    return OtherHours(client.client_id, day, minutes, str(kind))


class AddHoursScreen(ModalScreen[OtherHours | None]):
    """Dismisses with the entry logged, or None when cancelled. ``store(entry)`` logs it while
    the form is open: a refusal or a store problem is shown here and what was typed stays."""

    DEFAULT_CSS = """
    AddHoursScreen {
        align: center middle;
    }
    AddHoursScreen > Vertical {
        width: 60;
        max-width: 100%;
        height: auto;
        border: round $primary;
        background: $surface;
        color: $foreground;
        padding: 0 1;
    }
    AddHoursScreen #hours-title {
        text-style: bold;
        color: $text-primary;
        margin-bottom: 1;
    }
    AddHoursScreen .hours-row {
        height: auto;
    }
    AddHoursScreen .hours-row > Label {
        width: 10;
        padding: 1 0 0 0;
    }
    AddHoursScreen Input, AddHoursScreen Select {
        width: 1fr;
    }
    AddHoursScreen #hours-error {
        color: $text-error;
        height: auto;
    }
    AddHoursScreen #hours-buttons {
        height: auto;
        align-horizontal: right;
    }
    """

    HELP_TITLE = "Log other hours"
    HOW_TO = ("Individual and family sessions count toward the client's weekly hours. "
              "Type the date (YYYY-MM-DD) and the minutes, choose the kind, then Enter saves; "
              "Escape cancels.")

    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="hours.cancel"),
    ]

    def __init__(self, client: Client, today: date,
                 store: Callable[[OtherHours], object] | None = None) -> None:
        super().__init__()
        self.client = client
        self.today = today
        self.store = store
        self._saving = False          # the entry is in the write queue

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Log other hours · {self.client.name} ({self.client.client_id})",
                        id="hours-title", markup=False)
            with Horizontal(classes="hours-row"):
                yield Label("Date")
                yield Input(self.today.isoformat(), id="hours-date", placeholder="YYYY-MM-DD")
            with Horizontal(classes="hours-row"):
                yield Label("Minutes")
                yield Input(id="hours-minutes", placeholder="e.g. 50", type="integer")
            with Horizontal(classes="hours-row"):
                yield Label("Kind")
                yield Select([(k, k) for k in OTHER_KINDS], value=OTHER_KINDS[0], allow_blank=False,
                             id="hours-kind")
            yield Static("", id="hours-error", markup=False)
            with Horizontal(id="hours-buttons"):
                yield Button("Save", id="hours-save", variant="primary")
                yield Button("Cancel", id="hours-cancel")

    def on_mount(self) -> None:
        self.query_one("#hours-minutes", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "hours-save":
            self.save()
        else:
            self.dismiss(None)

    def save(self) -> None:
        """Read the form here; log the entry in the write queue (tui/writes.py). The form
        stays open, answering keys, until the store answers; a refusal shows in its error line."""
        if self._saving:
            return
        try:
            entry = read_form(self.client, self.query_one("#hours-date", Input).value,
                              self.query_one("#hours-minutes", Input).value,
                              self.query_one("#hours-kind", Select).value)
        except InputError as problem:
            self.query_one("#hours-error", Static).update(str(problem))
            return
        if self.store is None:
            self.dismiss(entry)
            return
        self._saving = True
        store = self.store
        self.app.writes.ask(lambda: store(entry), done=lambda _none: self._logged(entry),  # type: ignore[attr-defined]
                            failed=self._not_logged)

    def _logged(self, entry: OtherHours) -> None:
        self._saving = False
        if self.is_attached:
            self.dismiss(entry)

    def _not_logged(self, problem: Exception) -> None:
        """Not logged: the form stays open, as typed, with the sentence."""
        self._saving = False
        if self.is_attached:
            report_failure(self, problem, label=self.query_one("#hours-error", Static))

    def action_cancel(self) -> None:
        self.dismiss(None)
