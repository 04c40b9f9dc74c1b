"""The clinic data directory: the one object the CLI and the app talk to.

::

    DIR/clinic.json                 settings, staff, clients, groups, other hours
    DIR/records/YYYY/MM/<id>.json   one per session held
    DIR/plans/<plan id>.toml        the clinic's own session plans
    DIR/audit/YYYY-MM.jsonl         the hash-chained audit log
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core.clinic import ClinicSettings, Staff
from facilitator.core.errors import FacilitatorError, InputError, PermissionDenied, Refusal
from facilitator.core.permissions import require
from facilitator.core.roster import Client, Closure, Group
from facilitator.core.rules import Role
from facilitator.core.session import (
    AttendanceEntry,
    BlockRun,
    SessionHeader,
    SessionRecord,
    SessionState,
    Source,
    session_id_for,
)
from facilitator.store.files import (
    NOT_SAVED_ERRNOS,
    DamagedFile,
    NotSaved,
    _recent_temp_files,
    audit_month_names,
    claim_top_dir,
    holding,
    last_line_torn,
    make_dirs,
    read_regular,
    sweep_temp_files,
)
from facilitator.store.identity import Clock, system_clock
from facilitator.store.records import KIND as RECORD_KIND
from facilitator.store.records import SessionFile, record_path, session_files
from facilitator.store.storage import DataFile, generation_of, parse_file_bytes, query, read_bytes, tables_of
from facilitator.store.strict import check_record_refs, damaged

if TYPE_CHECKING:
    from facilitator.core.imports import AttendanceRow  # csv parsing: only imports need it
    from facilitator.store.audit import AuditLog

CLINIC_KIND = "clinic"
# Opening a clinic sweeps temp files in this many newest month folders of records/.
SWEEP_RECORD_MONTHS = 2
# Parsed session records kept (``DataDir.session_record``); past this, a scan keeps only its own.
RECORD_CACHE_FILES = 1000


class NotAClinic(Refusal):
    def __init__(self, root: Path) -> None:
        super().__init__(f"{root} is not a facilitator clinic (it has no clinic.json); "
                         f"create one with `facilitator init --clinic NAME --timezone TZ --data {root}`.")


class NotStaff(Refusal):
    def __init__(self, user: str, clinic: str, *, deactivated: bool = False) -> None:
        if deactivated:
            super().__init__(f"The account {user!r} was deactivated in {clinic}; an admin can "
                             f"reactivate it (facilitator staff reactivate {user}).")
        else:
            super().__init__(f"The account {user!r} is not a staff member of {clinic}; "
                             f"ask a clinic admin to add it (facilitator staff add {user}).")
        self.user, self.deactivated = user, deactivated


class ClinicLocked(NotStaff):
    """A laptop's clinic whose last sync the host refused: the account is deactivated there."""

    def __init__(self, root: Path, account: str) -> None:
        Exception.__init__(self, f"This clinic copy in {root} is locked: the clinic host refused its "
                                 f"last sync because the account {account!r} is deactivated there; it "
                                 f"opens again once an admin reactivates the account and this laptop "
                                 f"syncs (facilitator sync), or when this data directory is removed.")
        self.user, self.deactivated = account, True


@contextmanager
def reported_as_not_saved(change: Change) -> Iterator[None]:
    """The operating system's refusal of a write in ``change`` (a full or read-only disk, a
    permission) raised as ``NotSaved`` naming the file, so every caller catches the one root."""
    try:
        yield
    except OSError as err:
        if isinstance(err, FacilitatorError) or err.errno not in NOT_SAVED_ERRNOS:
            raise
        raise NotSaved(change.writing or err.filename or "a data file", err) from err


# A laptop's lock (``DIR/locked.json``): written by sync when the host refuses a deactivated
# account, removed by the next sync the host accepts. Sync metadata, like sync.json: not data.
LOCK_FILE = "locked.json"


def locked_by(root: Path) -> str | None:
    """The account whose deactivation locked this laptop's clinic, or None when it is not locked."""
    import json
    path = Path(root) / LOCK_FILE
    try:
        raw = read_regular(path, limit=1 << 16)[:4096]      # a FIFO there is never waited on
    except FileNotFoundError:
        return None
    except OSError:
        return "(unknown)"                       # present but unreadable: still locked
    try:
        account = json.loads(raw).get("account")
    except (ValueError, AttributeError):
        account = None
    return str(account) if isinstance(account, str) and account.isprintable() else "(unknown)"


