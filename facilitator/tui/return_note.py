"""The dialog a supervisor returns a signed note with (issue #20): why, one line, required.

Enter returns it (the confirmation: the dialog says what will happen), Escape cancels.
``save(reason)`` asks the store (``NoteBook.return_note``), which decides who may, and gives
the signer's name; a refusal is shown here as its one sentence and the dialog stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from facilitator.core.errors import InputError
from facilitator.core.notes import MAX_RETURN_REASON
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.session_modals import MODAL_CSS
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import refusal_sentence


class ReturnNoteModal(ModalScreen[str | None]):
    """Dismisses with the signer's name once returned, None when cancelled."""

    DEFAULT_CSS = MODAL_CSS.format(cls="ReturnNoteModal") + """
    ReturnNoteModal Input { width: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="return.cancel", tooltip="Do not return the note"),
    ]
    HELP_TITLE = "Return for correction"
    HOW_TO = ("Type what the counselor who signed the note should correct (one line, required) and "
              "press enter to return it. The signed text is kept; they correct it and sign it "
              "again, and the note keeps both. The reason is kept with the note, not in the audit "
              "log. Escape cancels.")

    def __init__(self, client_name: str, save: Callable[[str], str]) -> None:
        super().__init__()
        self.client_name = client_name
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Return {self.client_name}'s note for correction?", classes="modal-title",
                        markup=False)
            yield Static("It goes back to the counselor who signed it, to correct and sign again; "
                         "until then billing counts it as not signed.", classes="modal-detail",
                         markup=False)
            yield Label("Why (required):")
            yield Input("", id="return-reason", compact=True, max_length=MAX_RETURN_REASON,
                        placeholder="e.g. the goals part is missing")
            yield Static("", classes="modal-error", id="return-error", markup=False)
            yield Label("enter returns it · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#return-reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.query_one("#return-error", Static)
        try:
            signer = self.save(event.value)
        except InputError as problem:
            error.update(refusal_sentence(problem.message))
            error.add_class("-shown")
            return
        except FAILURE as problem:
            report_failure(self, problem, label=error)
            return
        self.dismiss(signer)

    def action_cancel(self) -> None:
        self.dismiss(None)
