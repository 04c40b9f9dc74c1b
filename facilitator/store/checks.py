"""``verify``'s file checks: what is in the data directory, and does each file read strictly.

The walk never follows a symlink and never opens anything but a regular file: a FIFO, a
device, a socket or a symlink anywhere in the clinic is reported by name (and skipped by
every reader and by ``backup``). Each data file is then read with the very code the
commands use (``SessionFile.read``, ``DataDir.snapshot``, ``otherhours.between``,
``load_plan_file``), plus the checks that need the rest of the clinic (``strict``), so a
file ``verify`` passes is a file every report can read.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core import fields
from facilitator.core.errors import InputError
from facilitator.store.files import DamagedFile, NotRegularFile, TooLarge, file_type, read_regular
from facilitator.store.storage import parse_file_bytes, read_bytes, read_file, tables_of

if TYPE_CHECKING:
    from facilitator.store.datadir import ClinicSnapshot, DataDir

# The largest audit month file read (a busy clinic writes about 1 MB a month).
MAX_AUDIT_FILE_BYTES = 256 * 2**20
# The longest audit line (an entry is who, when, what, which record and a few counts).
MAX_AUDIT_LINE = 64 * 1024


def walk(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under ``root`` (not ``root`` itself) with its ``lstat``, sorted by path;
    directories are entered only if they are real directories (a symlink is never followed)."""
    for path, info in walk_names(str(root)):
        yield Path(path), info


def walk_names(root: str) -> Iterator[tuple[str, os.stat_result]]:
    """``walk`` with paths as strings (making a ``Path`` per file was most of a walk's time)."""
    if os.path.islink(root):             # e.g. records/ itself: named by special_files
        return
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        yield entry.path, info
        if stat.S_ISDIR(info.st_mode):
            yield from walk_names(entry.path)


def regular_files(root: Path) -> Iterator[Path]:
    """Every regular data file under ``root``: no lock, temp or other dot-file, no special
    file, nothing reached through a symlink."""
    for path, info in walk_names(str(root)):
        if stat.S_ISREG(info.st_mode) and not os.path.basename(path).startswith("."):
            yield Path(path)


def special_files(root: Path) -> list[str]:
    """One sentence per symlink, FIFO, device or socket anywhere in the clinic, and per regular
    file with more than one hard link."""
    problems = []
    for path, info in walk_names(str(root)):
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            problems.append(f"{path} is {file_type(info.st_mode)}, not a regular file; facilitator "
                            f"never reads, follows or backs it up. Remove it (the clinic's data "
                            f"directory holds only regular files and folders).")
        elif stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            problems.append(f"{path} has {info.st_nlink} hard links: another name outside the audit's view "
                            f"can change it. Copy it to a file of its own (cp, then mv over it).")
    return problems


def check_files(data: DataDir, damaged: set[Path] | None = None,
                audit_shapes: AuditShapes | None = None,
                digests: dict[Path, str] | None = None,
                vouched: dict[str, str] | None = None,
                hashed: dict[Path, str | None] | None = None,
                specials: list[str] | None = None) -> list[str]:
    """Every problem with what is in the data directory and with each file's contents.

    Each file found damaged is added to ``damaged`` (verify names it once, not again as
    differing from its audit entry). ``audit_shapes``: the lines already checked in the
    chain's own pass (``verify``), so the log is not parsed twice. ``digests`` receives the
    SHA-256 of each session file's bytes as they were read and parsed here; ``vouched``: the
    session files the log vouches for and ``hashed`` those already hashed (``check_records``);
    ``specials``: ``special_files``, if already looked for."""
    damaged = set() if damaged is None else damaged
    problems = special_files(data.root) if specials is None else list(specials)
    try:
        snapshot: ClinicSnapshot | None = data.snapshot()
    except DamagedFile:
        snapshot = None          # verify reports clinic.json itself
    problems += check_records(data, snapshot, damaged, digests, vouched, hashed)
    problems += check_hours(data, snapshot, damaged)
    problems += check_pins(data.root / "pins.json")
    problems += check_audit_shapes(data.audit.directory, audit_shapes)
    problems += check_plans(data.plans_dir)
    return problems


def session_paths(data: DataDir) -> list[Path]:
    """Every session file (``records/**/*.json``, regular files only, never through a link)."""
    return [Path(path) for path, info in walk_names(str(data.records_dir))
            if stat.S_ISREG(info.st_mode) and path.endswith(".json")
            and not os.path.basename(path).startswith(".")]


