"""The host applying a laptop's pushed changes, each authorized as the ssh account.

A record change is ``{"part": <header|blocks|roster|att:ID|note:ID|history>, "was": <the part's
short hash the laptop last saw on the host, or null>, "value": <the part, or null to remove>}``
(``history``: ``value`` is the entries to add). Under the record's lock, each change is:

- *stale* when the host's part no longer hashes to ``was`` (someone changed it on the host
  since the laptop looked): left alone, and merged on the laptop's next sync;
- *refused* when ``authority`` says the ssh account may not make it: left alone, reported to
  the laptop (record id, part, reason) and audited here (``sync.refused``);
- applied otherwise. The accepted parts are written in one atomic write and audited as
  ``sync.apply`` with the parts' kinds. The rest of the push still lands.

Hours changes are entries added (with their uid) or removed (by uid), the same way. A recovery
plan is pushed whole and merged on the host (``apply_plan_change``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

from facilitator.core.errors import InputError, Refusal
from facilitator.core.session import SessionHeader
from facilitator.store.datadir import DataDir
from facilitator.store.files import locked, make_dirs
from facilitator.store.records import KIND as SESSION_KIND
from facilitator.store.storage import generation_of, parse_file_bytes, read_bytes
from facilitator.sync.authority import Actor, Refused, SessionContext, authorize_part, history_added, hours_entry
from facilitator.sync.files import HOURS_KIND, SyncRefused, _write, check_path, check_tables
from facilitator.sync.merge import (
    HISTORY,
    base_of,
    content_hash,
    ordered_tables,
    record_parts,
    short_hash,
    tables_from_parts,
    with_uids,
)

# A part's name goes into replies and audit lines: a known kind and a plain client id only.
PART = re.compile(r"header|blocks|roster|history|(?:att|note):[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)
REASON_CHARS = 300


def actor_of(data: DataDir) -> Actor:
    """The ssh account as the host's clinic.json has it (``NotStaff`` if it is not active staff)."""
    snapshot = data.snapshot()
    now = data.now()
    return Actor(data.me(), snapshot.clients, snapshot.groups, now.date(), now)


def _order(change: dict[str, Any]) -> tuple[int, str]:
    part = str(change.get("part"))
    return (0 if part == "header" else 2 if part == "history" else 1, part)


class _Stale(Refusal):
    """The host's part no longer hashes to what the laptop last saw: left for the next merge
    (a refusal the laptop acts on by merging again; it never leaves this module)."""


@dataclass
class _Record:
    """One session record as the host holds it while a push is applied to it, under its lock."""

    ctx: SessionContext
    parts: dict[str, Any]
    history: list[Any]
    refused: list[tuple[str, str]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)


# How each kind of part is read from a change (its ``old`` and ``new`` for ``authority``) and
# stored once authorized. Authorization itself is ``authority.AUTHORIZE``, by the same kinds.

def _read_part(record: _Record, part: str, change: dict[str, Any]) -> tuple[Any, Any]:
    """A part replaced whole: stale unless the host's still hashes to what the laptop saw."""
    old = record.parts.get(part)
    if short_hash(old) != change.get("was"):
        raise _Stale(part)
    return old, change.get("value")


def _read_history(record: _Record, part: str, change: dict[str, Any]) -> tuple[Any, Any]:
    """History is only added to: never stale; ``value`` is the entries to add."""
    added = history_added(record.ctx, change.get("value"), record.history)
    return record.history, record.history + added if isinstance(added, list) else added


def _store_part(record: _Record, part: str, new: Any) -> None:
    if new is None:
        record.parts.pop(part, None)
    else:
        record.parts[part] = new


def _store_header(record: _Record, part: str, new: Any) -> None:
    """The header, and the context the changes after it are authorized in."""
    _store_part(record, part, new)
    record.ctx = replace(record.ctx, header=_header(new))


def _store_history(record: _Record, part: str, new: Any) -> None:
    record.history = new


@dataclass(frozen=True)
class PartKind:
    read: Callable[[_Record, str, dict[str, Any]], tuple[Any, Any]]
    store: Callable[[_Record, str, Any], None]