@dataclass(frozen=True)
class ClinicSnapshot:
    """The clinic file as read at one moment."""

    settings: ClinicSettings
    staff: dict[str, Staff]
    clients: dict[str, Client]
    groups: dict[str, Group]
    generation: int = 0
    closures: tuple[Closure, ...] = ()      # closures added after a group existed (with reasons)

    def copy(self) -> ClinicSnapshot:
        """The same snapshot with its own dicts (the entries are immutable)."""
        return ClinicSnapshot(self.settings, dict(self.staff), dict(self.clients), dict(self.groups),
                              self.generation, self.closures)

    def enrolled(self, group: str, day: date) -> list[Client]:
        return sorted((c for c in self.clients.values() if group in c.groups and c.enrolled_on(day)),
                      key=lambda c: (c.last_name, c.first_name))


@dataclass
class Change:
    """One audited change in progress (``DataDir.change``); its fields may be filled in inside."""

    action: str
    record: str | None
    detail: dict[str, Any]
    always: bool = True
    entries: list[dict[str, Any]] = field(default_factory=list)
    writing: str | None = None         # the data file (relative path) being written, for NotSaved

    def cancel(self) -> None:
        """Nothing changed after all: no entry unless a file was written."""
        self.always = False


@dataclass
class SessionScan:
    """What a scan of session files found: the records read, and the files that could not be."""

    records: list[SessionRecord] = field(default_factory=list)
    problems: list[DamagedFile] = field(default_factory=list)


def snapshot_of(path: Path, raw: bytes) -> ClinicSnapshot:
    """Parse clinic.json's bytes strictly (every field of every settings, staff, client and
    group document); ``DamagedFile`` naming ``path`` otherwise."""
    data = parse_file_bytes(path, raw, CLINIC_KIND)
    tables = tables_of(data)
    settings_docs = tables.get("settings", [])
    if len(settings_docs) != 1:
        raise DamagedFile(path, "it has no clinic settings")
    try:
        snapshot = ClinicSnapshot(
            settings=ClinicSettings.from_dict(settings_docs[0]),
            staff={s["user"]: Staff.from_dict(s) for s in tables.get("staff", [])},
            clients={c["client_id"]: Client.from_dict(c) for c in tables.get("clients", [])},
            groups={g["name"]: Group.from_dict(g) for g in tables.get("groups", [])},
            generation=generation_of(data),
            closures=tuple(Closure.from_dict(c) for c in tables.get("closures", [])),
        )
    except (KeyError, ValueError, TypeError, InputError) as err:
        raise damaged(path, err) from None
    for client in snapshot.clients.values():
        if client.level_of_care not in snapshot.settings.levels_of_care:
            raise DamagedFile(path, f"client {client.client_id} has a level of care the clinic does not define")
        if any(group not in snapshot.groups for group in client.groups):
            raise DamagedFile(path, f"client {client.client_id} is in a group the clinic does not have")
    if any(c.group is not None and c.group not in snapshot.groups for c in snapshot.closures):
        raise DamagedFile(path, "a closure names a group the clinic does not have")
    if shared := _key_on_two(snapshot.staff):
        raise DamagedFile(path, f"one SSH key is listed for two staff members ({shared[0]} and {shared[1]})")
    return snapshot


def _key_on_two(staff: dict[str, Staff]) -> tuple[str, str] | None:
    """Two staff members listing one key (one key belongs to one staff member: issue #21)."""
    owner: dict[str, str] = {}
    for member in staff.values():
        for key in member.keys:
            if owner.setdefault(key, member.user) != member.user:
                return owner[key], member.user
    return None


BlocksFor = Callable[[str | None], tuple[BlockRun, ...]]


def _no_blocks(plan_id: str | None) -> tuple[BlockRun, ...]:
    return ()


