"""Progress notes in session files: drafts, signing, addenda, co-signatures and returns.

Roles are enforced here: counselors (and admins) draft and sign the notes of sessions
they facilitated; supervisors co-sign; nobody edits a signed note. A supervisor (or admin)
returns a signed note for correction (``return_note``); only its signer types the correction
and signs it again (``save_draft`` and ``sign`` on a returned note). The audit entries of a
return and a re-signature carry the session and client ids only: the reason is kept, hashed,
on the note (it may quote the client), never in the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from facilitator.core import notes as core_notes
from facilitator.core.corrections import CORRECTED_AFTER_SIGNING, END_CORRECTED_AFTER_SIGNING
from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.likeness import session_likeness
from facilitator.core.notes import Note
from facilitator.core.roster import Client
from facilitator.core.rules import Role
from facilitator.core.session import AttendanceEntry, SessionHeader
from facilitator.store.datadir import DataDir
from facilitator.store.files import DamagedFile
from facilitator.store.records import SessionFile


class NoteBook:
    """The notes of one session, as the acting staff member may touch them."""

    def __init__(self, data: DataDir, file: SessionFile) -> None:
        self.data = data
        self.file = file

    def all(self) -> dict[str, Note]:
        return self.file.notes()

    def viewed(self) -> None:
        """Audit that the acting user opened this session's notes ("note.view", by session id:
        HIPAA audit controls; never a note's text or a client's name)."""
        self.data.record_audit("note.view", self.file.session_id)

    def view(self, client_id: str) -> Note | None:
        """One client's note as a person reads it, audited ("note.view") once it was read."""
        note = self.file.notes().get(client_id)
        self.viewed()
        return note

    def _own_session(self) -> None:
        me = self.data.me()
        header = self.file.read().header
        if me.role is not Role.ADMIN and self.data.user not in header.facilitators:
            self.data.record_audit("denied", "note.write")
            raise PermissionDenied(f"{self.data.user} did not facilitate this session; only its "
                                   f"facilitators write and sign its notes.")

    def save_draft(self, client_id: str, body: str) -> Note:
        self.data.require("note.write")
        self._own_session()
        now = self.data.now()

        def change(old: Note | None) -> Note:
            if old is None:
                return Note(session_id=self.file.session_id, client_id=client_id, body=body,
                            author=self.data.user, drafted_at=now)
            self._signer_corrects(old)
            return core_notes.edit(old, body)

        with self.data.change("note.draft", self.file.session_id):
            note = self.file.update_note(client_id, change)
        return note

    def members_as_initials(self, client_id: str, members: Iterable[Client], ignore: Iterable[str] = ()) -> Note:
        """The draft with every other session member's name replaced by their initials
        (``core.confidentiality``): an ordinary edit of the draft, audited as typing is
        ("note.draft", by session id); a signed note is refused as any edit is."""
        from facilitator.core.confidentiality import with_initials
        self.data.require("note.write")
        self._own_session()
        members = tuple(members)
        client = next((m for m in members if m.client_id == client_id), None)

        def change(old: Note | None) -> Note:
            if old is None:
                raise InputError("there is no drafted note for this client", field="body")
            if client is None:
                raise InputError("the client is not on this session's list", field="body")
            return core_notes.edit(old, with_initials(old.body, client, members, ignore))

        with self.data.change("note.draft", self.file.session_id):
            note = self.file.update_note(client_id, change)
        return note

    def sign(self, client_id: str) -> Note:
        self.data.require("note.sign")
        self._own_session()

        with self.data.change("note.sign", self.file.session_id) as audited:
            def change(old: Note | None) -> Note:
                if old is None:
                    raise InputError("there is no drafted note to sign for this client")
                if old.returned is not None:        # signed again after a return (#20)
                    self._signer_corrects(old)
                    audited.action, audited.detail = "note.resign", {"client": client_id}
                return core_notes.sign(old, self.data.user, self.data.now())

            note = self.file.update_note(client_id, change)
        return note

    def _signer_corrects(self, note: Note) -> None:
        """A returned note is corrected and re-signed by the one who signed it, nobody else."""
        if note.returned is not None and note.signed_by != self.data.user:
            self.data.record_audit("denied", "note.resign")
            raise PermissionDenied(f"this note was returned to {note.signed_by}, who signed it; only they "
                                   "correct and re-sign it.")

    def return_note(self, client_id: str, reason: str) -> Note:
        """Return the client's signed note to its signer for correction (supervisors, admins)."""
        self.data.require("note.return")
        reason = core_notes.check_return_reason(reason)
        with self.data.change("note.return", self.file.session_id, {"client": client_id}):
            note = self.file.update_note(client_id, lambda old: core_notes.return_note(
                _existing(old), self.data.user, self.data.now(), reason))
        return note

    def add_addendum(self, client_id: str, body: str) -> Note:
        self.data.require("note.sign")
        self._own_session()
        with self.data.change("note.addendum", self.file.session_id):
            note = self.file.update_note(client_id, lambda old: core_notes.add_addendum(
                _existing(old), body, self.data.user, self.data.now()))
        return note

    def cosign(self, client_id: str) -> Note:
        self.data.require("note.cosign")
        with self.data.change("note.cosign", self.file.session_id):
            note = self.file.update_note(client_id, lambda old: core_notes.cosign(
                _existing(old), self.data.user, self.data.now()))
        return note


