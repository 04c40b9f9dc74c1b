"""One progress note, read-only: body, addenda, signatures; ``c`` co-signs.

Opening a note is audited (``note.view``, by session id: never the text or the name).
Whether a co-signature is allowed is decided by the store (``NoteBook.cosign``); a refusal
is shown as its one sentence.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer

from facilitator.core.clinic import staff_name
from facilitator.core.notes import Note
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.widgets.hoursbar import theme_colours
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import refusal_sentence

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from facilitator.core.clinic import Staff
    from facilitator.tui.clinic_app import ClinicApp


def _when(at: datetime | None) -> str:
    return f"{at:%a %d %b %Y %H:%M}" if at else ""


def note_lines(note: Note | None, muted: str, staff: Mapping[str, Staff]) -> Text:
    """The note as read: who signed, co-signed and added each addendum, by name."""
    def who(user: str | None) -> str:
        return staff_name(user, staff)

    if note is None:
        return Text("No note has been written for this client in this session yet.", style=muted)
    text = Text(end="")
    if note.signed:
        text.append(f"Signed by {who(note.signed_by)}, {_when(note.signed_at)}")
        if note.cosigned_by:
            text.append(f" · co-signed by {who(note.cosigned_by)}, {_when(note.cosigned_at)}")
        else:
            text.append(" · not co-signed")
    else:
        text.append(f"Draft by {who(note.author)}, {_when(note.drafted_at)} · not signed yet")
    text.append("\n\n")
    text.append(note.body)
    for number, addendum in enumerate(note.addenda, 1):
        text.append(f"\n\nAddendum {number} · {who(addendum.author)}, {_when(addendum.signed_at)}\n",
                    style="bold")
        text.append(addendum.body)
    _returns(text, note, who)
    return text


def _returns(text: Text, note: Note, who: Callable[[str | None], str]) -> None:
    """A return for correction, and the versions signed before (issue #20), after the note."""
    if note.returned is not None:
        text.append(f"\n\nReturned for correction by {who(note.returned.by)}, {_when(note.returned.at)}: ",
                    style="bold")
        text.append(note.returned.reason)
    for number, version in enumerate(note.earlier, 1):
        text.append(f"\n\nEarlier version {number} · signed by {who(version.signed_by)}, "
                    f"{_when(version.signed_at)}; replaced when signed again\n", style="bold")
        text.append(version.body)
        if version.returned is not None:
            text.append(f"\nReturned by {who(version.returned.by)}, {_when(version.returned.at)}: "
                        f"{version.returned.reason}")


class NoteScreen(ModalScreen[bool]):
    """Dismisses with True when the note was co-signed here."""

    DEFAULT_CSS = """
    NoteScreen {
        align: center middle;
    }
    NoteScreen > VerticalScroll {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        color: $foreground;
        padding: 0 1;
    }
    NoteScreen #note-title {
        text-style: bold;
        color: $text-primary;
    }
    NoteScreen #note-body {
        margin-top: 1;
    }
    """

    HELP_TITLE = "Note"
    HOW_TO = ("The progress note as stored, read-only: signed notes are locked and corrected by "
              "addenda. A supervisor co-signs a signed note with c. y copies a signed note, with "
              "the 42 CFR part 2 notice, to the clipboard (audited). Escape closes.")

    BINDINGS: ClassVar = [
        Binding("c", "cosign", "Co-sign", id="note.cosign", tooltip="Co-sign this signed note"),
        Binding("y", "copy_note", "Copy", id="note.copy", show=False,
                tooltip="Copy this signed note to the clipboard (a disclosure: audited)"),
        Binding("escape", "close", "Close", id="note.close"),
    ]

    def __init__(self, session_id: str, client_id: str, client_name: str, group: str, day: date) -> None:
        super().__init__()
        self.session_id = session_id
        self.client_id = client_id
        self.client_name = client_name
        self.heading = f"{client_name} ({client_id}) · {group} · {day:%a} {day.day} {day:%b %Y}"
        self.note: Note | None = None
        self.staff: Mapping[str, Staff] = {}
        self.changed = False

    @property
    def facilitator(self) -> ClinicApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"Note · {self.heading}", id="note-title", markup=False)
            yield Static("", id="note-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        data = self.facilitator.data
        from facilitator.store.notes import NoteBook
        try:       # read, then audited "note.view" by the store (session id only)
            self.staff = self.facilitator.snapshot().staff
            self.note = NoteBook(data, data.session_file(self.session_id)).view(self.client_id)
        except FAILURE as problem:
            self.query_one("#note-body", Static).update(refusal_sentence(problem))
            return
        self.show_note()

    def show_note(self) -> None:
        muted = theme_colours(self.app.get_css_variables()).get("foreground-muted", "")
        self.query_one("#note-body", Static).update(note_lines(self.note, muted, self.staff))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cosign":
            return bool(self.note and self.note.signature_stands and not self.note.cosigned_by)
        return True

    def action_cosign(self) -> None:
        from facilitator.tui.widgets.confirm import ConfirmScreen
        self.app.push_screen(ConfirmScreen(f"Co-sign {self.client_name}'s signed note?",
                                           "A co-signature is recorded with your name and the "
                                           "time; it cannot be undone."),
                             lambda yes: self._cosign() if yes else None)

    def _cosign(self) -> None:
        from facilitator.store.notes import NoteBook
        data = self.facilitator.data
        try:
            self.note = NoteBook(data, data.session_file(self.session_id)).cosign(self.client_id)
        except FAILURE as problem:
            report_failure(self.app, problem, title="Not co-signed")
            return
        self.changed = True
        self.app.notify("Co-signed.", markup=False)
        self.show_note()

    def action_copy_note(self) -> None:
        from facilitator.tui.copy_note import copy_signed_note
        copy_signed_note(self.app, self.facilitator.data, self.session_id, self.client_id)

    def action_close(self) -> None:
        self.dismiss(self.changed)