class DataDir:
    def __init__(self, root: Path, *, user: str, clock: Clock = system_clock,
                 blocks_for: BlocksFor = _no_blocks) -> None:
        self.root = Path(root)
        self.user = user
        self.clock = clock
        self.blocks_for = blocks_for
        self.clinic_file = DataFile(self.root / "clinic.json", CLINIC_KIND)
        self.records_dir = self.root / "records"
        self.plans_dir = self.root / "plans"
        self._audit: AuditLog | None = None
        self._snapshot_cache: tuple[bytes, ClinicSnapshot] | None = None
        # session file -> (its bytes, the record parsed from them): see ``session_record``.
        self._record_cache: dict[Path, tuple[bytes, SessionRecord]] = {}

    @property
    def audit(self) -> AuditLog:
        """The audit log; its module (and the commit protocol's) loads with the first
        write, not at start (an opened clinic that is only read never needs them)."""
        if self._audit is None:
            from facilitator.store.audit import AuditLog
            self._audit = AuditLog(self.root / "audit")
        return self._audit

    # -- opening -------------------------------------------------------------------
    @classmethod
    def init(cls, root: Path, settings: ClinicSettings, *, user: str, display_name: str,
             clock: Clock = system_clock, **kwargs: Any) -> DataDir:
        """Create a clinic in a new or empty ``root``: the folder is made (or set) 0700, the
        account's alone (``store.ownership``)."""
        root = Path(root)
        if (root / "clinic.json").exists():
            raise InputError(f"{root} already holds a clinic; nothing was changed", field="--data")
        if root.exists() and any(p for p in root.iterdir() if not p.name.startswith(".")):
            raise InputError(f"{root} is not empty; choose an empty or new directory", field="--data")
        claim_top_dir(root, field="--data")
        for sub in ("records", "plans", "audit"):
            make_dirs(root / sub)
        data = cls(root, user=user, clock=clock, **kwargs)
        with data.change("clinic.init", "clinic", {"admin": user}), \
                data.clinic_file.transaction(create=True) as db:
            db.table("settings").insert(settings.to_dict())
            db.table("staff").insert(Staff(user, display_name, Role.ADMIN).to_dict())
        return data

    @classmethod
    def open(cls, root: Path, *, user: str, clock: Clock = system_clock, **kwargs: Any) -> DataDir:
        root = Path(root)
        from facilitator.store.ownership import refuse_unusable
        refuse_unusable(root)
        if not (root / "clinic.json").exists():
            raise NotAClinic(root)
        account = locked_by(root)
        if account is not None:
            raise ClinicLocked(root, account)
        data = cls(root, user=user, clock=clock, **kwargs)
        snapshot = data.snapshot()
        member = snapshot.staff.get(user)
        if member is None or not member.active:
            raise NotStaff(user, snapshot.settings.name, deactivated=member is not None)
        data.finish_interrupted(record_months=SWEEP_RECORD_MONTHS)
        sweep_temp_files(root, record_months=SWEEP_RECORD_MONTHS)
        return data

    def finish_interrupted(self, record_months: int | None = None) -> list[str]:
        """Complete writes a kill cut between their audit entry and their rename (``store.commit``),
        and cut an audit line torn by a killed append. Returns the files completed."""
        if record_months is None:
            from facilitator.store.commit import temp_files
            temps = list(temp_files(self.root))
        else:
            temps = list(_recent_temp_files(self.root, record_months))
        months = audit_month_names(self.root / "audit")
        if not temps and not (months and last_line_torn(self.root / "audit" / months[-1])):
            return []           # nothing was cut short: the usual open, with no lock taken
        from facilitator.store.commit import complete_interrupted
        self.audit.drop_torn_tail()
        return complete_interrupted(self.root, self.audit.directory, temps)

    # -- reading -------------------------------------------------------------------
    def snapshot(self) -> ClinicSnapshot:
        """The clinic file as it is now: read every time, parsed only when its bytes changed.

        Every write (a role check, the clock's time zone) asks for this; parsing the file
        and building every client cost most of a write's time (benchmark figure 2), so the
        last parse is kept with the bytes it came from. Comparing bytes, not ``stat``, is
        exact whatever the timestamp resolution.
        """
        path = self.clinic_file.path
        raw = read_bytes(path)
        cached = self._snapshot_cache
        if cached is not None and cached[0] == raw:
            return cached[1].copy()
        snapshot = snapshot_of(path, raw)
        self._snapshot_cache = (raw, snapshot)   # one assignment: safe for reader threads
        return snapshot.copy()

    def settings(self) -> ClinicSettings:
        return self.snapshot().settings

    def now(self) -> datetime:
        return self.clock().astimezone(self.settings().tz)

    def me(self) -> Staff:
        snapshot = self.snapshot()
        member = snapshot.staff.get(self.user)
        if member is None or not member.active:
            raise NotStaff(self.user, snapshot.settings.name, deactivated=member is not None)
        return member

    def require(self, action: str) -> None:
        """Refuse (and audit the attempt) unless the acting staff member's role allows it."""
        try:
            require(self.me().role, action, user=self.user)
        except PermissionDenied:
            self.record_audit("denied", action)
            raise

    def sessions_between(self, first: date, last: date) -> SessionScan:
        """Session records dated first..last; a file the strict reader refuses (a bad field,
        a client id not in clinic.json) is left out and named in ``problems``."""
        scan = SessionScan()
        snapshot = self.snapshot()
        files = session_files(self.records_dir, first, last)
        for file in files:
            try:
                record = self.session_record(file)
                check_record_refs(file.path, record, snapshot)
            except DamagedFile as problem:
                scan.problems.append(problem)
                continue
            scan.records.append(record)
        cache = self._record_cache
        if len(cache) > RECORD_CACHE_FILES:     # keep what this scan read (a view's span)
            wanted = {f.path for f in files}
            self._record_cache = {p: v for p, v in cache.items() if p in wanted}
        return scan

    def session_record(self, file: SessionFile) -> SessionRecord:
        """The file's record, read every time, parsed only when its bytes changed.

        A weekly view re-reads its week whenever any file of it changes (benchmark figure
        6: every counselor's key press made every open weekly view parse the whole week):
        the last parse of each file is kept with the bytes it came from, so a re-read
        parses only the files written since. Bytes, not ``stat``, decide, as for
        ``snapshot``: exact even when a rewrite keeps the size and the timestamp tick.
        A file that cannot be read raises as ``SessionFile.read`` does, and is not kept.
        """
        raw = read_bytes(file.path)
        cached = self._record_cache.get(file.path)
        if cached is not None and cached[0] == raw:
            record = cached[1]
        else:
            record = file.read(tables_of(parse_file_bytes(file.path, raw, RECORD_KIND)))
            self._record_cache[file.path] = (raw, record)
        # The record is frozen but for its attendance dict: each caller gets its own.
        return replace(record, attendance=dict(record.attendance))

    def session_file(self, session_id: str) -> SessionFile:
        return SessionFile(record_path(self.records_dir, session_id))

    # -- writing -------------------------------------------------------------------
    def record_audit(self, action: str, record: str, detail: dict[str, Any] | None = None) -> None:
        self.audit.append(at=self.now(), user=self.user, action=action, record=record, detail=detail)

    def _audit_time(self) -> datetime:
        try:
            return self.now()
        except (FileNotFoundError, DamagedFile):   # the clinic file is being made (init)
            return self.clock()

    @contextmanager
    def change(self, action: str, record: str | None = None, detail: dict[str, Any] | None = None,
               *, always: bool = True) -> Iterator[Change]:
        """Audit the data-file writes inside this block, write-ahead (``store.commit``), each
        refused unless the strict reader passes the bytes it would write (``store.admission``).

        Each file written gets its own entry (``action``, ``record`` or else the file's path,
        ``detail``) carrying the file's path and new SHA-256, appended before the file is
        replaced. With ``always`` a block that wrote no file still leaves one plain entry;
        nothing is logged when the block raises before writing.
        """
        # The write path loads with the first write, not at start (figure 1).
        from facilitator.store.admission import STRICT_VERSION, admit
        from facilitator.store.commit import binding
        change = Change(action, record, dict(detail or {}), always)

        def spell(rel: str, digest: str) -> dict[str, Any]:
            return dict(at=self._audit_time(), user=self.user, action=change.action,
                        record=change.record or rel, detail=change.detail, file=rel, sha256=digest,
                        strict=STRICT_VERSION)  # ``admit`` passed these bytes before they were written

        def bind(rel: str, digest: str) -> None:
            change.entries.append(self.audit.append(**spell(rel, digest)))

        def check(rel: str, path: Path, raw: bytes, dumped: Any) -> None:
            change.writing = rel
            admit(self, rel, path, raw, snapshot_of, dumped)

        def undo(rel: str, digest: str | None) -> None:
            of = change.entries[-1]["seq"] if change.entries else None
            self.audit.append(at=self._audit_time(), user=self.user, action="write.undone",
                              record=change.record or rel, detail={"of": of}, file=rel, sha256=digest)

        with reported_as_not_saved(change):
            with binding(self.root, bind, undo, check, spell, self.audit):
                yield change
            if change.always and not change.entries:
                self.record_audit(change.action, change.record or "", change.detail)

    def add_group(self, group: Group) -> None:
        self.require("group.change")
        with self.change("group.add", f"group:{group.name}"), self.clinic_file.transaction() as db:
            if db.table("groups").contains(query().name == group.name):
                raise InputError(f"there is already a group named {group.name!r}", field="NAME")
            # A clinic-wide closure already added closes a new group that day too.
            closed = {Closure.from_dict(c).day for c in db.table("closures").all() if c.get("group") is None}
            if closed - set(group.holidays):
                group = replace(group, holidays=tuple(sorted(set(group.holidays) | closed)))
            db.table("groups").insert(group.to_dict())

    def import_roster(self, clients: Iterable[Client]) -> tuple[int, int]:
        """Add or update clients by id, all in one atomic write. Returns (added, updated)."""
        self.require("roster.change")
        # Linear in the roster (50,000 rows in seconds): one look at the stored ids, one
        # update of every known client and one insert of the new ones. TinyDB rewrites the
        # whole table on each call, so a call per row was quadratic (4,000 rows: minutes).
        rows = {client.client_id: client.to_dict() for client in clients}   # ids are unique (parse_roster)
        with self.change("roster.import", "clients") as change, self.clinic_file.transaction() as db:
            table = db.table("clients")
            stored = {doc["client_id"]: doc.doc_id for doc in table.all()}
            known = {cid: row for cid, row in rows.items() if cid in stored}
            if known:
                table.update(lambda doc: doc.update(known[doc["client_id"]]),
                             doc_ids=[stored[cid] for cid in known])
            table.insert_multiple([row for cid, row in rows.items() if cid not in stored])
            added, updated = len(rows) - len(known), len(known)
            change.detail.update(added=added, updated=updated)
        return added, updated

    def start_of(self, group: Group, day: date) -> datetime:
        return datetime.combine(day, group.on(day).start, self.settings().tz)

    def import_attendance(self, rows: Iterable[AttendanceRow]) -> tuple[int, int]:
        """Write imported attendance into session records, creating those needed.

        Rows were validated as a whole before this is called, so a bad file writes
        nothing. Returns (sessions touched, attendance entries written).
        """
        self.require("attendance.change")
        snapshot = self.snapshot()
        by_session: dict[tuple[date, str], list[AttendanceRow]] = {}
        for row in rows:
            by_session.setdefault((row.day, row.group), []).append(row)
        # One commit for the whole import, all sessions or none, even under a kill
        # (store.commit.together): each session's file its own audit entry, all appended at once.
        from facilitator.store.commit import together
        tz = snapshot.settings.tz
        paths = [self.session_file(session_id_for(name, datetime.combine(day, snapshot.groups[name].start, tz))).path
                 for day, name in by_session]
        for path in paths:
            make_dirs(path.parent)
        with holding(paths), together():
            self._import_sessions(by_session, snapshot, [])
        return len(by_session), sum(len(session_rows) for session_rows in by_session.values())

    def _import_sessions(self, by_session: dict[tuple[date, str], list[AttendanceRow]],
                         snapshot: ClinicSnapshot, saved: list[str]) -> None:
        tz = snapshot.settings.tz
        now = self.now()      # stamped like a key press: sync orders changes by it (issue #20)
        for (day, group_name), session_rows in sorted(by_session.items()):
            group = snapshot.groups[group_name].on(day)      # the schedule in force that day
            start = datetime.combine(day, group.start, tz)
            file = self.session_file(session_id_for(group_name, start))
            entries = [AttendanceEntry(client_id=r.client_id, status=r.status,
                                       arrived=_local(day, r.arrived, tz), left=_local(day, r.left, tz),
                                       updated_at=now)
                       for r in session_rows]
            # One write per session (one file state, one entry), the new file included.
            with self.change("attendance.import", file.session_id, {"entries": len(session_rows)}, always=False):
                if not file.exists():
                    header = SessionHeader(
                        session_id=file.session_id, group=group_name, day=day,
                        scheduled_start=start, scheduled_end=group.end_of(start), plan_id=group.plan,
                        facilitators=(self.user,), actual_start=start, actual_end=group.end_of(start),
                        state=SessionState.ENDED, source=Source.IMPORT)
                    file.create(header, self.blocks_for(group.plan), attendance=entries)
                else:
                    file.put_attendance(*entries)
            saved.append(file.session_id)


def _local(day: date, when: time | None, tz: Any) -> datetime | None:
    return datetime.combine(day, when, tz) if when else None



