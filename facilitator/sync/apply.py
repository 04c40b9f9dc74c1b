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
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from facilitator.core.errors import InputError
from facilitator.core.session import SessionHeader
from facilitator.store.datadir import DataDir
from facilitator.store.files import locked, make_dirs
from facilitator.store.records import KIND as SESSION_KIND
from facilitator.store.storage import generation_of, parse_file_bytes
from facilitator.sync.authority import Actor, Refused, SessionContext, authorize_part, hours_entry
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


def apply_record_changes(data: DataDir, relative: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply one record's changes; returns ``{hash, base, refused, stale}``."""
    relative = check_path(relative)
    if not relative.startswith("records/"):
        raise SyncRefused(f"{relative!r} is not a session record")
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        raise SyncRefused("the changes of a record are not a list of changes")
    session_id = Path(relative).stem
    day = date.fromisoformat(session_id[:10])
    actor = actor_of(data)
    path = data.root / relative
    refused: list[tuple[str, str]] = []
    stale: list[str] = []
    applied: list[str] = []
    make_dirs(path.parent)
    # Its own change: the record's new state and its "sync.apply" entry commit together
    # (store.commit), whatever the caller holds open.
    with data.change("sync.apply", session_id, always=False) as audited, locked(path):
        try:
            current = parse_file_bytes(path, path.read_bytes(), SESSION_KIND)
        except FileNotFoundError:
            current = None
        parts = record_parts(current) if current is not None else {}
        history = list(ordered_tables(current).get(HISTORY, [])) if current is not None else []
        header = _header(parts.get("header"))
        ctx = SessionContext(actor, session_id, day, header)
        ordered = sorted(changes, key=_order)
        for number, change in enumerate(ordered):
            part, new, was = change.get("part"), change.get("value"), change.get("was")
            if not isinstance(part, str) or not PART.fullmatch(part):
                refused.append(("?", "a change names no part of a session record sync takes"))
                continue
            if "header" not in parts and refused and refused[-1][0] == "header":
                # a record the host does not have, whose header was refused: one refusal for all
                rest = len(ordered) - number
                refused[-1] = ("header", f"{refused[-1][1]} (so its {rest} other change"
                                         f"{'s were' if rest > 1 else ' was'} not taken either)")
                break
            if part == HISTORY:
                added = [d for d in (new or []) if isinstance(d, dict) and d not in history] \
                    if isinstance(new, list) else new
                old, new = history, history + added if isinstance(added, list) else added
            else:
                old = parts.get(part)
                if short_hash(old) != was:
                    stale.append(part)
                    continue
            try:
                if "header" not in parts and part != "header":
                    raise Refused(f"{session_id} is not on the host and no acceptable header came with it")
                authorize_part(ctx, part, old, new)
            except Refused as why:
                refused.append((part, str(why)[:REASON_CHARS]))
                continue
            if part == HISTORY:
                history = new
            elif new is None:
                parts.pop(part, None)
            else:
                parts[part] = new
            if part == "header":
                ctx = replace(ctx, header=_header(new))
            applied.append(part)
        tables = tables_from_parts(parts, history)
        if applied:          # before the write binds the entry; logged even if nothing changed
            audited.detail.update(changes=len(applied), kinds=sorted({p.partition(":")[0] for p in applied}))
            audited.always = True
        if applied and (current is None or content_hash(tables) != content_hash(current)):
            check_tables(relative, tables)
            _write(path, SESSION_KIND, tables, generation_of(current) + 1 if current is not None else 1)
        stored = tables if applied or current is None else ordered_tables(current)
    for part, reason in refused:
        kind, _, client = part.partition(":")
        data.record_audit("sync.refused", session_id, {"part": kind, "client": client or None, "reason": reason})
    return {"hash": content_hash(stored) if stored else None, "base": base_of(stored) if stored else {},
            "refused": [{"record": session_id, "part": p, "reason": r} for p, r in refused],
            "stale": stale}


def _header(doc: Any) -> SessionHeader | None:
    try:
        return SessionHeader.from_dict(doc) if isinstance(doc, dict) else None
    except (KeyError, ValueError, TypeError):
        return None


def uid_ok(uid: Any) -> bool:
    """A uuid4 hex, or a legacy ``<device>:<doc id>``."""
    return isinstance(uid, str) and re.fullmatch(r"[0-9a-f]{32}|[0-9a-f]{16,64}:[0-9]{1,9}", uid, re.ASCII) is not None


def apply_hours_changes(data: DataDir, relative: str, host_device: str, add: list[Any],
                        remove: list[Any]) -> dict[str, Any]:
    """Add and remove hours entries by uid; returns ``{uids, refused}``."""
    relative = check_path(relative)
    if not relative.startswith("hours/"):
        raise SyncRefused(f"{relative!r} is not an hours month file")
    if not isinstance(add, list) or not isinstance(remove, list):
        raise SyncRefused("the hours changes are not lists")
    month = Path(relative).stem
    actor = actor_of(data)
    path = data.root / relative
    refused: list[tuple[str, str]] = []
    done: list[tuple[str, str, dict[str, Any]]] = []
    make_dirs(path.parent)
    # Its own change: the month file's new state is bound to a "sync.apply" entry (store.commit);
    # each entry added or removed is logged by its uid below.
    with data.change("sync.apply", f"hours:{month}", {"kinds": ["hours"], "via": "sync"}, always=False), \
            locked(path):
        try:
            current = parse_file_bytes(path, path.read_bytes(), HOURS_KIND)
        except FileNotFoundError:
            current = {}
        ids = sorted(current.get("entries", {}), key=int)
        entries = dict(zip(ids, with_uids(current, host_device)))
        by_uid = {doc["uid"]: doc_id for doc_id, doc in entries.items()}
        for uid in remove:
            if not uid_ok(uid):
                refused.append((str(uid)[:80], "that is not an hours entry id"))
                continue
            if uid not in by_uid:
                continue
            try:
                hours_entry(actor, month, uid, entries[by_uid[uid]], None)
            except Refused as why:
                refused.append((uid, str(why)[:REASON_CHARS]))
                continue
            done.append(("hours.remove", uid, entries.pop(by_uid.pop(uid))))
        next_id = max((int(k) for k in ids), default=0) + 1
        for doc in add:
            uid = doc.get("uid") if isinstance(doc, dict) else None
            if not uid_ok(uid):
                refused.append((str(uid)[:80], "that is not an hours entry id"))
                continue
            if uid in by_uid:
                continue
            try:
                doc = {**hours_entry(actor, month, uid, None, doc).to_dict(), "uid": uid}
            except Refused as why:
                refused.append((uid, str(why)[:REASON_CHARS]))
                continue
            entries[str(next_id)] = doc
            by_uid[uid] = str(next_id)
            next_id += 1
            done.append(("hours.add", uid, doc))
        if done:
            tables = {"entries": entries} if entries else {}
            _write(path, HOURS_KIND, tables, generation_of(current) + 1 if current else 1)
    for uid, reason in refused:
        data.record_audit("sync.refused", f"hours:{month}:{uid}", {"part": "hours", "reason": reason})
    for action, uid, doc in done:
        data.record_audit(action, f"hours:{month}:{uid}", {"client": doc.get("client_id"),
                                                             "minutes": doc.get("minutes"), "via": "sync"})
    return {"uids": sorted(by_uid),
            "refused": [{"record": f"hours:{month}:{uid}", "part": "hours", "reason": r} for uid, r in refused]}



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
