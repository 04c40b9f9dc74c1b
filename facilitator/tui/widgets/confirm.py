"""A one-key confirmation for irreversible steps (signing, co-signing): y yes, n or Escape no."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from facilitator.tui.widgets.plain import Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks ``question`` at the bottom of the screen; dismisses with True only for ``y``."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        background: $background 40%;
    }
    ConfirmScreen > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        border: round $warning;
        background: $surface;
        color: $foreground;
        padding: 0 1;
    }
    ConfirmScreen #confirm-question {
        text-style: bold;
    }
    ConfirmScreen #confirm-detail {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", id="confirm.escape", show=False),
    ]
    HELP_TITLE = "Confirm"
    HOW_TO = "Press y to go ahead, n or Escape to go back without changing anything."

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.question}  y/n", id="confirm-question", markup=False)
            if self.detail:
                yield Static(self.detail, id="confirm-detail", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
