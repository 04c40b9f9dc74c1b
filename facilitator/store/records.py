"""Session record files: ``records/YYYY/MM/<session id>.json``, one small TinyDB each."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core import fields
from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader, SessionRecord
from facilitator.store.files import DamagedFile, make_dirs
from facilitator.store.storage import DataFile, query
from facilitator.store.strict import damaged

if TYPE_CHECKING:
    from tinydb import TinyDB
    from tinydb.table import Table

    from facilitator.core.notes import Note

KIND = "session"


def record_path(records_dir: Path, session_id: str) -> Path:
    """``2026-11-23-1800-evening-a`` -> records/2026/11/2026-11-23-1800-evening-a.json."""
    return Path(records_dir) / session_id[:4] / session_id[5:7] / f"{session_id}.json"


def record_in(db: Any, *, roster: bool = True) -> SessionRecord:
    """The record held by ``db``, a session file's TinyDB open in its transaction (already
    read strictly by the transaction's admission); ``roster=False`` leaves the roster out."""
    return SessionRecord(
        header=SessionHeader.from_dict(db.table("header").all()[0]),
        blocks=tuple(sorted((BlockRun.from_dict(b) for b in db.table("blocks").all()),
                            key=lambda b: b.position)),
        attendance={e.client_id: e for e in map(AttendanceEntry.from_dict, db.table("attendance").all())},
        roster=tuple(d["client_id"] for d in db.table("roster").all()) if roster else ())


class SessionFile(DataFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, KIND)

    @property
    def session_id(self) -> str:
        return self.path.stem

    def create(self, header: SessionHeader, blocks: tuple[BlockRun, ...] = (),
               roster: tuple[str, ...] = (), attendance: list[AttendanceEntry] | None = None) -> None:
        self.refuse_unaudited()                 # before its folder is made
        make_dirs(self.path.parent)
        with self.transaction(create=True) as db:
            if db.table("header").all():
                raise FileExistsError(self.path)
            _write_all(db, header, blocks)
            if roster:
                db.table("roster").insert_multiple({"client_id": c} for c in roster)
            for entry in attendance or ():   # as put_attendance: one entry per client, the last wins
                db.table("attendance").upsert(entry.to_dict(), query().client_id == entry.client_id)

    def header(self, tables: dict[str, list[dict[str, Any]]] | None = None) -> SessionHeader:
        """Only the session's header (its state, times, group), read strictly: what the
        home screen and the launch's look for a running session need, without parsing
        every attendance entry and note (``read`` reads the rest)."""
        headers = (self.tables() if tables is None else tables).get("header", [])
        if len(headers) != 1:
            raise DamagedFile(self.path, "it has no session header")
        try:
            header = SessionHeader.from_dict(headers[0])
        except (KeyError, ValueError, TypeError) as err:
            raise damaged(self.path, err) from None
        if header.session_id != self.path.stem or header.day.isoformat() != self.path.name[:10]:
            # Reports find a session by its file name: a header for another session or day
            # would be counted in the wrong week.
            raise DamagedFile(self.path, "its header is for another session than its file name says")
        return header

    def read(self, tables: dict[str, list[dict[str, Any]]] | None = None) -> SessionRecord:
        """The record, read strictly; ``tables`` if the file's tables were just read."""
        tables = self.tables() if tables is None else tables
        header = self.header(tables)
        try:
            blocks = tuple(sorted((BlockRun.from_dict(b) for b in tables.get("blocks", [])),
                                  key=lambda b: b.position))
            attendance = {e.client_id: e for e in map(AttendanceEntry.from_dict, tables.get("attendance", []))}
            roster = tuple(fields.client_id(r, "client_id")
                           for r in sorted(tables.get("roster", []), key=lambda r: r["_id"]))
        except (KeyError, ValueError, TypeError) as err:
            raise damaged(self.path, err) from None
        return SessionRecord(header=header, blocks=blocks, attendance=attendance, roster=roster)

    def put_header(self, header: SessionHeader) -> None:
        with self.transaction() as db:
            db.table("header").truncate()
            db.table("header").insert(header.to_dict())

    def put_block(self, block: BlockRun) -> None:
        with self.transaction() as db:
            db.table("blocks").upsert(block.to_dict(), query().position == block.position)

    def put_blocks(self, blocks: tuple[BlockRun, ...], header: SessionHeader | None = None) -> None:
        """Replace the agenda as run (and the header) in one atomic write."""
        with self.transaction() as db:
            db.table("blocks").truncate()
            db.table("blocks").insert_multiple(b.to_dict() for b in blocks)
            if header is not None:
                db.table("header").truncate()
                db.table("header").insert(header.to_dict())

    def add_to_roster(self, client_id: str) -> None:
        with self.transaction() as db:
            if not db.table("roster").contains(query().client_id == client_id):
                db.table("roster").insert({"client_id": client_id})

    def remove_from_roster(self, client_id: str) -> None:
        """Take a client off the list; their own attendance entry goes too, nobody else's."""
        with self.transaction() as db:
            db.table("roster").remove(query().client_id == client_id)
            db.table("attendance").remove(query().client_id == client_id)

    def put_attendance(self, *entries: AttendanceEntry) -> None:
        """Set these clients' attendance; everyone else's is untouched."""
        with self.transaction() as db:
            table = db.table("attendance")
            for entry in entries:
                put_entry(table, entry)

    def update_attendance(self, client_id: str,
                          change: Callable[[AttendanceEntry | None], AttendanceEntry]) -> AttendanceEntry:
        """Read-modify-write one client's entry inside the lock (a co-leader's edits are kept)."""
        with self.transaction() as db:
            table = db.table("attendance")
            doc = table.get(query().client_id == client_id)
            entry = change(AttendanceEntry.from_dict(doc) if doc else None)
            put_entry(table, entry)
            return entry

    def update_header(self, change: Callable[[SessionHeader], SessionHeader]) -> SessionHeader:
        with self.transaction() as db:
            header = change(SessionHeader.from_dict(db.table("header").all()[0]))
            db.table("header").truncate()
            db.table("header").insert(header.to_dict())
            return header

    def notes(self, tables: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Note]:
        """Each client's progress note in this session, by client id."""
        from facilitator.core.notes import Note
        tables = self.tables() if tables is None else tables
        try:
            return {n.client_id: n for n in map(Note.from_dict, tables.get("notes", []))}
        except (KeyError, ValueError, TypeError) as err:
            raise damaged(self.path, err, "a note's ") from None

    def update_note(self, client_id: str, change: Callable[[Note | None], Note]) -> Note:
        """Read-modify-write one client's note inside the lock."""
        from facilitator.core.notes import Note
        with self.transaction() as db:
            table = db.table("notes")
            doc = table.get(query().client_id == client_id)
            note = change(Note.from_dict(doc) if doc else None)
            put_note(table, note)
            return note

    def put_notes(self, *notes: Note) -> None:
        """Set these clients' notes in one write (the demo's history; imports)."""
        with self.transaction() as db:
            table = db.table("notes")
            for note in notes:
                table.upsert(note.to_dict(), query().client_id == note.client_id)

    def remove_attendance(self, client_id: str) -> None:
        with self.transaction() as db:
            db.table("attendance").remove(query().client_id == client_id)


