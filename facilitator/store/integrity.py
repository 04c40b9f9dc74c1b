"""What ``verify`` checks between the data files and the audit log (issue 12, points 1-3).

Every write of a data file is bound to an audit entry carrying the file's path and the
SHA-256 of the bytes it produced (``store.commit``). Replaying the log gives, for each
file, the state the log says it is in; the files on disk must be exactly those:

- every data file (``clinic.json``, ``records/YYYY/MM/*.json``, ``hours/YYYY-MM.json``)
  matches the last entry for it (else: edited, or an older copy put back);
- every file the log says exists does exist (else: deleted);
- no data file lacks an entry (else: added by hand, or the log lost its entries).

The chain's own integrity (each line's hash and link) is ``AuditLog.verify``; a log cut
short or rewritten from some point on is caught against a witnessed head
(``check_witnesses``, ``facilitator verify --head``).
"""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core.errors import StoreProblem
from facilitator.store.audit import AuditLog, Head, check_against_witness, record_witness, witnesses
from facilitator.store.commit import BOUND_PATH, file_sha256
from facilitator.store.files import DamagedFile

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir


def bound_files(root: Path, known: dict[str, Path] | None = None) -> dict[str, Path]:
    """Every data file the audit binds, by its path in the clinic (whatever kind of file it is:
    a FIFO in place of a record is named as differing from its entry). ``known``: ``Path``s
    already made, by their string (a ``Path`` per file was most of this walk's time)."""
    root = Path(root)
    found: dict[str, Path] = {}
    if (root / "clinic.json").is_file():
        found["clinic.json"] = root / "clinic.json"
    known = known or {}
    prefix = len(str(root)) + 1
    for sub, depth in (("hours", 0), ("records", 2), ("recovery", 0)):
        stack = [(str(root / sub), 0)]
        while stack:
            folder, level = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if level < depth and entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, level + 1))
                elif level == depth and entry.name.endswith(".json"):
                    rel = entry.path[prefix:]
                    if BOUND_PATH.match(rel):
                        found[rel] = known.get(entry.path) or Path(entry.path)
    return found


def _said(entry: dict[str, Any]) -> str:
    return f"entry #{entry.get('seq')}, {entry.get('action')} by {entry.get('user')} at {entry.get('at')}"


class Replay:
    """The log replayed: the last entry for each file (and, asked for, the states each file
    had before: ``earlier``, found by reading the log again, as only a file that differs from
    its last entry needs them)."""

    def __init__(self, log: AuditLog | None = None) -> None:
        self.last: dict[str, dict[str, Any]] = {}
        self.bound_any = False
        self.log = log
        self._earlier: dict[str, dict[str, dict[str, Any]]] | None = None

    def visit(self, entry: dict[str, Any]) -> None:
        rel = entry.get("file")
        if not isinstance(rel, str):
            return
        self.bound_any = True
        self.last[rel] = entry

    @property
    def earlier(self) -> dict[str, dict[str, dict[str, Any]]]:
        """file -> {sha256: the last entry that left the file in that state}, for every state
        but its last."""
        if self._earlier is None:
            self._earlier = {}
            current: dict[str, dict[str, Any]] = {}
            for _path, _number, entry in (self.log.entries() if self.log is not None else ()):
                rel = entry.get("file") if isinstance(entry, dict) else None
                if not isinstance(entry, dict) or not isinstance(rel, str):
                    continue
                previous = current.get(rel)
                if previous is not None and isinstance(previous.get("sha256"), str):
                    self._earlier.setdefault(rel, {})[previous["sha256"]] = previous
                current[rel] = entry
        return self._earlier

    @classmethod
    def of(cls, log: AuditLog) -> Replay:
        replay = cls(log)
        for _path, _number, entry in log.entries():
            if isinstance(entry, dict):
                replay.visit(entry)
        return replay

    @classmethod
    def of_run(cls, log: AuditLog, last: dict[str, dict[str, Any]], bound_any: bool) -> Replay:
        """The replay ``store.chain``'s pass made of ``log``."""
        replay = cls(log)
        replay.last, replay.bound_any = last, bound_any
        return replay


