"""Writing one addendum to a signed note: ctrl+s then y signs it, Escape drops it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import TextArea

from facilitator.tui.widgets.confirm import ConfirmScreen
from facilitator.tui.widgets.plain import Label, Static


class AddendumScreen(ModalScreen["str | None"]):
    """Write one addendum; ctrl+s then y signs it, Escape drops it."""

    HELP_TITLE = "Addendum"
    HOW_TO = "Type the correction or addition. ctrl+s then y signs it; Escape drops it."
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "sign", "Sign addendum", id="addendum.sign"),
        Binding("escape", "cancel", "Cancel", id="addendum.cancel"),
    ]
    DEFAULT_CSS = """
    AddendumScreen { align: center middle; }
    AddendumScreen > Vertical {
        width: 76; max-width: 100%; height: 14; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    AddendumScreen #addendum-title { text-style: bold; color: $text-primary; }
    AddendumScreen TextArea { height: 1fr; }
    AddendumScreen #addendum-hint { color: $text-muted; }
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.client_name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Addendum · {self.client_name}", id="addendum-title")
            yield TextArea("", id="addendum-text", soft_wrap=True)
            yield Static("ctrl+s signs the addendum · Escape cancels", id="addendum-hint",
                         markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_sign(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("An empty addendum cannot be signed; type the correction first.",
                        severity="warning", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(text)

        self.app.push_screen(ConfirmScreen("Sign this addendum and add it to the note?",
                                           "A signed addendum cannot be changed."), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
