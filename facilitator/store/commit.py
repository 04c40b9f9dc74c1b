"""One change, one fact: a data file's new state and its audit entry commit together.

A write to a data file (``clinic.json``, ``records/YYYY/MM/*.json``, ``hours/YYYY-MM.json``)
happens inside a *binding* (``DataDir.change``), under the file's lock, in this order:

0. the new bytes must pass the strict reader (``store.admission``), or nothing is written:
   so every state the log binds is one ``verify`` would pass, and ``verify`` may take a file
   whose SHA-256 is its last entry's as read;

1. the new bytes go to a temp file beside the target, fsynced;
2. the audit entry is appended, fsynced, carrying the file's path and the SHA-256 of
   those bytes (write-ahead: the log says what the file is about to become);
3. the temp file is renamed over the target.

A failure before 2 changes nothing anywhere (a full disk fails at 1, where nearly all the
bytes are). A kill between 2 and 3 leaves the entry and a whole temp file holding exactly
what it names: ``complete_interrupted`` (run when a clinic opens, and by ``verify``) renames it
into place, so the log and the file agree again. A rename that fails while the process lives
is followed by a ``write.undone`` entry carrying the file's hash as it is. So the last entry
for every file names its bytes, and ``verify`` can check each file against it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facilitator.store.files import (
    TEMP_SUFFIX,
    LockFileRefused,
    StoreBusy,
    atomic_write,
    fsync_dir,
    locked,
    write_temp,
)

BOUND_PATH = re.compile(r"^(clinic\.json|hours/\d{4}-\d{2}\.json|records/\d{4}/\d{2}/[^/.][^/]*\.json"
                        r"|recovery/[^/.][^/]*\.json)$")

# (relative path, sha256 of the new bytes) -> None; raises to refuse the write.
Binder = Callable[[str, str], None]
# (relative path, sha256 of the file as it is now, or None when it is absent)
Undoer = Callable[[str, "str | None"], None]
# (relative path, absolute path, the new bytes, the data orjson dumped as them or None) -> None;
# raises (``DamagedFile``) to refuse the write: the strict reader's admission of every state the
# log will vouch for (``store.admission``).
Checker = Callable[[str, Path, bytes, Any], None]


# (relative path, sha256) -> the audit entry's arguments (``AuditLog.append``), for ``together``
Speller = Callable[[str, str], dict]


@dataclass(frozen=True)
class Binding:
    root: Path
    bind: Binder
    undo: Undoer
    check: Checker
    spell: Speller | None = None       # the entry ``bind`` would append, unwritten
    log: Any = None                    # the AuditLog ``bind`` appends to


_ACTIVE: ContextVar[Binding | None] = ContextVar("facilitator_binding", default=None)


@contextlib.contextmanager
def binding(root: Path, bind: Binder, undo: Undoer, check: Checker, spell: Speller | None = None,
            log: Any = None) -> Iterator[None]:
    """Within this block, every data-file write under ``root`` is first admitted by ``check``
    (the strict reader: a state that fails it is never written, so never bound), then bound
    by ``bind``."""
    token = _ACTIVE.set(Binding(Path(root).absolute(), bind, undo, check, spell, log))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@dataclass
class _Staged:
    binding: Binding
    rel: str
    digest: str
    path: Path
    tmp: str


_TOGETHER: ContextVar[list[_Staged] | None] = ContextVar("facilitator_together", default=None)


def _spelled(item: _Staged) -> dict[str, Any]:
    """The audit entry a staged write's binding spells (``write`` stages only when it can)."""
    assert item.binding.spell is not None
    return item.binding.spell(item.rel, item.digest)