def vouched_records(data: DataDir, replay: Replay) -> dict[str, str]:
    """The session files ``verify`` need not parse again: path in the clinic -> the SHA-256 their
    last entry binds, for entries saying the strict reader passed those bytes before they were
    written (``strict``, ``store.admission``). None while ``clinic.json`` is not what its own
    last entry says: a record's client and staff ids were checked against the clinic file of
    its day, and only the log's states of that file are known never to drop one."""
    from facilitator.store.admission import STRICT_VERSION
    clinic = replay.last.get("clinic.json")
    if clinic is None or file_sha256(data.root / "clinic.json") != clinic.get("sha256"):
        return {}
    vouched = {}
    for rel, entry in replay.last.items():
        strict, digest = entry.get("strict"), entry.get("sha256")
        if (type(strict) is int and strict >= STRICT_VERSION and type(digest) is str
                and rel.startswith("records/")):
            vouched[rel] = digest
    return vouched


def verify_bindings(data: DataDir, skip: set[Path] | frozenset[Path] = frozenset(),
                    replay: Replay | None = None, digests: dict[Path, str] | None = None,
                    files: dict[str, Path] | None = None) -> list[str]:
    """Each difference between the data files and the log's replay, one sentence each.
    ``digests``: files already hashed (from the bytes ``verify`` parsed), not read again;
    ``files``: ``bound_files``, if already found."""
    root = data.root
    replay = replay or Replay.of(data.audit)
    last, bound_any = replay.last, replay.bound_any
    files = bound_files(root) if files is None else files
    problems: list[str] = []
    if not bound_any and files:
        return [f"the audit log of {root} records no file's content: either its entries were "
                f"deleted, or the clinic's data is older than the log's record of file contents (then an admin runs "
                f"`facilitator audit baseline` once); {len(files)} data file(s) are unaccounted for."]
    for rel, path in sorted(files.items()):
        if path in skip:
            continue
        entry = last.get(rel)
        if entry is None:
            problems.append(f"{path} has no audit entry: the log never recorded writing it (it was "
                            f"put there by hand, the log lost the entries about it, or it was written "
                            f"before the log recorded file contents: then an admin vouches for it with "
                            f"`facilitator audit baseline`).")
            continue
        expected = entry.get("sha256")
        digest = (digests or {}).get(path) or file_sha256(path)
        if expected is None:
            problems.append(f"{path} exists, but the audit log says it was removed ({_said(entry)}).")
        elif digest != expected:
            older = replay.earlier.get(rel, {}).get(digest or "")
            if older is not None:
                problems.append(f"{path} is an older version of itself: it matches {_said(older)}, "
                                f"but {_said(entry)} changed it since (an old copy was put back).")
            else:
                problems.append(f"{path} is not what the audit log last recorded for it ({_said(entry)}): "
                                f"its content was changed outside facilitator (SHA-256 "
                                f"{(digest or '')[:16]}…, the log says {str(expected)[:16]}…).")
    for rel, entry in sorted(last.items()):
        if rel not in files and entry.get("sha256") is not None:
            problems.append(f"{root / rel} is missing: the audit log says it exists ({_said(entry)}).")
    return problems


def check_witnesses(data: DataDir) -> list[str]:
    """Each chain kept here that no longer extends the head witnessed for it."""
    problems: list[str] = []
    try:
        kept = witnesses(data.root)
    except DamagedFile as err:
        return [str(err)]
    for chain, doc in sorted(kept.items()):
        if chain == "self":
            log = data.audit
        elif chain.startswith("device:"):
            log = AuditLog(data.audit.directory / "devices" / chain.removeprefix("device:"))
        else:
            continue                   # another machine's chain: checked at the next sync
        try:
            head = Head.from_dict(doc)
        except ValueError:
            problems.append(f"{data.root / 'witnesses.json'}: the head kept for {chain} is unreadable.")
            continue
        problem = check_against_witness(log, head)
        if problem:
            who = doc.get("by", "another machine")
            problems.append(f"{problem[0].upper()}{problem[1:]} (witnessed by {who} at {doc.get('at')})"
                            if chain == "self" else f"audit log of {chain}: {problem}")
    return problems


def check_head(data: DataDir, text: str) -> list[str]:
    """``verify --head``: the chain must still hold the head a person wrote down."""
    head = Head.parse(text)
    problem = check_against_witness(data.audit, head)
    return [problem] if problem else []


def head_line(data: DataDir) -> str:
    head = data.audit.head()
    return head.short() if head else "the audit log is empty"