def _existing(note: Note | None) -> Note:
    if note is None:
        raise InputError("there is no note for this client in this session")
    return note


@dataclass(frozen=True)
class QueueItem:
    session_id: str
    day: date
    group: str
    client_id: str
    state: str            # "missing", "draft", "returned", "unsigned-cosign"
    overdue_days: int
    reads_like: str = ""  # the client id whose note this one nearly repeats (core.likeness)
    facilitators: tuple[str, ...] = ()
    flag: str = ""        # "attendance corrected after signing" (core.corrections)
    returned_to: str = "" # a returned note's signer, who corrects and re-signs it
    reason: str = ""      # why it was returned (shown in the app, never logged)


def review_queue(data: DataDir, first: date, last: date) -> tuple[list[QueueItem], list[DamagedFile]]:
    """Notes not yet signed (or missing), returned for correction, and signed notes not
    co-signed, oldest first."""
    today = data.now().date()
    clients = data.snapshot().clients
    scan = data.sessions_between(first, last)
    items: list[QueueItem] = []
    problems = list(scan.problems)
    for record in scan.records:
        header = record.header
        try:
            notes = data.session_file(header.session_id).notes()
        except DamagedFile as err:
            problems.append(err)
            continue
        overdue = core_notes.business_days_overdue(header.day, today)
        alike = session_likeness([c for c, e in record.attendance.items() if e.status.credits_time],
                                 notes, clients)
        for client_id, entry in record.attendance.items():
            if not entry.status.credits_time:
                continue
            note = notes.get(client_id)
            state = queue_state(note)
            if state is None:
                continue
            like = alike.get(client_id)
            flag = CORRECTED_AFTER_SIGNING if corrected_after_signing(entry, note) else \
                END_CORRECTED_AFTER_SIGNING if end_corrected_after_signing(header, note) else ""
            returned = note.returned if note is not None else None
            items.append(QueueItem(header.session_id, header.day, header.group, client_id, state,
                                   overdue if state in ("missing", "draft") else 0,
                                   like.other_id if like else "", header.facilitators, flag,
                                   note.signed_by or "" if returned and note else "",
                                   returned.reason if returned else ""))
    items.sort(key=lambda i: (i.day, i.session_id, i.client_id))
    return items, problems


def queue_state(note: Note | None) -> str | None:
    """Where a note stands in the review queue; None once signed and co-signed."""
    if note is None or not note.signed:
        return "missing" if note is None else "draft"
    if note.returned is not None:
        return "returned"
    return "unsigned-cosign" if note.cosigned_by is None else None


def returned_count(data: DataDir, user: str, first: date, last: date) -> int:
    """How many notes of sessions held ``first``..``last`` are returned for correction to
    ``user`` (who signed them) and not yet signed again; unreadable files are left out (the
    review queue names them)."""
    count = 0
    for record in data.sessions_between(first, last).records:
        try:
            notes = data.session_file(record.header.session_id).notes()
        except DamagedFile:
            continue
        count += sum(1 for n in notes.values() if n.returned is not None and n.signed_by == user)
    return count


def corrected_after_signing(entry: AttendanceEntry | None, note: Note | None) -> bool:
    """Whether the client's attendance was corrected after their note was signed."""
    if entry is None or note is None or note.signed_at is None:
        return False
    return any(c.when >= note.signed_at for c in entry.corrections)


def end_corrected_after_signing(header: SessionHeader, note: Note | None) -> bool:
    """Whether the session's end was corrected after the client's note was signed."""
    if note is None or note.signed_at is None:
        return False
    return any(c.when >= note.signed_at for c in header.end_corrections)


def verify_notes(file: SessionFile, notes: dict[str, core_notes.Note] | None = None) -> list[str]:
    problems = []
    for client_id, note in (file.notes() if notes is None else notes).items():
        for problem in core_notes.verify_note(note):
            problems.append(f"{file.path}: the note for {client_id}: {problem}")
    return problems
