"""Sync's file side: which files take part, their hashes, and writing merged copies safely.

Every write here is ``write_data_file`` (audited, in the caller's ``DataDir.change``) or, for
sync's own state, ``write_side_file``, under the file's lock, reading the current copy inside
the lock, so an interrupted sync leaves every file valid and a concurrent writer's change is
merged, never overwritten. See ``facilitator.sync.merge`` for the merge rules.

::

    DIR/device.json                       this data directory's random device id (made once)
    DIR/sync.json                         the laptop's last sync: time, host, merge bases
    DIR/audit/devices/<device>/YYYY-MM.jsonl   (on the host) a laptop's own audit chain

Recovery plans (``recovery/<client id>.json``) are compared by ``plan_hash``, the hash of the
plan as the strict reader reads it (never the file's bytes, which carry a generation).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from facilitator.core.errors import StoreProblem
from facilitator.store.commit import write_data_file, write_side_file
from facilitator.store.files import DamagedFile, locked, make_dirs, read_regular
from facilitator.store.records import KIND as SESSION_KIND
from facilitator.store.storage import SCHEMA, generation_of, parse_file_bytes, read_bytes
from facilitator.sync.merge import canonical, content_hash, hours_hash, ordered_tables, to_tinydb
from facilitator.sync.protocol import MAX_FILE

HOURS_KIND = "other-hours"
# Paths are matched whole (``fullmatch``) with ASCII classes only: ``\d`` would take other
# scripts' digits and ``$`` a trailing newline.
RECORD_PATH = re.compile(r"records/([0-9]{4})/([0-9]{2})/(([0-9]{4})-([0-9]{2})-[0-9]{2})-[0-9]{4}"
                         r"-[a-z0-9]+(?:-[a-z0-9]+)*\.json", re.ASCII)
HOURS_PATH = re.compile(r"hours/[0-9]{4}-(?:0[1-9]|1[0-2])\.json", re.ASCII)
PLAN_PATH = re.compile(r"plans/[A-Za-z0-9][A-Za-z0-9._-]*\.toml", re.ASCII)
# A client's recovery plan: the client id as ``core.roster`` allows it (no '/', no leading '.').
RECOVERY_PATH = re.compile(r"recovery/([A-Za-z0-9][A-Za-z0-9._-]{0,31})\.json", re.ASCII)
AUDIT_NAME = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])\.jsonl", re.ASCII)
DEVICE_ID = re.compile(r"[0-9a-f]{16,64}", re.ASCII)


class SyncRefused(StoreProblem):
    """A file or message sync will not take; one sentence, no record data."""


def record_path_ok(relative: str) -> bool:
    """``records/YYYY/MM/YYYY-MM-DD-HHMM-slug.json``, its folder that of its real date."""
    found = RECORD_PATH.fullmatch(relative) if isinstance(relative, str) else None
    if found is None:
        return False
    year, month, day, file_year, file_month = found.groups()
    if (year, month) != (file_year, file_month):
        return False
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def check_path(relative: str) -> str:
    """A path sync may read or write, or ``SyncRefused``."""
    if not isinstance(relative, str):
        raise SyncRefused("a path in a sync message is not text")
    if relative == "clinic.json" or record_path_ok(relative) or \
            any(p.fullmatch(relative) for p in (HOURS_PATH, PLAN_PATH, RECOVERY_PATH)):
        return relative
    raise SyncRefused(f"{relative!r} is not a file sync exchanges")


is_record_path = record_path_ok      # the name the store-side tests use


def _device_ok(found: object) -> bool:
    return isinstance(found, str) and DEVICE_ID.fullmatch(found) is not None


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _read_device_id(path: Path) -> str | None:
    """The id in ``device.json``; None if there is no such file; ``DamagedFile`` if it is not one."""
    try:
        raw = read_regular(path, limit=2**20)      # a FIFO or symlink here would hang or leak
    except FileNotFoundError:
        return None
    except OSError as err:                        # NotRegularFile and TooLarge are OSErrors
        raise DamagedFile(path, f"it cannot be read ({err.strerror or err})") from None
    try:
        found = json.loads(raw)["device"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise DamagedFile(path, "it is not a device id file") from None
    if not isinstance(found, str) or not DEVICE_ID.fullmatch(found):
        raise DamagedFile(path, "its device id is not 16-64 lowercase hex digits")
    return found


def device_id(root: Path) -> str:
    """This data directory's device id, made once (``DIR/device.json``).

    A damaged ``device.json`` is reported (``DamagedFile``), never replaced: a new id
    would make the host refuse every laptop as "another clinic host".
    """
    path = Path(root) / "device.json"
    found = _read_device_id(path)
    if found is not None:
        return found
    make_dirs(path.parent)
    with locked(path):
        found = _read_device_id(path)
        if found is not None:
            return found
        made = secrets.token_hex(8)
        write_side_file(root, path, (json.dumps({"device": made}) + "\n").encode())
        return made


# --- listing -------------------------------------------------------------------------------

def plan_hash(plan: Any) -> str:
    """What a recovery plan holds (a ``RecoveryPlan``), whatever its file's generation."""
    return sha256(canonical(plan.to_dict()).encode())