def baseline(data: DataDir) -> int:
    """Record the current state of every data file the log has never bound (a clinic, or the
    files of one, from before content binding): one ``baseline`` entry each, in the acting
    admin's name, so the log shows who vouched for which file and when. Returns how many.
    Admins only (``audit.baseline``; a refusal is audited), checked before anything is read."""
    from facilitator.core.errors import InputError
    from facilitator.store.files import locked
    data.require("audit.baseline")
    accounted = set(Replay.of(data.audit).last)
    todo = {rel: path for rel, path in bound_files(data.root).items() if rel not in accounted}
    if not todo:
        raise InputError("every data file already has an audit entry; nothing was written")
    count = 0
    for rel, path in sorted(todo.items()):
        with locked(path):
            data.audit.append(at=data.now(), user=data.user, action="baseline", record=rel,
                              detail={}, file=rel, sha256=file_sha256(path))
        count += 1
    return count


def verify_integrity(data: DataDir, skip: set[Path] | frozenset[Path] = frozenset(),
                     replay: Replay | None = None, digests: dict[Path, str] | None = None,
                     files: dict[str, Path] | None = None) -> list[str]:
    """The files against the log's replay, and the chains against their witnessed heads
    (files in ``skip`` were already named as damaged; ``replay`` made while checking the chain;
    ``digests`` the files already hashed; ``files`` the bound files already found)."""
    return verify_bindings(data, skip, replay, digests, files) + check_witnesses(data)


# -- sync: each side keeps the other's head ---------------------------------------------------------
class WitnessBroken(StoreProblem):
    """The host's log no longer holds a head a laptop witnessed (or the head is not one): the sync
    is refused with this one sentence."""


# The laptop sends the host's head it kept from the last sync; the host refuses the sync if its
# own log no longer holds it, then answers with its head now, which the laptop keeps. The host
# keeps its own head as this laptop saw it ("self", so its own verify notices a cut even before
# the next sync), and each laptop's pushed chain head ("device:ID", checked against the copy).

def host_answers_heads(root: Path, audit: AuditLog, laptop: str, witnessed: Any) -> dict[str, Any] | None:
    """On the host, for a laptop's ``list``: check the head it kept, keep ours as it saw it."""
    from datetime import datetime

    if witnessed is not None:
        try:
            head = Head.from_dict(witnessed)
        except ValueError:
            raise WitnessBroken("the laptop sent a chain head that is not one") from None
        problem = check_against_witness(audit, head)
        if problem:
            said = problem.replace("the audit log", "audit log", 1)
            raise WitnessBroken(f"the clinic host's {said} This laptop witnessed that head at its last "
                              f"sync; tell the clinic's compliance officer before syncing again")
    now = audit.head()
    if now is None:
        return None
    record_witness(root, "self", now, by=f"laptop {laptop}", at=datetime.now(UTC))
    return now.to_dict()


def host_keeps_device_head(root: Path, device_dir: Path, laptop: str) -> None:
    """On the host, after a laptop pushed its chain: keep that chain's head."""
    from datetime import datetime
    head = AuditLog(device_dir).head()
    if head is not None:
        record_witness(root, f"device:{laptop}", head, by="this host", at=datetime.now(UTC))


def laptop_kept_head(root: Path, host_device: str) -> dict[str, Any] | None:
    """On the laptop: the host's head kept at the last sync (sent with ``list``)."""
    doc = witnesses(root).get(f"host:{host_device}")
    return {k: doc[k] for k in ("month", "seq", "hash")} if isinstance(doc, dict) else None


def laptop_keeps_host_head(root: Path, host_device: str, head: Any) -> None:
    from datetime import datetime
    if head is None:
        return
    record_witness(root, f"host:{host_device}", Head.from_dict(head), by="this laptop",
                   at=datetime.now(UTC))


def settle_backup(data: DataDir, dest: Path, copy: Any) -> None:
    """Make a backup's files agree with its copy of the log (``backup`` calls this last).

    ``backup`` copies each data file under its lock, then the log. A file written between its
    own copy and the log's has an entry the backup's log holds and bytes it does not: copy such
    files again (under their locks), then the log again, until both agree. The clinic file is
    left out: ``backup`` holds its lock throughout. ``copy(source, target)`` copies one file.
    """
    from facilitator.store.files import locked
    for _ in range(20):
        replay = Replay.of(AuditLog(Path(dest) / "audit"))
        copied = bound_files(dest)
        behind = sorted(rel for rel, entry in replay.last.items()
                        if rel != "clinic.json" and entry.get("sha256") is not None
                        and (rel not in copied or file_sha256(copied[rel]) != entry.get("sha256")))
        if not behind:
            return
        for rel in behind:
            source = data.root / rel
            with locked(source):
                if source.exists():
                    copy(source, Path(dest) / rel)
        with locked(data.audit.directory / "log"):
            for name in data.audit._names():
                copy(data.audit.directory / name, Path(dest) / "audit" / name)