KINDS: dict[str, PartKind] = {
    "header": PartKind(_read_part, _store_header),
    "blocks": PartKind(_read_part, _store_part),
    "roster": PartKind(_read_part, _store_part),
    "att": PartKind(_read_part, _store_part),
    "note": PartKind(_read_part, _store_part),
    HISTORY: PartKind(_read_history, _store_history),
}


def _authorize(record: _Record, part: str, old: Any, new: Any) -> None:
    """``authority``'s rule for the part; nothing but a header on a record the host lacks."""
    if "header" not in record.parts and part != "header":
        raise Refused(f"{record.ctx.session_id} is not on the host and no acceptable header came with it")
    authorize_part(record.ctx, part, old, new)


def _take(record: _Record, change: dict[str, Any]) -> None:
    """One change, named by a part ``PART`` allows: stale, refused or applied."""
    part = change["part"]
    kind = KINDS[part.partition(":")[0]]
    try:
        old, new = kind.read(record, part, change)
    except _Stale:
        record.stale.append(part)
        return
    try:
        _authorize(record, part, old, new)
    except Refused as why:
        record.refused.append((part, str(why)[:REASON_CHARS]))
        return
    kind.store(record, part, new)
    record.applied.append(part)


def _header_refused(record: _Record, rest: int) -> bool:
    """A record the host does not have, whose header was refused: one refusal for all."""
    if "header" in record.parts or not record.refused or record.refused[-1][0] != "header":
        return False
    record.refused[-1] = ("header", f"{record.refused[-1][1]} (so its {rest} other change"
                                    f"{'s were' if rest > 1 else ' was'} not taken either)")
    return True


def _take_all(record: _Record, changes: list[dict[str, Any]]) -> None:
    """The changes in order: the header first, history last."""
    ordered = sorted(changes, key=_order)
    for number, change in enumerate(ordered):
        part = change.get("part")
        if not isinstance(part, str) or not PART.fullmatch(part):
            record.refused.append(("?", "a change names no part of a session record sync takes"))
            continue
        if _header_refused(record, len(ordered) - number):
            break
        _take(record, change)


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        return parse_file_bytes(path, read_bytes(path), SESSION_KIND)
    except FileNotFoundError:
        return None


def _write_record(path: Path, relative: str, current: dict[str, Any] | None, record: _Record) -> dict[str, Any]:
    """The accepted parts in one atomic write (none when the content is as it was); returns the
    tables the host holds afterwards."""
    tables = tables_from_parts(record.parts, record.history)
    if record.applied and (current is None or content_hash(tables) != content_hash(current)):
        check_tables(relative, tables)
        _write(path, SESSION_KIND, tables, generation_of(current) + 1 if current is not None else 1)
    return tables if record.applied or current is None else ordered_tables(current)


def _audit_refusals(data: DataDir, session_id: str, record: _Record) -> None:
    """Each refused part, after the change (whose "sync.apply" entry names what was taken)."""
    for part, reason in record.refused:
        kind, _, client = part.partition(":")
        data.record_audit("sync.refused", session_id, {"part": kind, "client": client or None, "reason": reason})


def _checked_record_push(relative: str, changes: Any) -> str:
    relative = check_path(relative)
    if not relative.startswith("records/"):
        raise SyncRefused(f"{relative!r} is not a session record")
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        raise SyncRefused("the changes of a record are not a list of changes")
    return relative