def read_recovery(path: Path) -> Any:
    """A recovery plan file, strictly (``DamagedFile`` naming it otherwise); None if absent."""
    from facilitator.store.recovery import read_path
    if not path.exists() and not path.is_symlink():
        return None
    return read_path(path)


def file_hash(root: Path, relative: str, device: str) -> str | None:
    """The hash sync compares: content (not generation) for data files, bytes for plans."""
    path = Path(root) / relative
    if RECOVERY_PATH.fullmatch(relative):
        plan = read_recovery(path)
        return plan_hash(plan) if plan is not None else None
    try:
        raw = read_bytes(path)          # regular files only: a FIFO or symlink is "damaged"
    except FileNotFoundError:
        return None
    if relative.startswith("plans/"):
        return sha256(raw)
    if relative.startswith("hours/"):
        return hours_hash(parse_file_bytes(path, raw, HOURS_KIND), device)
    kind = "clinic" if relative == "clinic.json" else SESSION_KIND
    if kind == "clinic":
        return sha256(raw)
    return content_hash(parse_file_bytes(path, raw, kind))


def list_files(root: Path, device: str, since: date | None, wanted: list[str]) -> dict[str, Any]:
    """Hashes of clinic.json, plans, records and hours files dated ``since`` on, the recovery
    plans of clients not discharged before ``since``, and ``wanted``.

    A damaged file is listed with hash ``"damaged"`` and never exchanged.
    """
    root = Path(root)
    from facilitator.store.plans import syncable_plan_files  # a bad plan is never sent
    names: set[str] = {"clinic.json"} | {f"plans/{p.name}" for p in syncable_plan_files(root / "plans")}
    if since is not None:
        for path in (root / "records").glob("*/*/*.json"):
            rel = path.relative_to(root).as_posix()
            if record_path_ok(rel) and rel.split("/")[-1][:10] >= since.isoformat():
                names.add(rel)
        for path in (root / "hours").glob("*.json"):
            rel = path.relative_to(root).as_posix()
            if HOURS_PATH.fullmatch(rel) and path.stem >= f"{since:%Y-%m}":
                names.add(rel)
        names |= set(recovery_in_window(root, since))
    names |= {check_path(w) for w in wanted}
    found: dict[str, str] = {}
    for rel in sorted(names):
        try:
            digest = file_hash(root, rel, device)
        except DamagedFile:
            digest = "damaged"
        if digest is not None:
            found[rel] = digest
    return found


def recovery_in_window(root: Path, since: date) -> list[str]:
    """The recovery plans of the clients in clinic.json not discharged before ``since``."""
    from facilitator.store.datadir import snapshot_of
    clinic = Path(root) / "clinic.json"
    try:
        clients = snapshot_of(clinic, read_bytes(clinic)).clients
    except (FileNotFoundError, DamagedFile):
        return []
    return [rel for rel in local_plans(root) if (client := clients.get(_client_of(rel)))
            and (client.discharged is None or client.discharged >= since)]


def _client_of(rel: str) -> str:
    """The client id a recovery plan's path names (``local_plans`` lists only such paths)."""
    found = RECOVERY_PATH.fullmatch(rel)
    assert found is not None
    return found.group(1)


def local_plans(root: Path) -> list[str]:
    """This directory's recovery plan files (by name; a damaged one shows when read)."""
    folder = Path(root) / "recovery"
    return sorted(f"recovery/{p.name}" for p in folder.glob("*.json") if RECOVERY_PATH.fullmatch(f"recovery/{p.name}"))


