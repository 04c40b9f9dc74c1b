"""Disclosures: notes and sign-in sheets that leave the app, each audited with ids only.

Who may export which notes (``notes.export``, core/permissions.py): supervisors and admins
any session's; a counselor only the notes of sessions they facilitated, as for writing and
signing them (store/notes.py). Asked for another's session by id, a counselor is refused
(and the attempt audited); asked for a range, the sessions they did not facilitate are left
out and counted, so the refusal never names a client.

Every disclosure is one audit entry ``disclose.<what>`` whose record names the export
(``notes:<session id>`` or ``notes:<from>..<to>``, ``signin:<group>:<day>``; a laptop's sync
pull, ``device:<id>``) and whose
details list the client ids and session ids disclosed; `facilitator audit --client ID`
lists it (rule 1 of cli/audit.py). Never a name or note text.

Files a disclosure writes (``--out``) are made new: an existing file, a symbolic link, or a
path inside the clinic directory is refused before anything is written or audited.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.note_export import NoteSheet
from facilitator.core.roster import Client
from facilitator.core.rules import Role
from facilitator.store.datadir import DataDir
from facilitator.store.files import DamagedFile

SESSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}-[a-z0-9][a-z0-9-]*$", re.ASCII)
EXPORT_MODE = 0o600     # a disclosure is for the person who made it


@dataclass
class NoteSelection:
    sheets: list[NoteSheet] = field(default_factory=list)
    problems: list[DamagedFile] = field(default_factory=list)
    others_sessions: int = 0      # a counselor's range: sessions facilitated by others, left out

    @property
    def clients(self) -> list[str]:
        return sorted({s.client_id for s in self.sheets})

    @property
    def sessions(self) -> list[str]:
        return sorted({s.note.session_id for s in self.sheets})


def _may_see_all(data: DataDir) -> bool:
    data.require("notes.export")
    return data.me().role is not Role.COUNSELOR


def select_notes(data: DataDir, *, session: str | None = None, first: date | None = None,
                 last: date | None = None, client: str | None = None,
                 signed_only: bool = False) -> NoteSelection:
    """The notes asked for, as the acting staff member may export them."""
    all_sessions = _may_see_all(data)
    snapshot = data.snapshot()
    if client is not None and client not in snapshot.clients:
        raise InputError(f"there is no client with id {client!r}", field="--client")
    selection = NoteSelection()
    if session is not None:
        if not SESSION_ID.match(session):
            raise InputError(f"{session!r} is not a session id (e.g. 2026-11-23-1800-evening-a)",
                             field="--session")
        file = data.session_file(session)
        if not file.path.is_file():
            raise InputError(f"there is no session {session}", field="--session")
        record = data.session_record(file)
        if not all_sessions and data.user not in record.header.facilitators:
            data.record_audit("denied", "notes.export")
            raise PermissionDenied(f"{data.user} did not facilitate session {session}; a counselor "
                                   f"exports only the notes of sessions they facilitated.")
        records = [record]
    else:
        assert first is not None and last is not None
        scan = data.sessions_between(first, last)
        selection.problems.extend(scan.problems)
        records = []
        for record in scan.records:
            if all_sessions or data.user in record.header.facilitators:
                records.append(record)
            else:
                selection.others_sessions += 1
    staff_names = {user: member.display_name for user, member in snapshot.staff.items()}
    for record in sorted(records, key=lambda r: (r.header.start, r.header.session_id)):
        header = record.header
        try:
            notes = data.session_file(header.session_id).notes()
        except DamagedFile as problem:
            selection.problems.append(problem)
            continue
        chosen = [n for n in notes.values()
                  if (client is None or n.client_id == client)
                  and (n.signature_stands or not signed_only)]     # a returned note is not final (#20)
        for note in sorted(chosen, key=lambda n: _client_order(snapshot.clients.get(n.client_id), n.client_id)):
            person = snapshot.clients.get(note.client_id)
            selection.sheets.append(NoteSheet(
                clinic=snapshot.settings.name, client_id=note.client_id,
                client_name=person.name if person else note.client_id, group=header.group,
                day=header.day, start=header.start, end=header.end,
                facilitators=tuple(staff_names.get(u, u) for u in header.facilitators),
                note=note, staff_names=staff_names))
    return selection


def _client_order(client: Client | None, client_id: str) -> tuple[str, str, str]:
    return (client.last_name, client.first_name, client_id) if client else ("", "", client_id)


def check_out_path(data: DataDir, path: Path, *, option: str = "--out") -> Path:
    """Refuse an --out path that is inside the clinic directory or already exists."""
    path = Path(path).expanduser()
    parent = path.parent
    if not parent.is_dir():
        raise InputError(f"{parent} is not a directory; nothing was written", field=option)
    if os.path.lexists(path):
        raise InputError(f"{path} already exists; choose a new file name (nothing was written)",
                         field=option)
    if parent.resolve().is_relative_to(data.root.resolve()):
        raise InputError(f"{path} is inside the clinic directory {data.root}; write it somewhere else",
                         field=option)
    return path


def disclose(data: DataDir, what: str, record: str, *, clients: list[str], sessions: list[str],
             fmt: str, content: bytes, out: Path | None) -> None:
    """Audit a disclosure (ids only), then hand it over: ``content`` into a new file at
    ``out`` (made with O_EXCL|O_NOFOLLOW, so an existing file or a link planted there since
    the check is refused), or nothing here when the caller prints it. A file that cannot be
    written whole is removed."""
    fd = None
    if out is not None:
        out = check_out_path(data, out)
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                         EXPORT_MODE)
        except FileExistsError:
            raise InputError(f"{out} already exists; choose a new file name (nothing was written)",
                             field="--out") from None
        except OSError as err:
            raise InputError(f"{out} cannot be written ({err.strerror}); nothing was written",
                             field="--out") from None
    try:
        data.record_audit(f"disclose.{what}", record, {
            "clients": clients, "sessions": sessions, "format": fmt,
            "to": "file" if out is not None else "stdout"})
        if fd is not None:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
    except BaseException:
        if fd is not None:
            os.close(fd)
            fd = None
            out.unlink(missing_ok=True)  # type: ignore[union-attr]
        raise
    finally:
        if fd is not None:
            os.close(fd)


def disclose_copy(data: DataDir, session_id: str, client_id: str) -> None:
    """A note copied to the clipboard in the app: a disclosure too (client id only)."""
    data.record_audit("disclose.copy", f"notes:{session_id}", {"clients": [client_id],
                                                              "sessions": [session_id]})


def disclose_sync(data: DataDir, device: str, *, clients: list[str], sessions: list[str], months: list[str],
                  files: int) -> None:
    """Files a laptop pulled over sync (``get``, answered as the ssh account): one entry per
    request, ``disclose.sync`` of ``device:<id>``, with the client ids, session ids and hours
    months they hold and how many files went; never a name or a byte of content."""
    data.record_audit("disclose.sync", f"device:{device}", {
        "clients": sorted(set(clients)), "sessions": sorted(set(sessions)), "hours": sorted(set(months)),
        "files": files})


@dataclass
class SigninRoster:
    clinic: str
    group: str
    start: datetime | None
    facilitators: list[str]
    clients: list[Client]
    session_id: str | None


def signin_roster(data: DataDir, group_name: str, day: date) -> SigninRoster:
    """Who signs in to ``group_name`` on ``day``: the clients enrolled that day (the group's
    roster), and the facilitators if a session file of that day already names them. Any
    staff member may print one (the front desk needs it before anyone runs the session);
    a day the group does not meet is refused, so a sheet is never dated wrong."""
    data.require("notes.export")
    snapshot = data.snapshot()
    group = snapshot.groups.get(group_name)
    if group is None:
        known = ", ".join(sorted(snapshot.groups)) or "none yet"
        raise InputError(f"there is no group named {group_name!r} (groups: {known})", field="GROUP")
    tz = snapshot.settings.tz
    meetings = group.meetings(day, day, tz)
    if not meetings:
        raise InputError(f"{group.name} does not meet on {day} (a {day.strftime('%A')}; it meets "
                         f"{group.on(day).day_names}, holidays excepted)", field="--date")
    staff_names = {user: member.display_name for user, member in snapshot.staff.items()}
    facilitators: list[str] = []
    session_id = None
    for record in data.sessions_between(day, day).records:
        if record.header.group == group.name:
            session_id = record.header.session_id
            facilitators = [staff_names.get(u, u) for u in record.header.facilitators]
            break
    return SigninRoster(snapshot.settings.name, group.name, meetings[0], facilitators,
                        snapshot.enrolled(group.name, day), session_id)