@contextlib.contextmanager
def together() -> Iterator[None]:
    """One commit for every data-file write in this block, across files: all or none.

    Each write is admitted and made whole in its temp file as usual, but not bound or
    renamed; at the end of the block, their audit entries are appended in one write and one
    fsync (``AuditLog.append_many``), then every temp file is renamed into place. Killed
    before that append: no file changed. Killed after it: ``complete_interrupted`` (the next
    open, ``verify``) renames the rest, since each entry is the newest for its file. The
    files' locks must be held for the whole block (``files.holding``), or another writer
    could change a file between its temp and its rename. A block that raises writes nothing.
    Each file may be written once in the block (a second write would read the first's
    original).
    """
    staged: list[_Staged] = []
    token = _TOGETHER.set(staged)
    try:
        yield
    except BaseException:
        _TOGETHER.reset(token)
        for item in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(item.tmp)
        raise
    _TOGETHER.reset(token)
    if not staged:
        return
    logs = {id(item.binding.log) for item in staged}
    assert len(logs) == 1, "a change spanning files goes to one audit log"
    try:
        specs = [_spelled(item) for item in staged]
        staged[0].binding.log.append_many(specs)
    except BaseException:
        for item in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(item.tmp)
        raise
    failed: OSError | None = None
    for item in staged:                # logged: from here on each rename only finishes it
        try:
            os.replace(item.tmp, item.path)
            fsync_dir(item.path.parent)
        except OSError as err:
            now = file_sha256(item.path)
            if now != item.digest:
                with contextlib.suppress(OSError):
                    item.binding.undo(item.rel, now)
                failed = failed or err
    if failed is not None:
        raise failed


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


NOT_REGULAR = "not-a-regular-file"     # matches no entry's sha256: verify names the path


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file's bytes; None if it is missing. A symlink, FIFO or device is
    never followed or read (O_NOFOLLOW|O_NONBLOCK, then fstat): it hashes as ``NOT_REGULAR``."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENXIO):
            return NOT_REGULAR
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return NOT_REGULAR
        return hashlib.file_digest(handle, "sha256").hexdigest()


def bound_relative(root: Path, path: Path) -> str | None:
    """``path`` relative to the clinic ``root`` if it is a data file the audit binds."""
    try:
        rel = Path(path).absolute().relative_to(Path(root).absolute()).as_posix()
    except ValueError:
        return None
    return rel if BOUND_PATH.match(rel) else None


class UnauditedWrite(RuntimeError):
    """A programming error, never a user's: a data file written outside ``DataDir.change``
    (or a file that is not a data file of the clinic that change is open on), or a side file
    the audit deliberately leaves out that ``write_side_file`` does not know. Raised before
    any byte is written, lock file included. Every user action is one store function that
    opens its change (ARCHITECTURE.md, "One change, one fact")."""


def bound_or_refuse(path: Path) -> tuple[Binding, str]:
    """The open binding and ``path`` relative to its clinic, or ``UnauditedWrite``."""
    active = _ACTIVE.get()
    if active is None:
        raise UnauditedWrite(f"{Path(path).name} would be written with no audit entry: no "
                             f"DataDir.change is open; nothing was written")
    rel = bound_relative(active.root, path)
    if rel is None:
        raise UnauditedWrite(f"{Path(path).name} is not a data file of the clinic whose change is "
                             f"open ({active.root}); nothing was written")
    return active, rel


# Files deliberately outside the audit chain, by their path in the clinic, each written by
# ``write_side_file`` only: ``pins.json`` (PIN hashes and wrong-try counts: its changes are audited
# as ``pin.*`` entries, never its bytes), ``witnesses.json`` (heads of the log itself),
# ``locked.json``, ``sync.json`` and ``device.json`` (a laptop's sync state), a plan copied from
# the host (``plans/*.toml``, authored outside the app, as ``verify`` reads it), and a laptop's
# audit month file kept on the host (``audit/devices/<device>/YYYY-MM.jsonl``: a log, not data).
SIDE_PATH = re.compile(r"(?:pins|witnesses|locked|sync|device)\.json|plans/[A-Za-z0-9][A-Za-z0-9._-]*\.toml"
                       r"|audit/devices/[0-9a-f]{16,64}/[0-9]{4}-[0-9]{2}\.jsonl", re.ASCII)


def side_relative(root: Path, path: Path) -> str | None:
    """``path`` relative to the clinic ``root`` if it is one of the files the audit leaves out."""
    try:
        rel = Path(path).absolute().relative_to(Path(root).absolute()).as_posix()
    except ValueError:
        return None
    return rel if SIDE_PATH.fullmatch(rel) else None