def local_files(root: Path) -> list[str]:
    root = Path(root)
    paths = [p.relative_to(root).as_posix() for p in (root / "records").glob("*/*/*.json")]
    paths += [p.relative_to(root).as_posix() for p in (root / "hours").glob("*.json")]
    return sorted(p for p in paths if record_path_ok(p) or HOURS_PATH.fullmatch(p))


def read_for_sync(path: Path) -> bytes | None:
    """A file's bytes to send, or None if it is absent or not a readable regular file."""
    try:
        return read_bytes(path)
    except (FileNotFoundError, DamagedFile):
        return None


# --- writing -------------------------------------------------------------------------------

def _write(path: Path, kind: str, tables: dict[str, Any], generation: int) -> None:
    meta = {"schema": SCHEMA, "kind": kind, "generation": generation}
    data = to_tinydb(tables, meta) if all(isinstance(v, list) for v in tables.values()) else \
        dict(tables, _meta={"1": meta})
    write_data_file(path, json.dumps(data, ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":")).encode("utf-8"))


def check_record(relative: str, raw: bytes) -> dict[str, Any]:
    """Parse a session record received from the other side; refuse anything but a valid one."""
    data = parse_file_bytes(Path(relative), raw, SESSION_KIND)
    tables = ordered_tables(data)
    headers = tables.get("header", [])
    if len(headers) != 1 or headers[0].get("session_id") != Path(relative).stem:
        raise SyncRefused(f"{relative} does not hold that session's record")
    return data


def _stored(path: Path, kind: str) -> dict[str, Any] | None:
    """The data file's tables as stored now (read under the caller's lock), None if missing."""
    try:
        return parse_file_bytes(path, read_bytes(path), kind)
    except FileNotFoundError:
        return None


def write_record(root: Path, relative: str, tables: dict[str, list[dict[str, Any]]],
                 expect: str | None, remerge: Callable[[dict[str, Any] | None], Any]) -> str:
    """Replace a session record with ``tables`` if it still holds what was merged (``expect``:
    its content hash, ``None`` for "absent"); otherwise ``remerge(current)`` gives the tables.
    Returns the content hash now stored. The file is checked by reading it back as a record.
    """
    path = Path(root) / check_path(relative)
    make_dirs(path.parent)
    with locked(path):
        current = _stored(path, SESSION_KIND)
        now = content_hash(current) if current is not None else None
        if now != expect:
            tables = remerge(current)
        if current is not None and content_hash(tables) == now:
            return now
        check_tables(relative, tables)
        generation = generation_of(current) + 1 if current is not None else 1
        _write(path, SESSION_KIND, tables, generation)
    return content_hash(tables)


