"""One client's progress note: edit the draft (autosaved), sign it, read it, add addenda.

A draft opens in a text area and saves itself ~0.8 s after typing stops; ctrl+s then y
signs and locks it. A note returned for correction (issue #20) opens so for its signer: the
text typed is the correction (the signed text stays), and ctrl+s then y signs it again.
A signed note (or any note, for a supervisor) opens read-only with its signature and addenda;
``a`` adds a signed addendum, ``c`` co-signs. Trying to type into a locked note shows the
store's refusal as one sentence.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, TextArea

from facilitator.core.confidentiality import flag_text, mentions, replacements
from facilitator.core.permissions import allowed
from facilitator.store.notes import NoteBook
from facilitator.tui.end_summary import may_write, sentence
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.widgets.addendum import AddendumScreen
from facilitator.tui.widgets.confirm import ConfirmScreen
from facilitator.tui.widgets.plain import Label, Static

__all__ = ["AddendumScreen", "NoteEditorScreen", "add_addendum", "locked_text"]

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from textual import events
    from textual.timer import Timer

    from facilitator.core.clinic import Staff
    from facilitator.core.notes import Note
    from facilitator.store.running import RunningSession
    from facilitator.tui.clinic_app import ClinicApp

AUTOSAVE_SECONDS = 0.8
REFUSAL_REPEAT_SECONDS = 3.0


def _when(moment) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M}"


def locked_text(note: Note, staff: Mapping[str, Staff]) -> str:
    """A signed note as read: body, signature (with its hash), co-signature, addenda; each
    signer by name (core.clinic.staff_name)."""
    from facilitator.core.clinic import staff_name

    def who(user: str | None) -> str:
        return staff_name(user, staff)

    parts = [note.body.rstrip("\n"), ""]
    if note.signed:
        from facilitator.core.notes import verify_note
        intact = ("unchanged since signing" if not verify_note(note)
                  else "CHANGED AFTER SIGNING: run facilitator verify")
        parts.append(f"Signed by {who(note.signed_by)} · {_when(note.signed_at)} · {intact}")
    else:
        parts.append("Draft · not signed")
    if note.cosigned_by:
        parts.append(f"Co-signed by {who(note.cosigned_by)} · {_when(note.cosigned_at)}")
    for number, added in enumerate(note.addenda, start=1):
        parts += ["", f"ADDENDUM {number} · signed by {who(added.author)} · {_when(added.signed_at)}",
                  added.body.rstrip("\n")]
    if note.returned is not None:
        parts += ["", f"RETURNED FOR CORRECTION by {who(note.returned.by)} · {_when(note.returned.at)}: "
                      f"{note.returned.reason}"]
    for number, version in enumerate(note.earlier, start=1):
        parts += ["", f"EARLIER VERSION {number}, signed by {who(version.signed_by)} · "
                      f"{_when(version.signed_at)}, replaced when signed again:", "",
                  locked_text(version, staff).rstrip("\n")]
    return "\n".join(parts) + "\n"


def add_addendum(screen: Screen, book: NoteBook, client_id: str, body: str | None) -> bool:
    """Store ``body`` as a signed addendum (None: cancelled); says what happened."""
    if body is None:
        return False
    try:
        book.add_addendum(client_id, body)
    except FAILURE as problem:
        report_failure(screen, problem)
        return False
    screen.notify("Addendum signed and added.", markup=False, timeout=3)
    reload = getattr(screen, "reload", None)
    if callable(reload):
        reload()
    area = screen.query(TextArea)
    if area:
        area.first().move_cursor(area.first().document.end)   # show the new addendum
    return True


class NoteEditorScreen(Screen):
    HELP_TITLE = "Progress note"
    HOW_TO = (
        "A draft saves itself a moment after you stop typing. Other clients appear by "
        "initials only: keep it that way in what you add.\n"
        "A draft that names another group member (first, last or full name, from this "
        "session's list; accents and case do not matter) says so above the text: ctrl+r "
        "puts the member's initials in place of each name (\"Maria\" and \"Maria Núñez\" "
        "both become \"M.N.\"), an ordinary edit, saved like typing.\n"
        "ctrl+s then y signs the note and locks it; Escape goes back to the list (the draft "
        "is kept).\n"
        "A signed note is read-only: press a to add a signed addendum (a correction), or c "
        "to co-sign it (supervisors).\n"
        "A note a supervisor returned for correction opens for the counselor who signed it: "
        "the line above the text says who returned it and why; correct the text (it saves as "
        "you type) and press ctrl+s then y to sign it again. The note keeps the text signed "
        "first, with its signature and the return."
    )
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "sign", "Sign", id="note.sign", tooltip="Sign and lock this note (then y)"),
        Binding("ctrl+r", "initials", "Initials", id="note.initials",
                tooltip="Other group members' names become their initials"),
        Binding("a", "addendum", "Addendum", id="note.addendum",
                tooltip="Add a signed addendum to this signed note"),
        Binding("c", "cosign", "Co-sign", id="note.cosign", tooltip="Co-sign this signed note"),
        Binding("escape", "back", "Back", id="note.back", tooltip="Back to the session's notes"),
    ]

    DEFAULT_CSS = """
    NoteEditorScreen #note-title { text-style: bold; color: $text-primary; padding: 0 1; width: 1fr; }
    NoteEditorScreen #note-state { padding: 0 1; color: $text-muted; width: 1fr; }
    NoteEditorScreen #note-flag { padding: 0 1; color: $text-warning; width: 1fr; display: none; }
    NoteEditorScreen #note-flag.-shown { display: block; }
    NoteEditorScreen TextArea { height: 1fr; }
    """

    def __init__(self, running: RunningSession, client_id: str, name: str, *, editable: bool) -> None:
        super().__init__()
        self.book = NoteBook(running.data, running.file)
        self.client_id = client_id
        self.client_name = name
        self.editable = editable
        self.note: Note | None = None
        self.saved_body = ""
        self._timer: Timer | None = None
        self._asked: str | None = None         # the text queued to be saved, not yet answered
        self._save_failed = False              # the last save failed (shown); the next tries again
        self._refused_at = 0.0
        self.may_cosign = False
        self.writer = False
        self.client = None          # the core Client, and the session's members (for the flag)
        self.members: list = []
        self.staff_names: list[str] = []
        self.flag = ""

    def compose(self) -> ComposeResult:
        yield Label(f"Progress note · {self.client_name} ({self.client_id})", id="note-title")
        yield Static("", id="note-state", markup=False)
        yield Static("", id="note-flag", markup=False)
        yield TextArea("", id="note-text", soft_wrap=True, read_only=True)
        yield Footer()

    def on_mount(self) -> None:
        try:   # HIPAA audit controls: who viewed a note (by session id, never text or name)
            self.book.viewed()
        except FAILURE as problem:
            self.notify(sentence(problem), severity="error", markup=False)
        self.reload()
        self.query_one(TextArea).focus()

    @property
    def facilitator(self) -> ClinicApp:
        return self.app  # type: ignore[return-value]

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    def reload(self) -> None:
        try:
            self.note = self.book.all().get(self.client_id)
            snapshot = self.app.snapshot()  # type: ignore[attr-defined]
            staff = snapshot.staff
            me = snapshot.staff.get(self.book.data.user)
            record = self.book.file.read()
            self.writer = may_write(me, record)
            self.client = snapshot.clients.get(self.client_id)
            self.members = [snapshot.clients[c] for c in record.participants if c in snapshot.clients]
            self.staff_names = [s.display_name for s in snapshot.staff.values()]
        except FAILURE as problem:
            self.notify(sentence(problem), severity="error", markup=False)
            return
        note = self.note
        self.editable = self.editable and note is not None and (
            not note.signed or (note.returned is not None and me is not None and note.signed_by == me.user))
        self.may_cosign = (me is not None and allowed(me.role, "note.cosign") and note is not None
                           and note.signature_stands and not note.cosigned_by and note.signed_by != me.user)
        area = self.area
        if self.editable and note is not None:
            self.saved_body = note.body if note.correction is None else note.correction
            area.read_only = False
            area.load_text(self.saved_body)
            self._state(self._returned_line(staff) or "Draft · saves as you type · ctrl+s signs")
            self._flag()
        else:
            self._show_locked(note, staff)
        self.refresh_bindings()

    def _show_locked(self, note: Note | None, staff: Mapping[str, Staff]) -> None:
        area = self.area
        area.read_only = True
        area.load_text(locked_text(note, staff) if note else "There is no note yet.\n")
        if note is not None and note.signed:
            keys = (["a adds an addendum"] if self.writer else []) + \
                (["c co-signs"] if self.may_cosign else [])
            from facilitator.core.notes import verify_note
            intact = ("unchanged since signing" if not verify_note(note)
                      else "CHANGED AFTER SIGNING")
            returned = " · returned for correction" if note.returned else ""
            self._state(" · ".join([f"Signed and locked, {intact}{returned}", *keys]))
        else:
            self._state("Draft · read-only for you")

    def _returned_line(self, staff: Mapping[str, Staff]) -> str:
        """'Returned by Sam Supervisor: <why> · ctrl+s signs again' ('' unless returned)."""
        from facilitator.core.clinic import staff_name
        returned = self.note.returned if self.note is not None else None
        if returned is None:
            return ""
        return f"Returned by {staff_name(returned.by, staff)}: {returned.reason} · ctrl+s signs again"

    def _state(self, text: str) -> None:
        self.query_one("#note-state", Static).update(text)

    def _flag(self) -> None:
        """Whether the draft names another member of the session (initials only, no name)."""
        flag = ""
        if self.editable and self.client is not None:
            flag = flag_text(mentions(self.area.text, self.client, self.members, self.staff_names))
        shown = self.query_one("#note-flag", Static)
        shown.update(f"This draft {flag} · ctrl+r puts initials" if flag else "")
        shown.set_class(bool(flag), "-shown")
        if flag != self.flag:
            self.flag = flag
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        signed = self.note is not None and self.note.signed
        if action == "sign":
            return self.editable
        if action == "addendum":
            return signed and self.writer
        if action == "cosign":
            return self.may_cosign
        if action == "initials":
            return self.editable and bool(self.flag)     # shown only while flagged
        return True

    # -- autosave ----------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if not self.editable or event.text_area.text == self.saved_body:
            return
        self._state("Draft · typing…")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(AUTOSAVE_SECONDS, self.save)

    def save(self, then: Callable[[], None] | None = None) -> bool:
        """Queue the text if it changed (tui/writes.py), ``then`` once it is stored (at once if
        nothing needs saving). False only if the last save failed: the text stays in the
        editor, unsaved, the failure shown, and the next save tries again."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = self.area.text
        if not self.editable or text in (self.saved_body, self._asked):
            self._after_saves(then)
            return not self._save_failed
        self._asked = text
        self._state("Draft · saving…")
        self.facilitator.writes.ask(
            lambda: self.book.save_draft(self.client_id, text),
            done=lambda note: self._saved(text, note, then), failed=self._not_saved, where=self)
        return True

    def _after_saves(self, then: Callable[[], None] | None) -> None:
        """``then`` after every save already queued has been answered (none: now)."""
        if then is None:
            return
        if self.facilitator.writes.pending:
            self.facilitator.writes.ask(lambda: None, done=lambda _none: then() if not self._save_failed else None)
        elif not self._save_failed:
            then()

    def _saved(self, text: str, note: Note, then: Callable[[], None] | None) -> None:
        self._save_failed = False
        if self._asked == text:
            self._asked = None
        self.note = note
        self.saved_body = text
        if not self.is_attached:
            return
        now = self.facilitator.clock()
        what, sign = ("Correction", "signs again") if note.returned else ("Draft", "signs")
        self._state(f"{what} · saved {now.astimezone(note.drafted_at.tzinfo):%H:%M} · ctrl+s {sign}")
        self._flag()
        if then is not None:
            then()

    def _not_saved(self, problem: Exception) -> None:
        self._save_failed = True
        self._asked = None
        self.facilitator.writes.report(problem, self)
        if self.is_attached:
            self._state("Draft · NOT SAVED · it saves again as you type (ctrl+s tries now)")

    def save_typing(self) -> None:
        """The app is closing or locking (ClinicApp.save_typing): store the text now."""
        self.save()

    def on_unmount(self) -> None:
        try:
            self.save()       # the app closing with a save pending
        except NoMatches:
            pass

    # -- a locked note -----------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        """A key this note refuses (typing into it, a or c where they do not apply): say why,
        in the store's own sentence, by asking the store (which changes nothing)."""
        key = event.key
        if self.editable or not event.is_printable or key in ("enter", "tab"):
            return
        signed = self.note is not None and self.note.signed
        if key == "c" and not self.may_cosign:
            self._refused(lambda: self.book.cosign(self.client_id))
        elif key == "a" and not (signed and self.writer):
            self._refused(lambda: self.book.add_addendum(self.client_id, ""))
        elif key not in self.active_bindings and self.note is not None:
            now = time.monotonic()          # typing: one sentence, not one per letter
            if now - self._refused_at >= REFUSAL_REPEAT_SECONDS:
                self._refused_at = now
                body = self.note.body       # the same text: the store refuses, never changes
                self._refused(lambda: self.book.save_draft(self.client_id, body))

    def _refused(self, attempt) -> None:
        try:
            attempt()
        except FAILURE as problem:
            self.notify(sentence(problem), severity="warning", markup=False)

    # -- actions -----------------------------------------------------------------------
    def action_sign(self) -> None:
        self._save_failed = False            # ctrl+s tries a failed save again first
        self.save(self._ask_sign)

    def _ask_sign(self) -> None:
        """The text is stored: ask, then sign what was stored (queued, after any save)."""
        text = self.area.text

        def signed(_note: object) -> None:
            self.notify(f"Signed and locked: {self.client_name}.", markup=False, timeout=3)
            self.editable = False
            if self.is_attached and self.app.screen is self:
                self.app.pop_screen()

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if self.editable and self.area.text != text:      # typed on behind the dialog? never
                self.save(self._ask_sign)
                return
            self.facilitator.writes.ask(lambda: self.book.sign(self.client_id), done=signed, where=self)

        again = self.note is not None and self.note.returned is not None
        question = "Sign the corrected note again?" if again else "Sign and lock this note?"
        detail = ("The text signed first stays in the note's history, with its signature and the "
                  "return." if again else "A signed note cannot be edited; corrections are addenda.")
        if self.flag:
            detail = (f"This draft {self.flag}. A client's record must not identify other "
                      "group members: press n, then ctrl+r to put their initials instead. " + detail)
        self.app.push_screen(ConfirmScreen(question, detail), answered)

    def action_initials(self) -> None:
        """Each other member's name in the draft becomes their initials: edits of the text
        (one undo each), then saved as typing is."""
        if not self.editable or self.client is None:
            return
        area = self.area
        document = area.document
        found = replacements(area.text, self.client, self.members, self.staff_names)
        if not found:
            self.notify("This note names no other group member.", markup=False)
            return
        for start, end, initials in reversed(found):     # from the end: offsets stay true
            area.replace(initials, document.get_location_from_index(start),
                         document.get_location_from_index(end))
        self.save(lambda: self.notify(f"Initials put in place of {len(found)} "
                                      f"name{'s' if len(found) != 1 else ''}.", markup=False, timeout=3))

    def action_addendum(self) -> None:
        def added(body: str | None) -> None:
            add_addendum(self, self.book, self.client_id, body)

        self.app.push_screen(AddendumScreen(self.client_name), added)

    def action_cosign(self) -> None:
        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def cosigned(_note: object) -> None:
                self.notify(f"Co-signed: {self.client_name}.", markup=False, timeout=3)
                if self.is_attached:
                    self.reload()

            self.facilitator.writes.ask(lambda: self.book.cosign(self.client_id), done=cosigned, where=self)

        self.app.push_screen(ConfirmScreen(f"Co-sign {self.client_name}'s signed note?"), answered)

    def action_back(self) -> None:
        """Back to the list once the text is stored; a failed save keeps the editor open."""
        def back() -> None:
            if self.is_attached and self.app.screen is self:
                self.app.pop_screen()

        self.save(back)
