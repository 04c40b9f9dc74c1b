"""The laptop's side of a sync (`facilitator sync HOST[:DIR]`), over `ssh HOST facilitator sync --serve`.

Order: pull clinic.json and plans (the host owns them); merge clients' recovery plans, session
records and hours files both ways (changed files only); note the sync in this laptop's audit log (only when something
moved, so a second sync moves nothing); push this laptop's audit chain; save ``sync.json``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from facilitator.core.errors import StoreProblem, printable
from facilitator.store.clinic import open_clinic
from facilitator.store.files import DamagedFile, claim_top_dir, make_dirs
from facilitator.store.storage import parse_file_bytes
from facilitator.sync import files as store
from facilitator.sync import protocol as proto
from facilitator.sync.merge import (
    HISTORY,
    base_of,
    canonical,
    canonical_tables,
    merge_hours,
    merge_record,
    ordered_tables,
    record_parts,
    short_hash,
    with_uids,
)

WINDOW_DAYS = 56           # a laptop keeps the host's last eight weeks of records and hours
GET_BATCH = 64


class SyncFailed(StoreProblem):
    """Sync could not go on; one sentence (exit 2 for setup problems, 1 otherwise)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = self.exit_code = code


class AccountDeactivated(SyncFailed):
    """The host refused the sync: its ssh account is deactivated there (the laptop locks)."""

    def __init__(self, account: str) -> None:
        super().__init__(f"the host refused this sync because the account {printable(account)!r} is "
                         f"deactivated there, so nothing was pushed and this laptop's clinic is now "
                         f"locked (nothing opens until an admin reactivates the account and this "
                         f"laptop syncs again).", 2)
        self.account = account


@dataclass
class Moved:
    pulled: dict[str, int] = field(default_factory=dict)
    pushed: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)      # changes the host would not make
    warnings: list[str] = field(default_factory=list)     # said on stderr; the sync still went

    def add(self, side: str, what: str, count: int = 1) -> None:
        table = self.pulled if side == "pulled" else self.pushed
        table[what] = table.get(what, 0) + count

    @property
    def anything(self) -> bool:
        return any(self.pulled.values()) or any(self.pushed.values())

    def summary(self, target: str) -> str:
        def words(table: dict[str, int]) -> str:
            names = {"clinic": "clinic.json", "plans": "plan", "recovery": "recovery plan",
                     "records": "session record", "hours": "hours file", "audit": "audit entry"}
            parts = []
            for key, count in table.items():
                if count and key == "clinic":
                    parts.append("clinic.json")
                elif count:
                    noun = names[key] if count == 1 else ("audit entries" if key == "audit"
                                                          else names[key] + "s")
                    parts.append(f"{count} {noun}")
            return ", ".join(parts)
        out = []
        if words(self.pulled):
            out.append(f"pulled {words(self.pulled)}")
        if words(self.pushed):
            out.append(f"pushed {words(self.pushed)}")
        text = "; ".join(out) if out else f"nothing to move; this laptop and {target} agree"
        if self.conflicts:
            n = len(self.conflicts)
            text += f"; {n} conflict{'s' if n > 1 else ''}: " + "; ".join(self.conflicts)
        if self.refused:
            n = len(self.refused)
            text += f"; the host refused {n} change{'s' if n > 1 else ''}"
        for skipped in self.skipped:
            text += f"\nwarning: {skipped}"
        for refused in self.refused:
            text += f"\nrefused: {refused}"
        return text[0].upper() + text[1:] + ("." if not (self.skipped or self.refused) else "")