def check_tables(relative: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse merged tables that would not read back as a session record."""
    from facilitator.core.notes import Note
    from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader
    try:
        (header,) = tables.get("header", [])
        SessionHeader.from_dict(header)
        for doc in tables.get("blocks", []):
            BlockRun.from_dict(doc)
        for doc in tables.get("attendance", []):
            AttendanceEntry.from_dict(doc)
        for doc in tables.get("notes", []):
            Note.from_dict(doc)
    except (KeyError, ValueError, TypeError) as err:
        raise SyncRefused(f"{relative} would not be a valid session record ({type(err).__name__})") from None
    size = len(json.dumps(tables, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_FILE - 64 * 1024:       # room for the file's _meta and TinyDB's ids
        raise SyncRefused(f"{relative} would grow to {size} bytes, past what sync carries ({MAX_FILE}); "
                          f"nothing of this push to it was taken")


def write_hours(root: Path, relative: str,
                merge: Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]]) -> list[str]:
    """Merge into an hours month file under its lock; returns the merged uids."""
    path = Path(root) / check_path(relative)
    make_dirs(path.parent)
    with locked(path):
        current = _stored(path, HOURS_KIND) or {}
        data, uids = merge(current)
        before = {k: v for k, v in current.items() if k != "_meta"}
        after = {k: v for k, v in data.items() if k != "_meta"}
        if before != after or not path.exists():
            tables = {k: v for k, v in data.items() if k != "_meta"}
            _write(path, HOURS_KIND, tables, generation_of(current) + 1 if current else 1)
    return uids


def write_plain(root: Path, relative: str, raw: bytes) -> None:
    """clinic.json or a plan, copied as is (the host owns them)."""
    path = Path(root) / check_path(relative)
    if relative == "clinic.json":
        from facilitator.store.datadir import snapshot_of
        snapshot_of(path, raw)           # the strict reader: refused whole if any field is bad
    else:
        from facilitator.core.errors import InputError
        from facilitator.store.plans import check_plan_bytes
        try:
            check_plan_bytes(relative, raw)
        except InputError as err:
            raise SyncRefused(f"the plan {relative} is not valid ({err.message}); it was not copied") from None
    make_dirs(path.parent)
    with locked(path):
        if relative == "clinic.json":
            write_data_file(path, raw)       # audited: the caller's DataDir.change
        else:
            write_side_file(root, path, raw)       # a plan is no data file the audit binds


def check_recovery(relative: str, raw: bytes) -> Any:
    """A recovery plan received from the other side, strictly; ``SyncRefused`` unless valid
    and for the client its path names (the sentence never repeats the plan's words)."""
    from facilitator.store.recovery import read_plan_bytes
    if not RECOVERY_PATH.fullmatch(relative):
        raise SyncRefused(f"{relative!r} is not a recovery plan")
    try:
        return read_plan_bytes(Path(relative), raw)      # its client id is its file name's
    except DamagedFile as err:
        raise SyncRefused(f"{relative} from the other side is not a valid recovery plan "
                          f"({err.reason})") from None


def write_recovery(root: Path, relative: str, merge: Callable[[Any], Any]) -> str | None:
    """Replace a recovery plan with ``merge(current plan or None)`` under its lock (nothing is
    written when that is the current plan, or None); returns the plan hash now stored.

    A damaged plan here is a ``DamagedFile`` (reported, never overwritten)."""
    from facilitator.store.recovery import KIND, plan_of
    if not RECOVERY_PATH.fullmatch(relative):
        raise SyncRefused(f"{relative!r} is not a recovery plan")
    path = Path(root) / relative
    make_dirs(path.parent)
    with locked(path):
        data = _stored(path, KIND)
        current = plan_of(path, data) if data is not None else None
        plan = merge(current)
        if plan is None or (current is not None and plan_hash(plan) == plan_hash(current)):
            return plan_hash(current) if current is not None else None
        _write(path, KIND, {"plan": [plan.to_dict()]}, generation_of(data) + 1 if data is not None else 1)
    return plan_hash(plan)


# --- audit chains of other devices ---------------------------------------------------------

def device_audit_dir(root: Path, device: str) -> Path:
    if not _device_ok(device):
        raise SyncRefused("that is not a device id")
    return Path(root) / "audit" / "devices" / device


def audit_listing(directory: Path) -> dict[str, str]:
    return {p.name: sha256(p.read_bytes()) for p in sorted(Path(directory).glob("*.jsonl"))
            if AUDIT_NAME.fullmatch(p.name) and p.is_file() and not p.is_symlink()}   # never a FIFO


def complete_lines(raw: bytes) -> bytes:
    """Whole lines only (a torn last line, from an append killed midway, is left out)."""
    return raw[:raw.rfind(b"\n") + 1]


def put_device_audit(root: Path, device: str, name: str, raw: bytes, host_device: str) -> int:
    """Store a laptop's month file if it continues the copy on the host; returns lines added.

    Checked before anything is written: the name is a month file, the device is not the
    host itself, the stored copy is a prefix of ``raw``, and every added line is an entry
    of that device's own chain (JSON, its hash right, its ``prev`` and ``seq`` following the
    entry before it, in this file or the device's previous month file).
    """
    if not isinstance(name, str) or not AUDIT_NAME.fullmatch(name):
        raise SyncRefused(f"{name!r} is not an audit month file")
    if device == host_device:
        raise SyncRefused("a laptop cannot push audit entries under the host's own device id")
    directory = device_audit_dir(root, device)
    make_dirs(directory)
    path = directory / name
    raw = complete_lines(raw)
    with locked(directory / "log"):
        try:
            stored = _audit_copy(path)
        except FileNotFoundError:
            stored = b""
        if not raw.startswith(stored):
            raise SyncRefused(f"this laptop's audit file {name} does not continue the copy on the host")
        if raw == stored:
            return 0
        later = [p.name for p in directory.glob("*.jsonl") if AUDIT_NAME.fullmatch(p.name) and p.name > name]
        if later:
            raise SyncRefused(f"this laptop's audit file {name} comes before {later[0]} already on the host")
        last = _last_chain_entry(stored) if stored else _previous_month_entry(directory, name)
        _check_chain(name, last, raw[len(stored):], first_line=stored.count(b"\n") + 1)
        write_side_file(root, path, raw)
    return raw.count(b"\n") - stored.count(b"\n")


def _audit_copy(path: Path) -> bytes:
    """A laptop's audit month file as the host keeps it: a regular file only, read without
    blocking (a FIFO planted there never holds the sync server, and its lock, forever)."""
    from facilitator.store.files import NotRegularFile, TooLarge
    try:
        return read_regular(path, limit=MAX_FILE)
    except (NotRegularFile, TooLarge) as err:
        raise SyncRefused(f"the host's copy of this laptop's audit file {path.name} cannot be read ({err}); "
                          f"nothing was added") from None


def _last_chain_entry(raw: bytes) -> dict[str, Any] | None:
    lines = [line for line in raw.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def _previous_month_entry(directory: Path, name: str) -> dict[str, Any] | None:
    earlier = sorted(p.name for p in directory.glob("*.jsonl") if AUDIT_NAME.fullmatch(p.name) and p.name < name)
    for previous in reversed(earlier):
        entry = _last_chain_entry(_audit_copy(directory / previous))
        if entry is not None:
            return entry
    return None


def _check_chain(name: str, last: dict[str, Any] | None, added: bytes, first_line: int) -> None:
    from facilitator.store.audit import GENESIS, entry_hash
    prev_hash = last.get("hash") if last else GENESIS
    prev_seq = last.get("seq") if last else 0
    for number, line in enumerate(added.split(b"\n")[:-1], start=first_line):
        where = f"this laptop's audit file {name}, line {number}"
        try:
            entry = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise SyncRefused(f"{where}, is not an audit entry (not JSON); nothing of it was stored") from None
        if not isinstance(entry, dict) or entry.get("hash") != entry_hash(entry):
            raise SyncRefused(f"{where}, is not an intact audit entry; nothing of it was stored")
        if entry.get("prev") != prev_hash or not isinstance(prev_seq, int) or entry.get("seq") != prev_seq + 1:
            raise SyncRefused(f"{where}, does not continue this device's chain; nothing of it was stored")
        prev_hash, prev_seq = entry["hash"], entry["seq"]


# --- the laptop's sync state ---------------------------------------------------------------

def _small_text(path: Path) -> str:
    """A small state file's text: a regular file only (a FIFO here would hang sync)."""
    return read_regular(path, limit=2**20).decode()


def state_path(root: Path) -> Path:
    return Path(root) / "sync.json"


def lock_clinic(root: Path, account: str) -> None:
    """Lock this laptop's clinic (``store.datadir.LOCK_FILE``): every open refuses until
    ``unlock_clinic``, which a sync the host accepts runs."""
    from facilitator.store.datadir import LOCK_FILE
    path = Path(root) / LOCK_FILE
    with locked(path):
        write_side_file(root, path, (json.dumps({"account": account}) + "\n").encode())


def unlock_clinic(root: Path) -> None:
    from facilitator.store.datadir import LOCK_FILE
    path = Path(root) / LOCK_FILE
    if path.exists() or path.is_symlink():
        with locked(path):
            path.unlink(missing_ok=True)


def load_state(root: Path) -> dict[str, Any]:
    try:
        state = json.loads(_small_text(state_path(root)))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}


def save_state(root: Path, state: dict[str, Any]) -> None:
    path = state_path(root)
    with locked(path):
        write_side_file(root, path, (json.dumps(state, sort_keys=True, indent=1) + "\n").encode())


def pending_pushes(root: Path) -> int:
    """Session records, hours files and recovery plans changed here since the last sync (0 if
    never synced and nothing recorded here)."""
    from facilitator.sync.merge import base_of
    state = load_state(root)
    if "last_sync" not in state:
        return len(local_files(root))
    bases, hours = state.get("records", {}), state.get("hours", {})
    device = device_id(root)
    waiting = 0
    for rel in local_files(root):
        path = Path(root) / rel
        try:
            data = parse_file_bytes(path, read_bytes(path), HOURS_KIND if rel.startswith("hours/")
                                    else SESSION_KIND)
        except (DamagedFile, FileNotFoundError):
            continue
        if rel.startswith("hours/"):
            from facilitator.sync.merge import with_uids
            waiting += sorted(d["uid"] for d in with_uids(data, device)) != hours.get(rel)
        else:
            waiting += base_of(data) != bases.get(rel)
    plans = state.get("recovery", {})
    for rel in local_plans(root):
        try:
            waiting += file_hash(root, rel, device) != plans.get(rel)
        except DamagedFile:
            continue
    return waiting
