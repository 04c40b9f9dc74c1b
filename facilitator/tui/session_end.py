"""End of a session: the summary, each attending client's drafted note, signing.

Opening the screen drafts a note for every attending client who has none (an existing
draft or signed note is never touched). The fast path signs a draft unchanged with two
keys, ``S`` then ``y``, and moves to the next client still to sign.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from facilitator.core.permissions import allowed
from facilitator.store.notes import NoteBook
from facilitator.tui import end_summary as summary
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.widgets.confirm import ConfirmScreen
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import ProblemPanel
from facilitator.tui.widgets.tables import put_rows

if TYPE_CHECKING:
    from datetime import datetime

    from facilitator.core.clinic import Staff
    from facilitator.core.notes import Note
    from facilitator.core.session import SessionRecord
    from facilitator.store.datadir import ClinicSnapshot
    from facilitator.store.running import RunningSession
    from facilitator.tui.clinic_app import ClinicApp

DONE_SECONDS = 3
COLUMNS = (("Client", "client"), ("Status", "status"), ("Attended", "credited"), ("Note", "note"))


class EndSessionScreen(Screen):
    """The summary of one session and its notes; shown when the session ends."""

    HELP_TITLE = "End of session"
    HOW_TO = (
        "Top: the session as it ran (real times, each block's actual/planned minutes, who "
        "did not attend, whose note is unsigned). Below: each client who attended, their "
        "minutes attended and their note, drafted from what really happened.\n"
        "Enter opens a note: edit the draft (it saves itself), ctrl+s then y signs it.\n"
        "Fast path: S then y signs the highlighted draft unchanged and moves on to the next "
        "one: two keys per client.\n"
        "A draft that names another group member (first, last or full name, from this "
        "session's list) says so; i puts the member's initials in place of each name "
        "(\"Maria\" and \"Maria Núñez\" both become \"M.N.\"), an ordinary edit of the draft.\n"
        "A signed note is locked; a adds a signed addendum. Supervisors press c to co-sign.\n"
        "y copies the highlighted signed note, with the 42 CFR part 2 notice, to the clipboard "
        "(audited); on a draft it does nothing but say so. In S then y, the y answers the "
        "question and copies nothing.\n"
        "T corrects the highlighted client's attendance (status, times, and why): by the same "
        "time rule as marking; a signed note is not edited but gets an addendum stating the "
        "change, an unedited draft is re-drafted.\n"
        "Escape or h goes home; unsigned notes wait in the review list."
    )

    BINDINGS: ClassVar = [
        Binding("enter", "open_note", "Open note", id="end.open", priority=True,
                tooltip="Read or edit the highlighted client's note"),
        Binding("S", "sign_unchanged", "Sign as is", id="end.sign",
                tooltip="Sign the highlighted draft unchanged (then y)"),
        Binding("i", "initials", "Initials", id="end.initials",
                tooltip="Other group members' names in the draft become their initials"),
        Binding("a", "addendum", "Addendum", id="end.addendum", show=False,
                tooltip="Add a signed addendum to a signed note"),
        Binding("c", "cosign", "Co-sign", id="end.cosign", show=False,
                tooltip="Co-sign a signed note (supervisors)"),
        Binding("y", "copy_note", "Copy", id="end.copy", show=False,
                tooltip="Copy the highlighted signed note to the clipboard (audited)"),
        Binding("T", "correct", "Correct attendance", id="end.correct", show=False,
                tooltip="Correct the highlighted client's status or times, saying why"),
        Binding("r", "reload", "Refresh", id="end.refresh", show=False,
                tooltip="Read the session again"),
        Binding("escape", "home", "Home", id="end.home"),
        Binding("h", "home", "Home", id="end.home_h", show=False),
    ]

    def __init__(self, running: RunningSession) -> None:
        super().__init__()
        self.running = running
        self.book = NoteBook(running.data, running.file)
        self.rows: list[summary.ClientRow] = []
        self.notes: dict[str, Note] = {}
        self.me: Staff | None = None
        self.record: SessionRecord | None = None
        self.done = ""          # what the last key did, in the hint line until the next key

    @property
    def facilitator(self) -> ClinicApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield ProblemPanel(id="problem")
        yield Static("", id="end-summary", markup=False)
        yield Label("Notes", classes="section-title", id="end-notes-title")
        table: DataTable = DataTable(id="end-table", cursor_type="row", zebra_stripes=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="end-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload(draft=True)
        self.query_one(DataTable).focus()

    DEFAULT_CSS = """
    EndSessionScreen #end-summary { padding: 0 1; width: 1fr; }
    EndSessionScreen #end-table { height: 1fr; }
    EndSessionScreen #end-hint { height: 1; padding: 0 1; color: $text-muted; }
    """

    def on_screen_resume(self) -> None:
        if self.record is not None:
            self.reload()

    def on_resize(self) -> None:
        if self.record is not None:
            self.reload()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._hint()

    def _signed_hint(self, note: Note, writer: bool) -> str:
        """A signed note's keys; a returned one (#20) is its signer's to correct and sign again."""
        if note.returned is not None:
            mine = self.me is not None and note.signed_by == self.me.user
            return "Returned for correction · " + ("Enter corrects it, ctrl+s signs again" if mine and writer
                                                   else "its signer corrects it and signs again")
        keys = ["Enter reads it"] + (["a adds an addendum"] if writer else [])
        if not note.cosigned_by and self._may("note.cosign") and self.me is not None \
                and note.signed_by != self.me.user:
            keys.append("c co-signs")
        return "Signed and locked · " + " · ".join(keys)

    def on_key(self, event: events.Key) -> None:
        """A new key: what the last one did has been read. (Re-reads after a write, which
        redraw the hint, keep it: "Corrected: … now 160 min." used to vanish at once.)"""
        self.done = ""

    def _hint(self) -> None:
        """What the keys do for the highlighted client's note."""
        row = next((r for r in self.rows if r.client_id == self.current_client()), None)
        note = self.notes.get(row.client_id) if row else None
        writer = self.record is not None and summary.may_write(self.me, self.record)
        if row is None:
            hint = "Nobody attended, so there are no notes to write."
        elif note is None:
            hint = "No note yet."
        elif not note.signed:
            hint = ("Enter edits the draft · S then y signs it unchanged" if writer
                    else "Enter reads the draft · the facilitator signs it")
            if row.reads_like:
                hint = f"Nearly the same words as {row.reads_like}'s note · " + hint
            if row.names_member and writer:
                hint = f"This draft {row.names_member} · i puts initials · " + hint
            elif row.names_member:
                hint = f"This draft {row.names_member} · " + hint
        else:
            hint = self._signed_hint(note, writer)
        if self.done:
            hint = f"{self.done} {hint}"
        self.query_one("#end-hint", Static).update(hint)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """"S Sign as is" leaves the footer once every note is signed."""
        if action == "sign_unchanged" and self.rows and all(r.signed for r in self.rows):
            return False
        if action == "initials":       # shown only while a draft names another member
            return (any(r.names_member for r in self.rows) and self.record is not None
                    and summary.may_write(self.me, self.record))
        return True

    # -- reading -----------------------------------------------------------------------
    def _topic(self, record: SessionRecord) -> str | None:
        return self.facilitator.plan_title(record.header.plan_id)

    def reload(self, *, draft: bool = False, advance: bool = False) -> None:
        app = self.facilitator
        try:
            snapshot = app.snapshot()
            record = self.running.record()
            self.me = app.me(snapshot)
            if draft and summary.may_write(self.me, record):
                plan = app.plans.plans.get(record.header.plan_id or "")
                summary.ensure_drafts(self.book, record, snapshot, plan=plan, topic=self._topic(record))
            notes = self.book.all()
        except FAILURE as problem:
            self.query_one(ProblemPanel).show_problem(summary.sentence(problem))
            app.notify(summary.sentence(problem), title="Cannot read this session", severity="error", markup=False)
            return
        self.query_one(ProblemPanel).show_problem(None)
        self.record, self.notes = record, notes
        self._show(snapshot, record, advance=advance, first=draft)

    def _show(self, snapshot: ClinicSnapshot, record: SessionRecord, *,
              advance: bool, first: bool) -> None:
        app = self.facilitator
        day = app.today(snapshot)
        me = self.me
        who = f"{me.display_name} ({me.role})" if me else f"{app.user} (not staff)"
        self.query_one(ClinicHeader).show(snapshot.settings.name, who, f"{day:%a} {day.day} {day:%b %Y}")
        lines = summary.summary_lines(record, snapshot, self.notes, topic=self._topic(record),
                                      now=app.clock().astimezone(snapshot.settings.tz),
                                      width=max(40, self.size.width - 2))
        self.query_one("#end-summary", Static).update(summary.styled(lines))
        table = self.query_one(DataTable)
        current = self.current_client()
        was_unsigned = current is not None and current in {r.client_id for r in self.rows if not r.signed}
        self.rows = summary.client_rows(record, snapshot, self.notes)
        put_rows(table, COLUMNS, [(row.client_id, (row.name, row.status, f"{row.credited} min", row.note))
                                  for row in self.rows])
        unsigned = sum(1 for r in self.rows if not r.signed)
        title = f"Notes · {len(self.rows)} attended"
        if self.rows:
            title += f", {unsigned} to sign" if unsigned else ", all signed"
        self.query_one("#end-notes-title", Label).update(title)
        ids = [r.client_id for r in self.rows]
        if first or current not in ids:
            target = self._next_unsigned(-1) if first else 0
        elif advance or (was_unsigned and self.notes.get(current) and self.notes[current].signed):
            target = self._next_unsigned(ids.index(current))
        else:
            target = ids.index(current)
        if ids and target is not None:
            table.move_cursor(row=target, animate=False)
        self._hint()

    def _next_unsigned(self, after: int) -> int | None:
        """The first row after ``after`` (wrapping round) whose note is unsigned."""
        count = len(self.rows)
        for step in range(1, count + 1):
            index = (after + step) % count
            if not self.rows[index].signed:
                return index
        return after if 0 <= after < count else (0 if count else None)

    def current_client(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.rows or not table.row_count or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row].client_id

    def _current_row(self) -> summary.ClientRow | None:
        client_id = self.current_client()
        if client_id is None:
            self.notify("Nobody attended this session, so there are no notes.", markup=False)
            return None
        return next(r for r in self.rows if r.client_id == client_id)

    def _error(self, problem: Exception) -> None:
        report_failure(self, problem)

    def _may(self, action: str) -> bool:
        return self.me is not None and allowed(self.me.role, action)

    # -- actions -----------------------------------------------------------------------
    def action_open_note(self) -> None:
        row = self._current_row()
        if row is None or self.record is None:
            return
        if row.client_id not in self.notes:
            self.notify(f"There is no note for {row.name} yet.", markup=False)
            return
        from facilitator.tui.note_editor import NoteEditorScreen
        note = self.notes[row.client_id]      # a returned note is its signer's to correct (#20)
        editable = summary.may_write(self.me, self.record) and (not note.signed or note.returned is not None)
        self.app.push_screen(NoteEditorScreen(self.running, row.client_id, row.name, editable=editable))

    def action_sign_unchanged(self) -> None:
        row = self._current_row()
        if row is None:
            return
        note = self.notes.get(row.client_id)
        if note is None or note.signed or self.record is None \
                or not summary.may_write(self.me, self.record):
            self._store(self.book.sign, row.client_id)      # the store says why not
            return

        def answered(yes: bool | None) -> None:
            if yes and self._store(self.book.sign, row.client_id):
                # said in the hint line, not a toast over the list's status column
                self.done = f"Signed and locked: {row.name}."
                self.reload(advance=True)

        detail = "Read it first with Enter if unsure; later changes are addenda."
        if row.names_member:
            detail = (f"This draft {row.names_member}. A client's record must not identify "
                      "other group members: press n, then i to put their initials in place of the names.")
        elif row.reads_like:
            detail = (f"This draft has nearly the same words as {row.reads_like}'s note. "
                      "Auditors flag notes that are not individualized; Enter opens it "
                      "to add what this client said or did.")
        self.app.push_screen(ConfirmScreen(f"Sign {row.name}'s note unchanged and lock it?",
                                           detail), answered)

    def action_initials(self) -> None:
        """Other members' names in the highlighted draft become their initials."""
        row = self._current_row()
        if row is None or self.record is None:
            return
        if not row.names_member:
            self.notify("This note names no other group member.", markup=False)
            return
        try:
            snapshot = self.facilitator.snapshot()
            self.book.members_as_initials(row.client_id, summary.members(self.record, snapshot),
                                          summary.staff_full_names(snapshot))
        except FAILURE as problem:
            self._error(problem)
            return
        self.done = "Initials put in place of other members' names."
        self.reload()

    def action_cosign(self) -> None:
        row = self._current_row()
        if row is None:
            return
        note = self.notes.get(row.client_id)
        if note is None or not note.signed or note.cosigned_by or not self._may("note.cosign"):
            self._store(self.book.cosign, row.client_id)
            return

        def answered(yes: bool | None) -> None:
            if yes and self._store(self.book.cosign, row.client_id):
                self.notify(f"Co-signed: {row.name}.", markup=False, timeout=DONE_SECONDS)
                self.reload()

        self.app.push_screen(ConfirmScreen(f"Co-sign {row.name}'s signed note?"), answered)

    def action_addendum(self) -> None:
        row = self._current_row()
        if row is None:
            return
        note = self.notes.get(row.client_id)
        if note is None or not note.signed:
            self.notify("Only a signed note takes addenda; press Enter to edit the draft.",
                        markup=False)
            return
        from facilitator.tui.note_editor import AddendumScreen, add_addendum
        def added(body: str | None) -> None:
            add_addendum(self, self.book, row.client_id, body)

        self.app.push_screen(AddendumScreen(row.name), added)

    def action_correct(self) -> None:
        """Correct the highlighted client's attendance (``store.corrections``)."""
        row = self._current_row()
        if row is None or self.record is None:
            return
        entry = self.record.attendance.get(row.client_id)
        if entry is None:
            return
        from facilitator.store.corrections import correct_attendance
        from facilitator.tui.session_modals import CorrectAttendanceModal
        session_id = self.running.file.session_id

        def save(status, arrived, left, reason) -> None:
            done = correct_attendance(self.running.data, session_id, row.client_id, status=status,
                                      arrived=arrived, left=left, reason=reason)
            self.done = f"Corrected: {row.name}, now {done.credited_now} min."

        def closed(saved: bool | None) -> None:
            if saved:
                self.reload()

        def hm(moment: datetime | None) -> str:
            return f"{moment:%H:%M}" if moment else ""

        self.app.push_screen(CorrectAttendanceModal(row.name, entry.status.value, hm(entry.arrived),
                                                    hm(entry.left), save), closed)

    def _store(self, operation, client_id: str) -> bool:
        try:
            operation(client_id)
        except FAILURE as problem:
            self._error(problem)
            return False
        return True

    def action_copy_note(self) -> None:
        from facilitator.tui.copy_note import copy_signed_note
        row = self._current_row()
        if row is not None:
            copy_signed_note(self.app, self.running.data, self.running.file.session_id, row.client_id)

    def action_reload(self) -> None:
        self.facilitator.action_refresh_data()

    def action_home(self) -> None:
        self.facilitator.action_go("home")