def apply_record_changes(data: DataDir, relative: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply one record's changes; returns ``{hash, base, refused, stale}``."""
    relative = _checked_record_push(relative, changes)
    session_id = Path(relative).stem
    day = date.fromisoformat(session_id[:10])
    actor = actor_of(data)
    path = data.root / relative
    make_dirs(path.parent)
    # Its own change: the record's new state and its "sync.apply" entry commit together
    # (store.commit), whatever the caller holds open.
    with data.change("sync.apply", session_id, always=False) as audited, locked(path):
        current = _read_record(path)
        parts = record_parts(current) if current is not None else {}
        history = list(ordered_tables(current).get(HISTORY, [])) if current is not None else []
        record = _Record(SessionContext(actor, session_id, day, _header(parts.get("header")), dict(parts)),
                         parts, history)
        _take_all(record, changes)
        if record.applied:   # before the write binds the entry; logged even if nothing changed
            audited.detail.update(changes=len(record.applied),
                                  kinds=sorted({p.partition(":")[0] for p in record.applied}))
            audited.always = True
        stored = _write_record(path, relative, current, record)
    _audit_refusals(data, session_id, record)
    return {"hash": content_hash(stored) if stored else None, "base": base_of(stored) if stored else {},
            "refused": [{"record": session_id, "part": p, "reason": r} for p, r in record.refused],
            "stale": record.stale}


def _header(doc: Any) -> SessionHeader | None:
    try:
        return SessionHeader.from_dict(doc) if isinstance(doc, dict) else None
    except (KeyError, ValueError, TypeError):
        return None


def uid_ok(uid: Any) -> TypeGuard[str]:
    """A uuid4 hex, or a legacy ``<device>:<doc id>``."""
    return isinstance(uid, str) and re.fullmatch(r"[0-9a-f]{32}|[0-9a-f]{16,64}:[0-9]{1,9}", uid, re.ASCII) is not None


@dataclass
class _Month:
    """One hours month file as the host holds it while a push is applied to it, under its lock."""

    actor: Actor
    month: str
    entries: dict[str, Any]                 # doc id -> entry
    by_uid: dict[str, str]                  # uid -> doc id
    next_id: int
    refused: list[tuple[str, str]] = field(default_factory=list)
    done: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def _pushed_uid(month: _Month, uid: Any) -> str | None:
    """``uid`` if it is an hours entry id; else refused (its first 80 characters named)."""
    if not uid_ok(uid):
        month.refused.append((str(uid)[:80], "that is not an hours entry id"))
        return None
    return str(uid)


def _remove_hours(month: _Month, remove: list[Any]) -> None:
    """Entries removed by uid (one the host does not hold is already gone)."""
    for pushed in remove:
        uid = _pushed_uid(month, pushed)
        if uid is None or uid not in month.by_uid:
            continue
        try:
            hours_entry(month.actor, month.month, uid, month.entries[month.by_uid[uid]], None)
        except Refused as why:
            month.refused.append((uid, str(why)[:REASON_CHARS]))
            continue
        month.done.append(("hours.remove", uid, month.entries.pop(month.by_uid.pop(uid))))


def _add_hours(month: _Month, add: list[Any]) -> None:
    """Entries added with their uid (one the host holds already is kept as it is)."""
    for pushed in add:
        uid = _pushed_uid(month, pushed.get("uid") if isinstance(pushed, dict) else None)
        if uid is None or uid in month.by_uid:
            continue
        try:
            doc = {**hours_entry(month.actor, month.month, uid, None, pushed).to_dict(), "uid": uid}
        except Refused as why:
            month.refused.append((uid, str(why)[:REASON_CHARS]))
            continue
        month.entries[str(month.next_id)] = doc
        month.by_uid[uid] = str(month.next_id)
        month.next_id += 1
        month.done.append(("hours.add", uid, doc))


def _audit_hours(data: DataDir, month: _Month) -> None:
    for uid, reason in month.refused:
        data.record_audit("sync.refused", f"hours:{month.month}:{uid}", {"part": "hours", "reason": reason})
    for action, uid, doc in month.done:
        data.record_audit(action, f"hours:{month.month}:{uid}", {"client": doc.get("client_id"),
                                                                   "minutes": doc.get("minutes"), "via": "sync"})


def apply_hours_changes(data: DataDir, relative: str, host_device: str, add: list[Any],
                        remove: list[Any]) -> dict[str, Any]:
    """Add and remove hours entries by uid; returns ``{uids, refused}``."""
    relative = check_path(relative)
    if not relative.startswith("hours/"):
        raise SyncRefused(f"{relative!r} is not an hours month file")
    if not isinstance(add, list) or not isinstance(remove, list):
        raise SyncRefused("the hours changes are not lists")
    actor = actor_of(data)
    path = data.root / relative
    make_dirs(path.parent)
    # Its own change: the month file's new state is bound to a "sync.apply" entry (store.commit);
    # each entry added or removed is logged by its uid below.
    with data.change("sync.apply", f"hours:{Path(relative).stem}", {"kinds": ["hours"], "via": "sync"},
                     always=False), \
            locked(path):
        try:
            current = parse_file_bytes(path, read_bytes(path), HOURS_KIND)
        except FileNotFoundError:
            current = {}
        ids = sorted(current.get("entries", {}), key=int)
        entries = dict(zip(ids, with_uids(current, host_device), strict=False))
        month = _Month(actor, Path(relative).stem, entries, {doc["uid"]: doc_id for doc_id, doc in entries.items()},
                       max((int(k) for k in ids), default=0) + 1)
        _remove_hours(month, remove)
        _add_hours(month, add)
        if month.done:
            tables = {"entries": month.entries} if month.entries else {}
            _write(path, HOURS_KIND, tables, generation_of(current) + 1 if current else 1)
    _audit_hours(data, month)
    return {"uids": sorted(month.by_uid),
            "refused": [{"record": f"hours:{month.month}:{uid}", "part": "hours", "reason": r}
                        for uid, r in month.refused]}


def apply_plan_change(data: DataDir, relative: str, was: Any, value: Any) -> dict[str, Any]:
    """Merge a recovery plan a laptop pushed into the host's; returns ``{hash, refused, conflict}``.

    ``was`` is the plan hash the laptop last saw on the host (None: it saw none). Whatever it
    says, the host merges (``core.recovery.merge_plans``: goals by number, status histories and
    reviews as unions), so a change made on the host meanwhile is kept; the result is
    authorized as the ssh account (``authority.plan``) and stored by ``store.recovery.put_plan``
    under the plan's lock, audited ``sync.apply``. Refused: the plan is left as it was, the
    reason goes back (``{record: "plan:<client>", part: "plan", reason}``) and is audited
    ``sync.refused``. Two goals added under the same number on both sides: ``conflict`` (a
    sentence with the client id and goal number), nothing written, nothing renumbered.
    """
    from facilitator.core.recovery import PlanConflict, merge_plans
    from facilitator.store.files import DamagedFile
    from facilitator.store.recovery import put_plan
    from facilitator.sync.authority import plan as authorize_plan
    from facilitator.sync.authority import pushed_plan
    from facilitator.sync.files import RECOVERY_PATH, plan_hash, read_recovery
    relative = check_path(relative)
    found = RECOVERY_PATH.fullmatch(relative)
    if found is None:
        raise SyncRefused(f"{relative!r} is not a recovery plan")
    client_id = found.group(1)
    record = f"plan:{client_id}"
    path = data.root / relative
    refused: str | None = None
    conflict: str | None = None
    stale = False
    try:
        actor = actor_of(data)
        pushed = pushed_plan(client_id, value)
        actor.need("plan.change", "recovery plans")      # before the store's own check audits "denied"
        if client_id not in actor.clients:
            raise Refused(f"there is no client {client_id!r} on the host")

        def merge(current: Any, checked: Any) -> Any:
            nonlocal stale
            stale = was != (plan_hash(current) if current is not None else None)
            merged = merge_plans(current, checked, current) if current is not None else checked
            if merged != current:
                authorize_plan(actor, client_id, current, merged)
            return merged

        put_plan(data, pushed, merge=merge, action="sync.apply", detail={"kinds": ["plan"], "via": "sync"})
    except Refused as why:
        refused = str(why)[:REASON_CHARS]
    except PlanConflict as why:
        conflict = f"{record}: {why.message}"[:REASON_CHARS]
    except InputError as why:            # e.g. more goals than a plan holds; never a goal's words
        refused = f"the merged recovery plan of {client_id} would not check: {why.message}"[:REASON_CHARS]
    except DamagedFile:
        refused = f"the host's copy of {client_id}'s plan is damaged; it was left as it is"
    try:
        now = read_recovery(path)
        stored = plan_hash(now) if now is not None else None
    except DamagedFile:
        stored = "damaged"
    if refused is not None:
        data.record_audit("sync.refused", record, {"part": "plan", "client": client_id, "reason": refused})
    return {"hash": stored, "stale": stale, "conflict": conflict,
            "refused": [{"record": record, "part": "plan", "reason": refused}] if refused is not None else []}