def hash_records(data: DataDir) -> dict[Path, str | None]:
    """Each session file's SHA-256 (None: it could not be read; ``check_records`` says why)."""
    import hashlib
    sha = hashlib.sha256
    hashed: dict[Path, str | None] = {}
    for path in session_paths(data):
        try:
            hashed[path] = sha(read_bytes(path)).hexdigest()
        except (DamagedFile, OSError):
            hashed[path] = None
    return hashed


def check_records(data: DataDir, snapshot: ClinicSnapshot | None,
                  damaged: set[Path] | None = None, digests: dict[Path, str] | None = None,
                  vouched: dict[str, str] | None = None,
                  hashed: dict[Path, str | None] | None = None) -> list[str]:
    """Each session file read strictly, as ``SessionFile.read`` and ``notes`` do for every
    command; ``digests`` receives each file's SHA-256, hashed from the same bytes that were
    parsed (``verify`` compares it with the audit entry, so each file is read once).

    ``vouched`` (path in the clinic -> SHA-256): files whose last audit entry says the strict
    reader passed those bytes before they were written (``store.admission``). A file whose
    bytes still hash to that is read and hashed, not parsed again; any other is read strictly.
    ``hashed``: the files and their SHA-256 from ``hash_records`` (a file vouched for is then
    not read again)."""
    import hashlib

    from facilitator.store.notes import verify_notes
    from facilitator.store.records import KIND, SessionFile
    from facilitator.store.strict import check_client_refs, check_record_refs
    prefix = len(str(data.root)) + 1
    vouched = vouched or {}
    problems = []
    for path in (session_paths(data) if hashed is None else hashed):
        known = hashed.get(path) if hashed is not None else None
        if known is not None and vouched.get(str(path)[prefix:]) == known:
            if digests is not None:
                digests[path] = known
            continue                             # admitted strictly when written; still those bytes
        file = SessionFile(path)
        try:
            raw = read_bytes(path)               # O_NOFOLLOW, regular files only, size limit
            digest = hashlib.sha256(raw).hexdigest()
            if digests is not None:
                digests[path] = digest
            if vouched.get(str(path)[prefix:]) == digest:
                continue
            tables = tables_of(parse_file_bytes(path, raw, KIND))   # parsed once for all three checks
            record = file.read(tables)
            notes = file.notes(tables)
            if snapshot is not None:
                check_record_refs(path, record, snapshot)
                check_client_refs(path, notes, snapshot.clients)
            problems.extend(verify_notes(file, notes))
        except DamagedFile as err:
            problems.append(str(err))
            if damaged is not None:
                damaged.add(err.path)
    return problems


def check_hours(data: DataDir, snapshot: ClinicSnapshot | None,
                damaged: set[Path] | None = None) -> list[str]:
    from facilitator.store import otherhours
    problems = []
    clients = snapshot.clients.keys() if snapshot is not None else None
    for path in regular_files(data.root / "hours"):
        try:
            day = date.fromisoformat(path.stem + "-01")
        except ValueError:
            problems.append(f"{path} is not an hours month file (hours/YYYY-MM.json); it is never read.")
            continue
        _, found = otherhours.between(data.root / "hours", day, day, clients=clients)
        # ``between`` keeps only entries dated in the range; the month file is read whole.
        problems.extend(str(p) for p in found)
        if found and damaged is not None:
            damaged.add(path)
    return problems


def check_pins(path: Path) -> list[str]:
    if not path.exists() and not path.is_symlink():
        return []
    try:
        for doc in tables_of(read_file(path, "pins")).get("pins", []):
            _pin_doc(doc)
    except DamagedFile as err:
        return [str(err)]
    except (InputError, KeyError, TypeError, ValueError) as err:
        from facilitator.store.strict import damaged
        return [str(damaged(path, err, "a PIN entry's "))]
    return []


def _pin_doc(doc: dict[str, Any]) -> None:
    fields.text(doc, "user")
    for key in ("salt", "hash"):
        value = fields.text(doc, key, max_length=256)
        try:
            bytes.fromhex(value)
        except ValueError:
            raise InputError("is not hexadecimal", field=key) from None
    for key, high in (("n", 2**20), ("r", 64), ("p", 16)):
        fields.integer(doc, key, 1, low=1, high=high)
    fields.integer(doc, "failures", 0, high=10**6)
    fields.optional_aware(doc, "retry_at")
    if doc.get("set_at") is not None:
        fields.aware(doc, "set_at")


AUDIT_KEYS = {"seq": int, "at": str, "user": str, "action": str, "record": str,
              "detail": dict, "prev": str, "hash": str}