def refuse_unless_side(root: Path, path: Path) -> None:
    """``UnauditedWrite`` unless ``path`` is one of the clinic ``root``'s side files (``SIDE_PATH``)."""
    if side_relative(root, path) is None:
        raise UnauditedWrite(f"{Path(path).name} is not a file kept outside the audit log; "
                             f"write it in a DataDir.change; nothing was written")


def write_side_file(root: Path, path: Path, raw: bytes) -> None:
    """Atomically replace one of the clinic ``root``'s files outside the audit chain
    (``SIDE_PATH``); any other path is ``UnauditedWrite`` with nothing written. The caller
    holds the file's lock."""
    refuse_unless_side(root, path)
    atomic_write(path, raw)


def write_data_file(path: Path, raw: bytes, data: Any = None) -> None:
    """Atomically replace a data file, its audit entry appended write-ahead (module docstring).

    Only inside a binding (``DataDir.change``) and only for a data file of its clinic
    (``BOUND_PATH``): anything else is ``UnauditedWrite``, raised before a byte is written.
    ``data``: what ``raw`` is orjson's sorted dump of, if it is (``storage.dump_data_by``).
    """
    active, rel = bound_or_refuse(path)
    active.check(rel, Path(path), raw, data)     # refused (DamagedFile) before anything is written
    digest = sha256_of(raw)
    staged = _TOGETHER.get()
    if staged is not None and active.spell is not None:
        if any(item.rel == rel for item in staged):
            raise RuntimeError(f"{rel} written twice in one change spanning files")
        staged.append(_Staged(active, rel, digest, Path(path), write_temp(path, raw)))
        return
    bound = []

    def before_replace() -> None:
        active.bind(rel, digest)
        bound.append(True)

    try:
        atomic_write(path, raw, before_replace=before_replace)
    except OSError:
        if not bound:
            raise                      # nothing was logged and nothing replaced
        now = file_sha256(path)
        if now == digest:
            return                     # renamed: saved and logged (only the directory fsync failed)
        with contextlib.suppress(OSError):
            active.undo(rel, now)      # on a full disk this may fail too: complete_interrupted tells
        raise


# -- after a crash ---------------------------------------------------------------------------------

def _temp_target(tmp: Path) -> Path:
    return tmp.parent / tmp.name[1:].rsplit(".", 2)[0]


def last_bound_entry(audit_dir: Path, rel: str) -> dict | None:
    """The newest audit entry bound to ``rel`` (reading month files newest first)."""
    try:
        with os.scandir(audit_dir) as found:       # regular files only: a FIFO would hang the read
            names = sorted((e.name for e in found if e.name.endswith(".jsonl")
                            and e.is_file(follow_symlinks=False)), reverse=True)
    except FileNotFoundError:
        return None
    needle = json.dumps(rel, ensure_ascii=False).encode()
    for name in names:
        with open(Path(audit_dir) / name, "rb") as handle:
            lines = handle.read().splitlines()
        for line in reversed(lines):
            if needle not in line:
                continue
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                continue
            if isinstance(entry, dict) and entry.get("file") == rel:
                return entry
    return None


def complete_interrupted(root: Path, audit_dir: Path, temps: Iterable[Path]) -> list[str]:
    """Finish writes killed between their audit entry and their rename; returns their paths.

    A temp file whose bytes are exactly what the newest entry for its target says the
    target holds, while the target holds something else, is the rest of a committed change:
    it is renamed into place under the target's lock. Every other temp file is left for the
    sweep (its write never reached the log, so nothing was changed).
    """
    root = Path(root)
    done = []
    for tmp in temps:
        target = _temp_target(tmp)
        rel = bound_relative(root, target)
        if rel is None:
            continue
        try:
            with locked(target, timeout=0):
                digest = file_sha256(tmp)
                if digest is None or digest == file_sha256(target):
                    continue
                entry = last_bound_entry(audit_dir, rel)
                if entry is not None and entry.get("sha256") == digest:
                    os.replace(tmp, target)
                    fsync_dir(target.parent)
                    done.append(rel)
        except (StoreBusy, LockFileRefused):
            continue                   # its writer is alive (or the lock is not ours: verify says)
    return done


def temp_files(root: Path) -> Iterator[Path]:
    """Every temp file under ``root`` (``verify`` looks everywhere)."""
    yield from Path(root).rglob(f".*{TEMP_SUFFIX}")