class Connection:
    def __init__(self, argv: list[str], target: str, target_text: str = "") -> None:
        self.target = target
        self.target_text = target_text or target
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except FileNotFoundError:
            raise SyncFailed(f"{argv[0]} is not installed here; sync needs OpenSSH's ssh", 2) from None
        assert self.process.stdin is not None and self.process.stdout is not None   # both pipes
        self.to_host: IO[bytes] = self.process.stdin
        self.from_host: IO[bytes] = self.process.stdout

    def hello(self, device: str, now: datetime | None = None) -> dict[str, Any]:
        try:
            try:
                proto.send(self.to_host, proto.hello(device, now=now))
            except BrokenPipeError:
                pass            # a host that said its hello and left (another version): read it first
            theirs = proto.receive(self.from_host)
        except (EOFError, BrokenPipeError):
            code = self.process.wait()
            raise SyncFailed(f"{self.target} did not answer as a facilitator sync server (exit code "
                             f"{code}); check that `ssh {self.target} facilitator --version` works", 2) from None
        proto.check_hello(theirs)
        if theirs.get("error"):
            if isinstance(theirs.get("deactivated"), str):
                raise AccountDeactivated(theirs["deactivated"][:64])
            raise SyncFailed(f"the clinic host refused the sync: {theirs['error']}", 2)
        return theirs

    def call(self, op: str, **fields: Any) -> dict[str, Any]:
        try:
            proto.send(self.to_host, {"op": op, **fields})
            reply = proto.receive(self.from_host)
        except (EOFError, BrokenPipeError):
            raise SyncFailed(f"the connection to {self.target} ended midway; nothing is half-written, "
                             f"run sync again") from None
        if not reply.get("ok"):
            raise SyncFailed(f"the host refused a {op}: {reply.get('error', 'no reason given')}")
        return reply

    def close(self) -> None:
        try:
            self.to_host.close()
        except BrokenPipeError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def laptop_clock() -> datetime:
    """This device's clock, as its hello tells the host (which measures it against its own)."""
    return datetime.now(UTC)


def _progress(done: int, total: int, what: str) -> None:
    if total >= 20 and sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r{what}: {done}/{total}", end=end, file=sys.stderr, flush=True)


def _differing(root: Path, paths: list[str], host_files: dict[str, str], device: str, moved: Moved,
               agreed: Callable[[str, str | None], None]) -> list[str]:
    """The paths whose content differs between this laptop and the host, to merge. A file
    damaged on either side is skipped and said; ``agreed(path, hash)`` for each that agrees."""
    todo = []
    for rel in paths:
        try:
            mine = store.file_hash(root, rel, device)
        except DamagedFile as err:
            moved.skipped.append(f"{err}")
            continue
        theirs = host_files.get(rel)
        if theirs == "damaged":
            moved.skipped.append(f"{rel} is damaged on the host; it was not synced")
        elif mine != theirs:
            todo.append(rel)
        else:
            agreed(rel, mine)
    return todo