class AuditShapes:
    """The shape check of each audit line, run inside the chain's pass (``AuditLog.verify``'s
    ``inspect``): the same sentences ``check_audit_shapes`` gives, without parsing the log a
    second time. ``seen`` holds the month files it was shown."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: set[Path] = set()
        self._last: Path | None = None
        self._at: dict[str, str | None] = {}     # each distinct time text checked once

    def __call__(self, path: Path, number: int, length: int, entry: Any) -> None:
        if path is not self._last:       # (a Path's hash is computed in Python: once per file)
            self.seen.add(path)
            self._last = path
        if length > MAX_AUDIT_LINE:
            self.problems.append(_too_long(path, number))
            return
        if entry is None:
            return                       # AuditLog.verify names a line that is not JSON
        if type(entry) is dict:          # audit_entry_problem's common case, inlined (191,577 lines)
            get = entry.get
            at = get("at")
            if (type(at) is str and at in self._at and self._at[at] is None
                    and type(get("seq")) is int and type(get("user")) is str
                    and type(get("action")) is str and type(get("record")) is str
                    and type(get("detail")) is dict and type(get("prev")) is str
                    and type(get("hash")) is str):
                return
        problem = audit_entry_problem(entry, self._at)
        if problem:
            self.problems.append(f"{path}, line {number}: {problem}.")


def _too_long(path: Path, number: int) -> str:
    return (f"{path}, line {number}: the line is longer than any audit entry is "
            f"({MAX_AUDIT_LINE // 1024} KB).")


def check_audit_shapes(directory: Path, checked: AuditShapes | None = None) -> list[str]:
    """Each audit line is a JSON object with the known fields of the right types and an
    aware time. (The chain itself is ``AuditLog.verify``'s.) Extra fields are allowed.
    A month file whose lines ``checked`` already saw (in the chain's pass) is only checked
    as a file here; its line problems are ``checked.problems``."""
    problems = list(checked.problems) if checked is not None else []
    seen = checked.seen if checked is not None else set()
    at_cache: dict[str, str | None] = {}
    for path in regular_files(directory):
        if path.suffix != ".jsonl":
            continue
        if path in seen:
            try:
                too_large = os.lstat(path).st_size > MAX_AUDIT_FILE_BYTES
            except OSError:
                too_large = False
            if too_large:
                problems.append(f"{path} cannot be read as an audit file (TooLarge).")
            continue
        try:
            raw = read_regular(path, limit=MAX_AUDIT_FILE_BYTES)
        except (NotRegularFile, TooLarge, OSError) as err:
            problems.append(f"{path} cannot be read as an audit file ({type(err).__name__}).")
            continue
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            if len(line) > MAX_AUDIT_LINE:
                problems.append(_too_long(path, number))
                continue
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):
                continue                 # AuditLog.verify names a line that is not JSON
            problem = audit_entry_problem(entry, at_cache)
            if problem:
                problems.append(f"{path}, line {number}: {problem}.")
    return problems


def audit_entry_problem(entry: Any, at_cache: dict[str, str | None] | None = None) -> str | None:
    """What is wrong with one parsed audit line's shape, or None. ``at_cache``: the verdict on
    each time text already checked (a pure function of the text; most entries share one)."""
    if not isinstance(entry, dict):
        return "the line is not an audit entry (not a JSON object)"
    get = entry.get                      # the common case first: every field of its exact type
    if not (type(get("seq")) is int and type(get("at")) is str and type(get("user")) is str
            and type(get("action")) is str and type(get("record")) is str
            and type(get("detail")) is dict and type(get("prev")) is str and type(get("hash")) is str):
        problem = _audit_field_problem(entry)
        if problem:
            return problem
    at = entry["at"]                     # a str: checked just above
    if at_cache is not None and at in at_cache:
        return at_cache[at]
    try:
        fields.aware(entry, "at")
        problem = None
    except InputError as err:
        problem = f"field 'at' {err.message}"
    if at_cache is not None:
        at_cache[at] = problem
    return problem


def _audit_field_problem(entry: dict[str, Any]) -> str | None:
    for key, kind in AUDIT_KEYS.items():
        value = entry.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return f"field '{key}' is missing or not {kind.__name__}"
    return None


def check_plans(plans_dir: Path) -> list[str]:
    from facilitator.store.plans import load_plan_file
    problems = []
    for path in regular_files(plans_dir):
        if path.suffix != ".toml":
            continue
        try:
            load_plan_file(path)
        except InputError as err:
            problems.append(f"{err} This plan is not offered, run or synced until it is fixed.")
    return problems