def put_note(table: Table, note: Note) -> None:
    """The client's note as ``note`` says, whole: a key it no longer has (a return once the
    note is re-signed) goes too, which TinyDB's upsert, a dict update, would keep."""
    new = note.to_dict()

    def whole(doc: MutableMapping[Any, Any]) -> None:
        doc.clear()
        doc.update(new)

    if table.contains(query().client_id == note.client_id):
        table.update(whole, query().client_id == note.client_id)
    else:
        table.insert(new)


def _write_all(db: TinyDB, header: SessionHeader, blocks: tuple[BlockRun, ...]) -> None:
    data_blocks = [b.to_dict() for b in blocks]
    db.table("header").insert(header.to_dict())
    if data_blocks:
        db.table("blocks").insert_multiple(data_blocks)


def months_between(first: date, last: date) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def session_files(records_dir: Path, first: date, last: date) -> list[SessionFile]:
    """Session files whose local date is first..last, found by name (no file is opened)."""
    found = []
    lo, hi = first.isoformat(), last.isoformat()
    for year, month in months_between(first, last):
        folder = Path(records_dir) / f"{year:04d}" / f"{month:02d}"
        if not folder.is_dir() or any(p.is_symlink() for p in (folder, folder.parent, Path(records_dir))):
            continue                     # a symlinked folder is never followed (verify names it)
        for path in folder.glob("*.json"):
            if path.name.startswith(".") or not lo <= path.name[:10] <= hi:
                continue
            found.append(SessionFile(path))   # read with O_NOFOLLOW: a link or FIFO is refused
    return sorted(found, key=lambda f: f.path.name)


def put_entry(table: Any, entry: AttendanceEntry) -> None:
    """Write ``entry`` as its whole document. TinyDB's upsert merges fields into the stored
    document, so a field the entry leaves out when empty (``block_picks``, ``goal_links``)
    would keep its old value: the last word unticked or goal unlinked would stay."""
    new = entry.to_dict()

    def replace(doc: dict) -> None:
        doc.clear()
        doc.update(new)

    if not table.update(replace, query().client_id == entry.client_id):
        table.insert(new)