def _fetch(conn: Connection, paths: list[str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for start in range(0, len(paths), GET_BATCH):
        files = conn.call("get", paths=paths[start:start + GET_BATCH])["files"]
        out.update({rel: proto.decode(text) for rel, text in files.items() if text is not None})
    return out


def _hello(root: Path, conn: Connection, moved: Moved, device: str) -> tuple[str, timedelta]:
    """The host's device id, and this laptop's clock offset as the host measured it (refused
    beyond protocol.CLOCK_LIMIT; none when the host said nothing usable)."""
    try:
        theirs = conn.hello(device, now=laptop_clock())
    except AccountDeactivated as refused:
        if (root / "clinic.json").exists():      # a laptop that holds the clinic: lock it
            store.lock_clinic(root, refused.account)
        raise
    warning = proto.clock_warning(theirs.get("clock_offset_seconds"))
    if warning:
        moved.warnings.append(warning)
    offset = theirs.get("clock_offset_seconds")
    skew = timedelta(seconds=offset) if isinstance(offset, int) and not isinstance(offset, bool) \
        and abs(offset) <= proto.CLOCK_LIMIT.total_seconds() else timedelta(0)
    return str(theirs.get("device", "")), skew


def _pull_clinic(root: Path, conn: Connection, moved: Moved, device: str, host_files: dict[str, str]) -> list[str]:
    """The host's clinic-level files (clinic.json, plans/), copied as they are; returns their paths."""
    plain = [p for p in host_files if p == "clinic.json" or p.startswith("plans/")]
    changed = [p for p in plain if host_files[p] != store.file_hash(root, p, device)]
    for rel, raw in _fetch(conn, changed).items():
        store.write_plain(root, rel, raw)
        moved.add("pulled", "clinic" if rel == "clinic.json" else "plans")
    if not (root / "clinic.json").exists():
        raise SyncFailed(f"{conn.target} has no clinic.json to clone", 2)
    return plain


def _sync_plans(root: Path, conn: Connection, moved: Moved, device: str, host_files: dict[str, str],
                bases: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Clients' recovery plans, merged both ways; returns their paths and the next bases."""
    plan_bases = dict(bases)
    recovery = sorted(set(store.local_plans(root)) | {p for p in host_files if store.RECOVERY_PATH.fullmatch(p)})
    todo = _differing(root, recovery, host_files, device, moved,
                      agreed=lambda rel, mine: plan_bases.__setitem__(rel, mine))
    fetched = _fetch(conn, [p for p in todo if p in host_files])
    for rel in todo:
        plan_bases[rel] = _sync_plan(root, rel, conn, fetched.get(rel), host_files.get(rel),
                                     plan_bases.get(rel), moved)
    return recovery, plan_bases


@dataclass
class _Link:
    """Who is syncing with whom: this device, the host's, and the laptop's clock offset."""

    conn: Connection
    device: str
    host_device: str
    skew: timedelta


def _sync_files(root: Path, link: _Link, moved: Moved, names: list[str], host_files: dict[str, str],
                state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Session records and hours files, merged both ways; returns the next bases of each."""
    bases: dict[str, Any] = dict(state.get("records", {}))
    hour_bases: dict[str, Any] = dict(state.get("hours", {}))

    def agreed(rel: str, mine: str | None) -> None:
        if rel.startswith("records/"):
            bases[rel] = base_of(store.check_record(rel, (root / rel).read_bytes()))

    todo = _differing(root, names, host_files, link.device, moved, agreed=agreed)
    fetched = _fetch(link.conn, [p for p in todo if p in host_files])
    for number, rel in enumerate(todo, start=1):
        if rel.startswith("records/"):
            bases[rel] = _sync_record(root, rel, link.conn, fetched.get(rel), host_files.get(rel),
                                      bases.get(rel), moved, link.skew)
        else:
            hour_bases[rel] = _sync_hours(root, rel, link.conn, fetched.get(rel), link.device, link.host_device,
                                          hour_bases.get(rel), host_files.get(rel), moved)
        _progress(number, len(todo), "merging")
    return bases, hour_bases


def _push_audit(root: Path, conn: Connection, moved: Moved, host_audit: dict[str, Any]) -> None:
    """This laptop's audit month files the host does not hold as they are here."""
    for name in store.audit_listing(root / "audit"):
        raw = store.complete_lines((root / "audit" / name).read_bytes())
        if store.sha256(raw) != host_audit.get(name):
            moved.add("pushed", "audit", conn.call("put_audit", name=name, data=proto.encode(raw))["added"])


def sync(root: Path, conn: Connection, moved: Moved) -> None:
    root = Path(root)
    if not (root / "clinic.json").exists():
        claim_top_dir(root, field="--data")    # a laptop's first sync: this account's alone (0700)
    for sub in ("records", "plans", "recovery", "audit"):
        make_dirs(root / sub)
    device = store.device_id(root)
    host_device, skew = _hello(root, conn, moved, device)
    state = store.load_state(root)
    if state.get("host_device") not in (None, host_device):
        raise SyncFailed(f"{root} was synced with another clinic host; sync {conn.target} into a new "
                         f"--data directory", 2)
    store.unlock_clinic(root)                     # the host accepts this account again
    since = datetime.now(UTC).date() - timedelta(days=WINDOW_DAYS)
    from facilitator.store.integrity import laptop_keeps_host_head, laptop_kept_head
    listing = conn.call("list", since=since.isoformat(), wanted=store.local_files(root) + store.local_plans(root),
                        witnessed=laptop_kept_head(root, host_device))   # the host checks it extends
    laptop_keeps_host_head(root, host_device, listing.get("head"))
    host_files: dict[str, str] = {store.check_path(p): h for p, h in listing["files"].items()}

    # 1. the host's clinic-level files, copied as they are
    plain = _pull_clinic(root, conn, moved, device, host_files)
    data = open_clinic(root)
    # 2. clients' recovery plans, merged both ways
    recovery, plan_bases = _sync_plans(root, conn, moved, device, host_files, state.get("recovery", {}))
    # 3. session records and hours files, merged both ways
    names = sorted(set(store.local_files(root)) | {p for p in host_files if p not in plain and p not in recovery})
    bases, hour_bases = _sync_files(root, _Link(conn, device, host_device, skew), moved, names, host_files, state)
    # 4. this laptop's audit chain, after noting this sync in it
    if moved.anything:
        data.record_audit("sync", f"device:{host_device}", {
            "pulled": sum(moved.pulled.values()), "pushed": sum(moved.pushed.values()),
            "conflicts": len(moved.conflicts)})
    _push_audit(root, conn, moved, listing.get("audit", {}))
    laptop_keeps_host_head(root, host_device, conn.call("bye").get("head"))   # the host's final head
    store.save_state(root, {"last_sync": data.now().isoformat(timespec="seconds"), "host": conn.target_text,
                            "host_device": host_device, "records": bases, "hours": hour_bases,
                            "recovery": plan_bases})


def record_changes(host: dict[str, Any] | None, tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """What the laptop's merged record changes on the host, part by part (see ``sync.apply``)."""
    mine = record_parts(tables)
    theirs = record_parts(host) if host is not None else {}
    changes = [{"part": part, "was": short_hash(theirs.get(part)), "value": mine.get(part)}
               for part in sorted(set(mine) | set(theirs))
               if canonical(mine.get(part)) != canonical(theirs.get(part))]
    host_history = ordered_tables(host).get(HISTORY, []) if host is not None else []
    added = [d for d in tables.get(HISTORY, []) if d not in host_history]
    if added:
        changes.append({"part": HISTORY, "was": None, "value": added})
    return changes


def _sync_record(root: Path, rel: str, conn: Connection, host_raw: bytes | None, host_hash: str | None,
                 base: dict[str, str] | None, moved: Moved, skew: timedelta = timedelta(0)) -> dict[str, str]:
    host = store.check_record(rel, host_raw) if host_raw is not None else None
    merged: dict[str, Any] = {}
    found: list = []

    def merge_here(current: dict[str, Any] | None) -> dict[str, Any]:
        merged["before"] = canonical(canonical_tables(current)) if current is not None else None
        if current is None or host is None:
            either = current if host is None else host
            assert either is not None, "a record is synced when it is on one side at least"
            tables = canonical_tables(either)
        else:
            tables, conflicts = merge_record(rel, current, host, base, skew)
            found.extend(conflicts)
        merged["tables"] = tables
        return tables

    after = store.write_record(root, rel, {}, "(merge)", merge_here)
    tables = merged["tables"]
    if canonical(tables) != merged["before"]:       # more than the order of its entries changed
        moved.add("pulled", "records")
    next_base = base_of(tables)
    if after != host_hash:
        changes = record_changes(host, tables)
        reply = conn.call("put_changes", path=rel, changes=changes)
        if len(changes) > len(reply.get("refused", [])) + len(reply.get("stale", [])):
            moved.add("pushed", "records")
        moved.refused.extend(_refusal(r) for r in reply.get("refused", []))
        next_base = agreed_base(next_base, reply.get("base", {}), base)
    for conflict in found:
        if str(conflict) not in moved.conflicts:
            moved.conflicts.append(str(conflict))
    return next_base


def agreed_base(mine: dict[str, str], host: Any, previous: dict[str, str] | None) -> dict[str, str]:
    """The next merge's base for a record: each part this laptop and the host now agree on.

    Never the host's reply as it is: it may hold another device's change made since this
    laptop looked (a stale part), which this laptop has not got; taken as the base, the next
    sync would see it as "changed here" and push this laptop's older part over it. A part
    that still differs (stale, refused, or another device's new part) keeps the base both
    last agreed on, or has none, so the next sync merges it as it is.
    """
    host = {str(k): str(v) for k, v in host.items()} if isinstance(host, dict) else {}
    agreed = {part: digest for part, digest in mine.items() if host.get(part) == digest}
    for part, digest in (previous or {}).items():
        if part not in agreed and (part in mine or part in host):
            agreed[part] = digest
    return agreed


def _sync_plan(root: Path, rel: str, conn: Connection, host_raw: bytes | None, host_hash: str | None,
               base: str | None, moved: Moved) -> str | None:
    """One client's recovery plan: taken from the side that changed it since ``base`` (the plan
    hash both last agreed on), merged (``core.recovery.merge_plans``) when both did, and pushed
    whole when the host's differs. Returns the next base.

    Two goals added under one number while apart (``PlanConflict``) are never renumbered: both
    copies stay as they are, the conflict is reported, and nothing is pushed.
    """
    from facilitator.core.recovery import PlanConflict, merge_plans
    host = store.check_recovery(rel, host_raw) if host_raw is not None else None
    conflict: list[str] = []
    kept: dict[str, Any] = {}

    def merge_here(current: Any) -> Any:
        kept["before"] = store.plan_hash(current) if current is not None else None
        if current is None or host is None:
            return host if current is None else current
        mine = kept["before"]
        if mine == host_hash or base == mine:
            return host                         # unchanged here since the sides agreed
        if base == host_hash:
            return current                      # changed here only
        try:
            return merge_plans(None, current, host)
        except PlanConflict as err:
            conflict.append(f"recovery plan of client {host.client_id}: {err.message}; both copies "
                            f"were kept as they are")
            return current

    after = store.write_recovery(root, rel, merge_here)
    if after != kept["before"]:
        moved.add("pulled", "recovery")
    for text in conflict:
        if text not in moved.conflicts:
            moved.conflicts.append(text)
    if conflict or after is None or after == host_hash:
        return base if conflict else after
    path = root / rel
    mine_plan = store.read_recovery(path)
    reply = conn.call("put_plan", path=rel, was=host_hash, value=mine_plan.to_dict())
    moved.refused.extend(_refusal(r) for r in reply.get("refused", []))
    if reply.get("conflict") and str(reply["conflict"]) not in moved.conflicts:
        moved.conflicts.append(str(reply["conflict"]))
    now = reply.get("hash")
    if now == after:
        moved.add("pushed", "recovery")
        return after
    if reply.get("refused") or reply.get("conflict"):
        return now if isinstance(now, str) else None     # offered again next time (host unchanged)
    moved.add("pushed", "recovery")
    return after     # the host merged in a change of its own: the next sync takes it from there


def _refusal(item: Any) -> str:
    if not isinstance(item, dict):
        return "the host refused a change"
    part = str(item.get("part", ""))
    shown = part and part not in ("hours", "plan")       # their record ids say what they are
    return f"{item.get('record', '?')}{' ' + part if shown else ''}: {item.get('reason', '?')}"


def _sync_hours(root: Path, rel: str, conn: Connection, host_raw: bytes | None, device: str,
                host_device: str, base: list[str] | None, host_hash: str | None, moved: Moved) -> list[str]:
    host = parse_file_bytes(Path(rel), host_raw, store.HOURS_KIND) if host_raw is not None else {}
    before = store.file_hash(root, rel, device)
    uids = store.write_hours(root, rel, lambda current: merge_hours(current, device, host, host_device, base))
    after = store.file_hash(root, rel, device)
    if after != before:
        moved.add("pulled", "hours")
    if after != host_hash:
        path = root / rel
        mine = {d["uid"]: d for d in with_uids(parse_file_bytes(path, path.read_bytes(), store.HOURS_KIND),
                                               device)}
        theirs = {d["uid"] for d in with_uids(host, host_device)}
        add, remove = [d for u, d in sorted(mine.items()) if u not in theirs], sorted(theirs - set(mine))
        reply = conn.call("put_hours", path=rel, add=add, remove=remove)
        if sorted(str(u) for u in reply.get("uids", [])) != sorted(theirs):
            moved.add("pushed", "hours")
        moved.refused.extend(_refusal(r) for r in reply.get("refused", []))
        # The base is the entries this laptop holds that the host now holds too, never the
        # reply as it is (issue #20, case 8): another device's entries in it are not here yet
        # (the next sync takes them); an add the host refused is offered again, a refused
        # removal comes back. One both held at the last base that another device removed
        # meanwhile stays in the base, so the next sync removes it here too.
        held = {str(u) for u in reply.get("uids", [])}
        uids = sorted(u for u in mine if u in held or u in set(base or ()))
    return uids


def parse_target(target: str) -> tuple[str, str | None]:
    host, _, directory = target.partition(":")
    if not host or host.startswith("-"):
        raise SyncFailed(f"{target!r} is not HOST or HOST:DIR", 2)
    return host, directory or None
